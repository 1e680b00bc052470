"""Pseudonymous reader ids: the log can group a reader's questions without knowing who they are.

The pseudonym is a keyed HMAC-SHA256 of the Telegram user id, so nobody without the secret can
turn a known user id into its pseudonym (a plain hash of a small integer could be brute-forced).
"""

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE_NAME = "querylog-secret"
_PSEUDONYM_BYTES = 16


class ReaderPseudonyms:
    """Turns Telegram user ids into stable pseudonyms under one secret."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the pseudonym secret must not be empty")
        self._secret = secret

    def __repr__(self) -> str:
        return "ReaderPseudonyms(secret=<hidden>)"

    def derive_key(self, purpose: str) -> bytes:
        """A key of its own for `purpose` (e.g. signing login links), so no two uses share the secret."""
        return hmac.new(self._secret, f"quotebot/{purpose}".encode(), hashlib.sha256).digest()

    def of(self, telegram_user_id: int) -> str:
        """Return the 32-hex-digit pseudonym of a Telegram user id."""
        digest = hmac.new(self._secret, str(telegram_user_id).encode(), hashlib.sha256)
        return digest.hexdigest()[: 2 * _PSEUDONYM_BYTES]


def load_or_create_secret(data_dir: Path, env_secret: str | None) -> bytes:
    """Return the secret from the environment, else from the data directory, creating it once.

    Several workers may start at the same moment: the file is written under a temporary name and
    hard-linked into place, so exactly one secret wins and nobody reads a half-written file.
    """
    if env_secret:
        return env_secret.encode()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if not path.exists():
        temporary = data_dir / f".{SECRET_FILE_NAME}.{secrets.token_hex(8)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, secrets.token_hex(32).encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    secret = path.read_text().strip()
    if not secret:
        raise ValueError(f"{path} is empty; delete it to have a new secret generated")
    return secret.encode()
