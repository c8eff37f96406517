"""The platform's report key (Ed25519): signs what a report's verification relies on.

The key comes from `XINYONG_REPORT_KEY` (or `_FILE`), else from a secret generated once
under ./var/ like the others. A signature in the database that does not check out means
the stored hash was changed: verification then fails as for an altered file.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


@cache
def _key(secret: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())


def key() -> Ed25519PrivateKey:
    return _key(settings.REPORT_KEY)


def sign(message: bytes) -> str:
    return base64.b64encode(key().sign(message)).decode()


def verify(message: bytes, signature: str) -> bool:
    try:
        key().public_key().verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
