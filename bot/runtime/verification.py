"""Slack request verification that answers 401, never 500, to any malformed request."""

from __future__ import annotations

from slack_bolt.middleware.request_verification import RequestVerification
from slack_sdk.signature import SignatureVerifier


class StrictSignatureVerifier(SignatureVerifier):
    """slack_sdk's verifier raises on a non-numeric timestamp; treat that as invalid."""

    def is_valid(self, body: str | bytes, timestamp: str, signature: str) -> bool:
        if not timestamp or not timestamp.strip().isdigit() or not signature:
            return False
        return super().is_valid(body, timestamp, signature)


class StrictRequestVerification(RequestVerification):
    """Bolt's request verification with the strict verifier."""

    def __init__(self, signing_secret: str) -> None:
        super().__init__(signing_secret)
        self._verifier = StrictSignatureVerifier(signing_secret)
