"""Checking a run's evidence without trusting the server.

A finished run carries ``evidence``: its audit end record, an inclusion
proof of that record in the log's Merkle tree (RFC 6962 hashing), and a
checkpoint (tree size and root) signed as a note (the signed-note format
of golang.org/x/mod/sumdb/note, Ed25519). :func:`check_proof` checks all
of it with the log's verifier key, which the operator hands out of band
(``checkpoint.pub`` in the audit folder) — never fetch it from the server
it vouches for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from . import _ed25519
from .errors import VerificationError

_ALG_ED25519 = 1


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint: the log's name, tree size and root hash."""

    origin: str
    size: int
    root: bytes
    time: str | None = None


@dataclass(frozen=True)
class VerifierKey:
    """A note verifier key: ``name+hash+base64(0x01 || public key)``."""

    name: str
    key_hash: bytes
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> "VerifierKey":
        """Parse a verifier key, or the path of a file holding one."""
        text = text.strip()
        if os.path.isfile(text):
            with open(text, encoding="utf-8") as f:
                text = f.read().strip()
        # The key's base64 may hold '+' too: split at the first two only.
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise VerificationError("verifier key: want NAME+HASH+KEY (the content of checkpoint.pub)")
        name, hash16, key64 = parts
        try:
            key_hash = bytes.fromhex(hash16)
            key = base64.b64decode(key64, validate=True)
        except (ValueError, binascii.Error) as e:
            raise VerificationError(f"verifier key: {e}") from e
        if len(key_hash) != 4 or len(key) != 33 or key[0] != _ALG_ED25519 or not name:
            raise VerificationError("verifier key: not an Ed25519 note verifier key")
        if hashlib.sha256(name.encode() + b"\n" + key).digest()[:4] != key_hash:
            raise VerificationError("verifier key: its hash does not match its name and key")
        return cls(name, key_hash, key[1:])


def leaf_hash(record: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || record)."""
    return hashlib.sha256(b"\x00" + record).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162, section 2.1.3.2)."""
    if not 0 <= index < size:
        raise VerificationError(f"inclusion proof: index {index} is outside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof: longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof: shorter than the tree is deep")
    return r


def open_note(note: str, key: VerifierKey) -> str:
    """Check a signed note's signature by key and return its text."""
    msg = note.encode()
    split = msg.rfind(b"\n\n")
    if split < 0 or not msg.endswith(b"\n"):
        raise VerificationError("checkpoint: not a signed note")
    text, sigs = msg[: split + 1], msg[split + 2 :]
    for line in sigs.split(b"\n")[:-1]:
        if not line.startswith("— ".encode()):
            raise VerificationError("checkpoint: malformed signature line")
        name, _, b64 = line[len("— ".encode()) :].decode().partition(" ")
        try:
            sig = base64.b64decode(b64, validate=True)
        except binascii.Error as e:
            raise VerificationError(f"checkpoint: signature: {e}") from e
        if name == key.name and sig[:4] == key.key_hash:
            if _ed25519.verify(key.public_key, text, sig[4:]):
                return text.decode()
            raise VerificationError(f"checkpoint: the signature of {name} does not verify")
    raise VerificationError(f"checkpoint: not signed by {key.name}")


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise VerificationError("checkpoint: want origin, size and root lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or str(int(size)) != size:
        raise VerificationError(f"checkpoint: bad tree size {size!r}")
    try:
        h = base64.b64decode(root, validate=True)
    except binascii.Error as e:
        raise VerificationError(f"checkpoint: bad root hash: {e}") from e
    if len(h) != 32:
        raise VerificationError("checkpoint: root hash is not 32 bytes")
    t = None
    for ext in lines[3:-1]:
        if ext.startswith("time "):
            t = ext[5:]
    return Checkpoint(origin, int(size), h, t)


def check_proof(evidence: Mapping[str, Any], key: str | VerifierKey) -> tuple[Checkpoint, list[dict[str, Any]]]:
    """Check evidence (the JSON of ``cordon audit prove``) against the
    verifier key; return the checkpoint and the records it proves.

    Raises :class:`VerificationError` naming what does not hold.
    """
    vk = key if isinstance(key, VerifierKey) else VerifierKey.parse(key)
    if not evidence or "checkpoint" not in evidence:
        raise VerificationError("no evidence: the run carries no inclusion proof")
    cp = parse_checkpoint(open_note(evidence["checkpoint"], vk))
    if cp.origin != vk.name:
        raise VerificationError(f"checkpoint: origin {cp.origin!r} is not the key's name {vk.name!r}")
    records = evidence.get("records") or []
    if not records:
        raise VerificationError("the proof holds no record")
    out = []
    for rp in records:
        index = rp["index"]
        line = rp["record"].encode()
        h = leaf_hash(line)
        if base64.b64decode(rp["hash"]) != h:
            raise VerificationError(f"record {index}: its bytes do not hash to the stated leaf hash")
        proof = [base64.b64decode(p) for p in rp.get("proof") or []]
        if root_from_inclusion(index, cp.size, h, proof) != cp.root:
            raise VerificationError(f"record {index}: the inclusion proof does not lead to the signed root of the checkpoint of size {cp.size}")
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise VerificationError(f"record {index}: not JSON: {e}") from e
        if rec.get("i") != index:
            raise VerificationError(f"record {index} says it is record {rec.get('i')}")
        out.append(rec)
    return cp, out
