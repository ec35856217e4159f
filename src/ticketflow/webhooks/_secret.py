"""Webhook secrets: random keys shared with a receiver, written ``whsec_`` + base64.

The Standard Webhooks specification serializes a symmetric secret as ``whsec_`` followed by the
key in standard base64, and recommends keys of 24 to 64 random bytes. The prefix is required
here: without it, a password such as ``hunter2hunter2`` would read as base64 and quietly become
a different key than the one the sender uses.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Final

import attrs

from .._shown import shown
from ..exceptions import WebhookVerificationError

__all__ = [
    "MAX_KEY_BYTES",
    "MIN_KEY_BYTES",
    "PREFIX",
    "WebhookSecret",
    "decode_base64",
    "secrets_of",
]

PREFIX: Final = "whsec_"
MIN_KEY_BYTES: Final = 16
"""Fewer random bytes could be guessed offline from one signed message."""
MAX_KEY_BYTES: Final = 1024
"""Far above the specification's 64; a bound, so that a secret cannot be a megabyte."""
_MAX_SECRETS: Final = 16
"""Rotation keeps two or three in use; a bound, so that one call cannot hash a million times."""

_MAX_TEXT: Final = len(PREFIX) + 4 * -(-MAX_KEY_BYTES // 3)
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def decode_base64(text: str) -> bytes | None:
    """Return the bytes that standard base64 ``text`` holds, padded or not; else ``None``."""
    if not _BASE64.fullmatch(text):
        return None
    bare = text.rstrip("=")
    if len(bare) % 4 == 1 or (len(text) != len(bare) and len(text) % 4):
        return None  # one character too many, or padding that does not end a quantum
    try:
        return base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
    except binascii.Error:  # pragma: no cover - the checks above admit only base64
        return None


def _key(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise WebhookVerificationError(
            "bad_secret", f"a secret's key is bytes (got {type(value).__name__})"
        )
    if not MIN_KEY_BYTES <= len(value) <= MAX_KEY_BYTES:
        raise WebhookVerificationError(
            "bad_secret",
            f"a secret's key is {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes (got {len(value)})",
        )
    return bytes(value)


@attrs.frozen(repr=False)
class WebhookSecret:
    """A key that signs webhooks, shared by the sender and the receiver.

    Build one from its text with :meth:`parse`, or make a new one with :meth:`generate`; its
    :attr:`text` is what the receiver is given. The key never shows in a ``repr``.

    Args:
        key: The raw key: 16 to 1024 bytes (the specification recommends 24 to 64 random
            bytes).

    Raises:
        WebhookVerificationError: ``key`` is not bytes of that length (reason ``bad_secret``).

    .. versionadded:: 0.2
    """

    key: bytes = attrs.field(converter=_key)

    @classmethod
    def parse(cls, text: str) -> WebhookSecret:
        """Return the secret written as ``text``: ``whsec_`` + the key in standard base64.

        Padding may be left out, as some providers do; nothing else is forgiven, not even
        surrounding white space.

        Raises:
            WebhookVerificationError: ``text`` is not a secret so written (reason
                ``bad_secret``); the message never shows the text.
        """
        given: object = text
        if not isinstance(given, str):
            raise WebhookVerificationError(
                "bad_secret", f"a secret is text (got {type(given).__name__})"
            )
        if not text.startswith(PREFIX):
            raise WebhookVerificationError("bad_secret", f"a secret starts with {PREFIX!r}")
        if len(text) > _MAX_TEXT:
            raise WebhookVerificationError(
                "bad_secret", f"a secret is at most {_MAX_TEXT} characters (got {len(text)})"
            )
        key = decode_base64(text[len(PREFIX) :])
        if key is None:
            raise WebhookVerificationError(
                "bad_secret", f"what follows {PREFIX!r} is not standard base64"
            )
        return cls(key)

    @classmethod
    def generate(cls, size: int = 32) -> WebhookSecret:
        """Return a new secret of ``size`` random bytes from the operating system.

        Raises:
            WebhookVerificationError: ``size`` is not an integer from 16 to 1024 (reason
                ``bad_secret``).
        """
        if type(size) is not int or not MIN_KEY_BYTES <= size <= MAX_KEY_BYTES:
            raise WebhookVerificationError(
                "bad_secret",
                f"a secret's size is an integer from {MIN_KEY_BYTES} to {MAX_KEY_BYTES}"
                f" (got {shown(size)})",
            )
        import secrets  # noqa: PLC0415 - only hosts that make secrets need it

        return cls(secrets.token_bytes(size))

    @property
    def text(self) -> str:
        """The secret as the receiver is given it: ``whsec_`` + the key in base64."""
        return PREFIX + base64.b64encode(self.key).decode("ascii")

    def __repr__(self) -> str:
        return f"WebhookSecret(<{len(self.key)} bytes>)"


def secrets_of(value: object) -> tuple[WebhookSecret, ...]:
    """Return the secrets ``value`` gives: one secret or its text, or an iterable of those.

    Raises:
        WebhookVerificationError: One is not a secret, or none is given (reason
            ``bad_secret``).
    """
    if isinstance(value, WebhookSecret):
        return (value,)
    if isinstance(value, str):
        return (WebhookSecret.parse(value),)
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray):
        raise WebhookVerificationError(
            "bad_secret",
            f"secrets are a WebhookSecret, its text, or several (got {type(value).__name__})",
        )
    found: list[WebhookSecret] = []
    for item in value:
        found.append(item if isinstance(item, WebhookSecret) else WebhookSecret.parse(item))
        if len(found) > _MAX_SECRETS:
            raise WebhookVerificationError(
                "bad_secret", f"at most {_MAX_SECRETS} secrets are in use at once"
            )
    if not found:
        raise WebhookVerificationError("bad_secret", "no secret given")
    return tuple(found)
