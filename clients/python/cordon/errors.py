"""Exceptions. Every refusal of the server is a :class:`ProblemError`
carrying its problem document (RFC 9457), with one subclass per kind a
caller is likely to handle."""

from __future__ import annotations

from typing import Any, Mapping

PROBLEM_BASE = "https://cordon.dev/problems/"


class CordonError(Exception):
    """Base of every error this package raises."""


class TransportError(CordonError):
    """The server could not be reached or answered something unreadable."""


class VerificationError(CordonError):
    """Evidence did not verify: the proof, the record or the signature."""


class ProblemError(CordonError):
    """The server refused a request; ``problem`` is its problem document."""

    def __init__(self, problem: Mapping[str, Any], status: int, retry_after: float | None = None):
        self.problem = dict(problem)
        self.status = status
        self.retry_after = retry_after
        super().__init__(self.__str__())

    @property
    def type(self) -> str:
        """The problem type's short name (``rate-limited``, ``policy-loosens``...)."""
        t = str(self.problem.get("type", ""))
        return t[len(PROBLEM_BASE) :] if t.startswith(PROBLEM_BASE) else t

    @property
    def title(self) -> str:
        return str(self.problem.get("title", ""))

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail", ""))

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Field errors (field, line, column, message) of policy problems."""
        return list(self.problem.get("errors") or [])

    def __str__(self) -> str:
        s = f"{self.status} {self.type}: {self.detail or self.title}"
        for e in self.errors:
            s += f"; {e.get('field', '')}: {e.get('message', '')}"
        return s


class AuthError(ProblemError):
    """401: no token, or one the server does not know."""


class NotFoundError(ProblemError):
    """404: no such run (or another tenant's), output or record."""


class RequestError(ProblemError):
    """400, 413, 415, 422: the request cannot run as given."""


class PolicyError(RequestError):
    """The policy override is invalid or would loosen the ceiling."""


class ConflictError(ProblemError):
    """409: idempotency key reused, or cancel of a finished run."""


class RateLimitError(ProblemError):
    """429: over the tenant's rate or queued-runs quota (see retry_after)."""


class UnavailableError(ProblemError):
    """503: the server's queue is full, it is shutting down, or not ready."""


class ServerError(ProblemError):
    """500: the server failed."""


def error_for(problem: Mapping[str, Any], status: int, retry_after: float | None = None) -> ProblemError:
    """The exception for a problem document."""
    name = str(problem.get("type", "")).removeprefix(PROBLEM_BASE)
    cls: type[ProblemError]
    if name in ("policy-invalid", "policy-loosens"):
        cls = PolicyError
    elif status == 401:
        cls = AuthError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status == 429:
        cls = RateLimitError
    elif status == 503:
        cls = UnavailableError
    elif status >= 500:
        cls = ServerError
    else:
        cls = RequestError
    return cls(problem, status, retry_after)
