"""The identifiers ticketflow makes: random version-4 UUIDs, as 32 hex digits."""

from __future__ import annotations

from os import urandom

__all__ = ["new_id"]


def new_id() -> str:
    """Return a random version-4 UUID as 32 hex digits, what ``uuid.uuid4().hex`` returns.

    Set from the random bytes directly: ``uuid.UUID`` checks its input in Python, which costs
    three times as much, and every command makes two ids (its event's and its message's).
    """
    raw = bytearray(urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # the version, 4
    raw[8] = raw[8] & 0x3F | 0x80  # the variant, RFC 4122's
    return raw.hex()
