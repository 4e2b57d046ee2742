"""Result.verify: the proof, the record and the signed checkpoint, in pure
Python, including tampered evidence that must fail."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest

import cordon
from cordon import _ed25519, evidence


def test_ed25519_rfc8032_vectors():
    # RFC 8032, section 7.1, tests 1 and 2.
    pub = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert _ed25519.verify(pub, b"", sig)
    assert not _ed25519.verify(pub, b"x", sig)
    pub2 = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    sig2 = bytes.fromhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    assert _ed25519.verify(pub2, b"\x72", sig2)
    assert not _ed25519.verify(pub2, b"\x72", sig2[:63] + bytes([sig2[63] ^ 1]))
    assert not _ed25519.verify(pub, b"", sig2)


def test_rfc6962_inclusion():
    leaves = [evidence.leaf_hash(bytes([i])) for i in range(7)]

    def root(hs):
        if len(hs) == 1:
            return hs[0]
        k = 1
        while k * 2 < len(hs):
            k *= 2
        return evidence.node_hash(root(hs[:k]), root(hs[k:]))

    def path(i, hs):
        if len(hs) == 1:
            return []
        k = 1
        while k * 2 < len(hs):
            k *= 2
        if i < k:
            return path(i, hs[:k]) + [root(hs[k:])]
        return path(i - k, hs[k:]) + [root(hs[:k])]

    for n in range(1, 8):
        for i in range(n):
            assert evidence.root_from_inclusion(i, n, leaves[i], path(i, leaves[:n])) == root(leaves[:n])
    with pytest.raises(cordon.VerificationError):
        evidence.root_from_inclusion(7, 7, leaves[0], [])


def test_verify_real_evidence(server, client):
    r = client.run(source="print('evidence')")
    assert r.evidence, r.raw
    cp = r.verify(server.pubkey)
    assert cp.size > r.audit["index"] and cp.origin and len(cp.root) == 32
    # The key may also be given as the path of checkpoint.pub.
    r.verify(str(server.dir / "audit" / "checkpoint.pub"))
    # Evidence stays checkable offline, from saved JSON.
    saved = cordon.Result(json.loads(json.dumps(r.raw)))
    saved.verify(server.pubkey)


def _tampered(r: cordon.Result, how: str) -> cordon.Result:
    raw = copy.deepcopy(r.raw)
    ev = raw["evidence"]
    rec = ev["records"][0]
    if how == "record":
        rec["record"] = rec["record"].replace('"status":"ok"', '"status":"exit-nonzero"')
        assert rec["record"] != r.raw["evidence"]["records"][0]["record"]
    elif how == "record+hash":
        rec["record"] = rec["record"].replace('"status":"ok"', '"status":"exit-nonzero"')
        rec["hash"] = base64.b64encode(evidence.leaf_hash(rec["record"].encode())).decode()
    elif how == "proof":
        p = bytearray(base64.b64decode(rec["proof"][0]))
        p[0] ^= 1
        rec["proof"][0] = base64.b64encode(bytes(p)).decode()
    elif how == "index":
        rec["index"] += 1
    elif how == "checkpoint root":
        lines = ev["checkpoint"].split("\n")
        lines[2] = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
        ev["checkpoint"] = "\n".join(lines)
    elif how == "signature":
        lines = ev["checkpoint"].split("\n")
        sigline = [i for i, l in enumerate(lines) if l.startswith("— ")][0]
        name, b64 = lines[sigline][2:].split(" ")
        sig = bytearray(base64.b64decode(b64))
        sig[-1] ^= 1
        lines[sigline] = "— " + name + " " + base64.b64encode(bytes(sig)).decode()
        ev["checkpoint"] = "\n".join(lines)
    elif how == "result status":
        raw["status"] = "exit-nonzero"
    elif how == "other run":
        raw["id"] = "0000000000000000"
    elif how == "no evidence":
        del raw["evidence"]
    return cordon.Result(raw)


@pytest.mark.parametrize("how", ["record", "record+hash", "proof", "index", "checkpoint root", "signature",
                                 "result status", "other run", "no evidence"])
def test_tampered_evidence_fails(server, client, how):
    r = client.run(source="print('tamper')")
    assert r.ok and len(r.evidence["records"][0]["proof"]) > 0 or how != "proof"
    r.verify(server.pubkey)
    with pytest.raises(cordon.VerificationError):
        _tampered(r, how).verify(server.pubkey)


def test_wrong_key_fails(server, client):
    r = client.run(source="print(1)")
    name, h, key = server.pubkey.split("+", 2)
    other = bytearray(base64.b64decode(key))
    other[5] ^= 1
    other_key = bytes(other)
    other_hash = hashlib.sha256(name.encode() + b"\n" + other_key).digest()[:4].hex()
    with pytest.raises(cordon.VerificationError):
        r.verify(f"{name}+{other_hash}+{base64.b64encode(other_key).decode()}")
    with pytest.raises(cordon.VerificationError):
        r.verify(f"{name}+{h}+{base64.b64encode(other_key).decode()}")  # hash does not match


def test_key_base64_with_plus():
    # A verifier key's base64 may hold '+', the separator of its fields.
    key = b"\x01" + bytes([0xFB] * 32)
    b64 = base64.b64encode(key).decode()
    assert "+" in b64
    h = hashlib.sha256(b"log.example\n" + key).digest()[:4].hex()
    vk = evidence.VerifierKey.parse(f"log.example+{h}+{b64}")
    assert vk.name == "log.example" and vk.public_key == key[1:]


def test_checkpoint_endpoint(server, client):
    client.run(source="print(1)")  # the log has a record to sign
    note = client.checkpoint()
    text = evidence.open_note(note, evidence.VerifierKey.parse(server.pubkey))
    cp = evidence.parse_checkpoint(text)
    assert cp.origin == server.pubkey.split("+", 1)[0] and cp.size >= 1
    with pytest.raises(cordon.VerificationError):
        evidence.open_note(note.replace("\n", "\n\n", 1), evidence.VerifierKey.parse(server.pubkey))
