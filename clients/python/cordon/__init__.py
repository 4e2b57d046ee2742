"""Cordon's Python client.

Start with :class:`Client` (``Client(url, token).run(source="print(1)")``),
or :class:`AsyncClient` under asyncio; existing BIP-04 callers change one
import to :class:`SecureScriptExecutor`. :meth:`Result.verify` checks a
run's audit evidence against the log's verifier key, in pure Python.
"""

from .aio import AsyncClient
from .client import Client, Event, Result
from .errors import (
    AuthError,
    ConflictError,
    CordonError,
    NotFoundError,
    PolicyError,
    ProblemError,
    RateLimitError,
    RequestError,
    ServerError,
    TransportError,
    UnavailableError,
    VerificationError,
)
from .evidence import Checkpoint, check_proof
from .shim import ScriptExecutionException, SecureScriptExecutor

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "AuthError", "Checkpoint", "Client", "ConflictError", "CordonError", "Event", "NotFoundError",
    "PolicyError", "ProblemError", "RateLimitError", "RequestError", "Result", "ScriptExecutionException",
    "SecureScriptExecutor", "ServerError", "TransportError", "UnavailableError", "VerificationError", "check_proof",
]
