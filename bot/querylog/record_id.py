"""Record ids the bot can put on a feedback button before the database has seen the record.

The id is made on the client, so `submit` never waits for the database, and it sorts by time
(48-bit milliseconds then 80 random bits, Crockford base32, 26 characters, like a ULID), so the
primary-key index also serves "newest first".
"""

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECORD_ID_LENGTH = 26


def new_record_id(now_ms: int | None = None) -> str:
    """Return a fresh 26-character, time-sortable record id."""
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (millis & ((1 << 48) - 1)) << 80 | secrets.randbits(80)
    chars = []
    for _ in range(RECORD_ID_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def is_record_id(text: str) -> bool:
    """Tell whether `text` has the shape of a record id (so stray callback data is rejected)."""
    return len(text) == RECORD_ID_LENGTH and all(char in _ALPHABET for char in text)
