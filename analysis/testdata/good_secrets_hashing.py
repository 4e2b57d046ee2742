import hashlib
import hmac
import secrets

PASSWORD_ENV = "APP_PASSWORD"


def hash_password(password: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200_000)
    return salt, digest


def check(password: str, salt: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(hash_password(password, salt)[1], digest)


token = secrets.token_urlsafe(32)
salt, d = hash_password("correct horse")
print(check("correct horse", salt, d), len(token), hashlib.sha256(b"x").hexdigest())
