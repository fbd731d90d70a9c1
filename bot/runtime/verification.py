"""Slack request verification that answers 401, never 500, to any malformed request."""

from __future__ import annotations

import hashlib
import hmac

from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk.signature import SignatureVerifier


class StrictSignatureVerifier(SignatureVerifier):
    """slack_sdk's verifier raises on a non-numeric timestamp, and on a body that is not
    UTF-8; treat the first as invalid, and sign the second's bytes as they came."""

    def is_valid(self, body: str | bytes, timestamp: str, signature: str) -> bool:
        if not timestamp or not timestamp.strip().isdigit() or not signature:
            return False
        return super().is_valid(body, timestamp, signature)

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body if isinstance(body, bytes) else (body or "").encode()
        base = b"v0:" + timestamp.encode() + b":" + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()


class StrictRequestVerification(RequestVerification):
    """Bolt's request verification with the strict verifier."""

    def __init__(self, signing_secret: str) -> None:
        super().__init__(signing_secret)
        self._verifier = StrictSignatureVerifier(signing_secret)
