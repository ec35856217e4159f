"""Signing and verifying webhooks by the Standard Webhooks scheme (``v1``: HMAC-SHA256).

The sender signs ``<msg_id>.<timestamp>.<body>`` with each secret in use and sends three
headers: ``webhook-id``, ``webhook-timestamp`` (integer Unix seconds) and ``webhook-signature``
(``v1,<base64>`` entries separated by spaces). The receiver recomputes the signature over the
header values and the body *as received*, compares in constant time, and refuses a timestamp
too far from its own clock, which bounds how long a captured message can be replayed.

Timestamps are integer seconds, not datetimes, on purpose: the signed content holds the
header's digits, so a sender that signs exactly the integer it sends cannot disagree with
itself about rounding.
"""

from __future__ import annotations

import binascii
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from .._clock import SystemClock
from .._shown import shown
from .._values import check_instant, check_int, check_name, text_problem
from ..exceptions import InvalidValueError, WebhookVerificationError
from ._secret import WebhookSecret, decode_base64, secrets_of

__all__ = [
    "DEFAULT_TOLERANCE",
    "ID_HEADER",
    "MAX_ID_LENGTH",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "VerifiedWebhook",
    "sign",
    "verify",
]

ID_HEADER: Final = "webhook-id"
TIMESTAMP_HEADER: Final = "webhook-timestamp"
SIGNATURE_HEADER: Final = "webhook-signature"
DEFAULT_TOLERANCE: Final = timedelta(minutes=5)
"""The specification's suggestion, in either direction."""
MAX_ID_LENGTH: Final = 256
"""What a store keeps as a name: receivers record ids to drop repeated deliveries."""

_HEADERS: Final = frozenset({ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER})
_MAX_TIMESTAMP: Final = 253_402_300_799
"""9999-12-31T23:59:59Z, the last second a datetime holds."""
_MAX_DIGITS: Final = 20
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
# What text_problem and _CONTROL refuse in an id, in one search (the common case: nothing).
_NOT_IN_ID: Final = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff]")
_VERSION: Final = re.compile(r"[A-Za-z0-9]+")
_MAX_SIGNATURE_HEADER: Final = 8192
"""Room for a hundred signatures; a bound, so that a header cannot be a megabyte."""
_DIGEST_SIZE: Final = 32
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_ZERO: Final = timedelta(0)
_CLOCK: Final = SystemClock()


def _msg_id(value: str) -> str:
    return check_name("msg_id", value)


def _sent_at(value: datetime) -> datetime:
    return check_instant("sent_at", value)


def _secret_index(value: int) -> int:
    return check_int("secret_index", value, minimum=0)


@attrs.frozen
class VerifiedWebhook:
    """What :func:`verify` vouches for: the message's id, when it was sent, and by which key.

    Args:
        msg_id: The ``webhook-id``: the same on every retry of one message, so a receiver that
            records it handles each message once.
        sent_at: The ``webhook-timestamp``, in UTC.
        secret_index: The position, among the secrets given to :func:`verify`, of the secret
            whose signature matched (during a rotation, it tells when the old one falls out of
            use).

    Raises:
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.2
    """

    msg_id: str = attrs.field(converter=_msg_id)
    sent_at: datetime = attrs.field(converter=_sent_at)
    secret_index: int = attrs.field(converter=_secret_index)


def _verified(msg_id: str, sent_at: datetime, secret_index: int) -> VerifiedWebhook:
    # verify's own fast path: it checked each value by VerifiedWebhook's rules (or stricter).
    verified = object.__new__(VerifiedWebhook)
    object.__setattr__(verified, "msg_id", msg_id)
    object.__setattr__(verified, "sent_at", sent_at)
    object.__setattr__(verified, "secret_index", secret_index)
    return verified


def sign(
    secrets: WebhookSecret | str | Iterable[WebhookSecret | str],
    msg_id: str,
    timestamp: int,
    body: bytes | bytearray,
) -> str:
    """Return the ``webhook-signature`` header value for a message.

    Args:
        secrets: The secret, or several while a secret is rotated (one signature each, in
            order): :class:`WebhookSecret` values or their ``whsec_`` text.
        msg_id: The ``webhook-id`` to send: at most 256 characters on one line, no control
            characters; the same on every retry.
        timestamp: The ``webhook-timestamp`` to send, in integer Unix seconds.
        body: The body exactly as it will be sent.

    Returns:
        ``v1,<base64>``, one entry per secret, separated by spaces.

    Raises:
        WebhookVerificationError: An argument is not of its kind (reasons ``bad_secret``,
            ``bad_id``, ``bad_timestamp``, ``bad_body``).

    .. versionadded:: 0.2
    """
    keys = (secrets,) if type(secrets) is WebhookSecret else secrets_of(secrets)
    _check_id(msg_id)
    given: object = timestamp
    if type(given) is not int or not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise WebhookVerificationError(
            "bad_timestamp",
            f"a timestamp is integer Unix seconds from 0 to {_MAX_TIMESTAMP} (got {shown(given)})",
        )
    data = body if type(body) is bytes else _body(body)
    content = b"".join((msg_id.encode(), b".", str(timestamp).encode("ascii"), b".", data))
    return " ".join(
        "v1," + binascii.b2a_base64(hmac.digest(key.key, content, "sha256"), newline=False).decode()
        for key in keys
    )


def verify(
    headers: Mapping[str, str],
    body: bytes | bytearray,
    secrets: WebhookSecret | str | Iterable[WebhookSecret | str],
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    now: datetime | None = None,
) -> VerifiedWebhook:
    """Return what a received webhook's headers vouch for, once its signature is checked.

    Args:
        headers: The request's headers; ``webhook-id``, ``webhook-timestamp`` and
            ``webhook-signature`` are found whatever their case.
        body: The body exactly as received, before any parsing.
        secrets: The secret, or several while a secret is rotated: :class:`WebhookSecret`
            values or their ``whsec_`` text. A signature by any of them is accepted.
        tolerance: How far the timestamp may be from ``now``, either way.
        now: The current instant (timezone-aware); the system clock's if ``None``.

    Returns:
        The message id, when it was sent, and which secret signed it.

    Raises:
        WebhookVerificationError: The message is not signed by any of the secrets, or is
            malformed, or its timestamp is outside the tolerance; or a secret is malformed.
            Its ``reason`` says which (see :class:`~ticketflow.WebhookVerificationError`).
        InvalidValueError: ``tolerance`` is not a timedelta of zero or more, or ``now`` is not
            a datetime (:class:`~ticketflow.NaiveDatetimeError` if it is naive).

    .. versionadded:: 0.2
    """
    limit: object = tolerance
    if not isinstance(limit, timedelta) or limit < _ZERO:
        raise InvalidValueError("tolerance", tolerance, "must be a timedelta of zero or more")
    instant = _CLOCK.now() if now is None else check_instant("now", now)
    keys = (secrets,) if type(secrets) is WebhookSecret else secrets_of(secrets)
    data = body if type(body) is bytes else _body(body)
    msg_id, stamp, signed = _wanted_headers(headers)
    _check_id(msg_id, header=ID_HEADER)
    if not (len(stamp) <= _MAX_DIGITS and stamp.isascii() and stamp.isdigit()):
        raise WebhookVerificationError(
            "bad_timestamp", "must be integer Unix seconds", header=TIMESTAMP_HEADER
        )
    signatures = _v1_signatures(signed)
    sent_at = _fresh(int(stamp), instant, tolerance)
    content = b"".join((msg_id.encode(), b".", stamp.encode("ascii"), b".", data))
    for index, key in enumerate(keys):
        expected = hmac.digest(key.key, content, "sha256")
        matched = False
        for given in signatures:
            # Every signature is compared: how long this takes says nothing of which matched.
            matched |= hmac.compare_digest(expected, given)
        if matched:
            return _verified(msg_id, sent_at, index)
    problem = "no v1 signature matches any secret" if signatures else "no v1 signature"
    raise WebhookVerificationError("no_match", problem, header=SIGNATURE_HEADER)


def _body(body: object) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    problem = f"a body is the bytes sent (got {type(body).__name__})"
    if isinstance(body, str):
        problem += ": pass the raw body, not its decoded text"
    raise WebhookVerificationError("bad_body", problem)


def _check_id(msg_id: object, *, header: str | None = None) -> None:
    if (
        type(msg_id) is str
        and len(msg_id) <= MAX_ID_LENGTH
        and not _NOT_IN_ID.search(msg_id)
        and msg_id.strip()
    ):
        return
    problem = text_problem(msg_id, empty=False, single_line=True, max_length=MAX_ID_LENGTH)
    if problem is None and isinstance(msg_id, str) and _CONTROL.search(msg_id):
        problem = "must not contain control characters"
    if problem is not None:
        raise WebhookVerificationError("bad_id", f"a message id {problem}", header=header)


def _wanted_headers(headers: object) -> tuple[str, str, str]:
    if not isinstance(headers, Mapping):
        raise WebhookVerificationError(
            "malformed_header", f"headers are a mapping (got {type(headers).__name__})"
        )
    found: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str):
            continue
        lowered = name.lower()
        # Header names are ASCII: "webhoo\u212a-id".lower() must not pass for webhook-id.
        if lowered not in _HEADERS or not name.isascii():
            continue
        if lowered in found:
            raise WebhookVerificationError(
                "malformed_header", "given twice, in different cases", header=lowered
            )
        if not isinstance(value, str):
            raise WebhookVerificationError(
                "malformed_header", f"a value is text (got {type(value).__name__})", header=lowered
            )
        found[lowered] = value
    values = []
    for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
        value = found.get(name, "")
        if not value or value.isspace():
            raise WebhookVerificationError("missing_header", "missing or empty", header=name)
        values.append(value)
    return values[0], values[1], values[2]


def _v1_signatures(header: str) -> list[bytes]:
    if len(header) > _MAX_SIGNATURE_HEADER:
        raise WebhookVerificationError(
            "malformed_signature",
            f"at most {_MAX_SIGNATURE_HEADER} characters (got {len(header)})",
            header=SIGNATURE_HEADER,
        )
    if " " not in header and header.startswith("v1,"):
        # The common case, one padded signature, in C; anything else takes the long way.
        try:
            digest = binascii.a2b_base64(header[3:], strict_mode=True)
        except (binascii.Error, ValueError):
            pass
        else:
            if len(digest) == _DIGEST_SIZE:
                return [digest]
    entries = (_v1_signature(entry) for entry in header.split(" ") if entry)  # "  " is one gap
    return [digest for digest in entries if digest is not None]


def _v1_signature(entry: str) -> bytes | None:
    version, comma, encoded = entry.partition(",")
    if not comma or not _VERSION.fullmatch(version) or not encoded or "," in encoded:
        raise WebhookVerificationError(
            "malformed_signature",
            "entries are version,signature separated by spaces",
            header=SIGNATURE_HEADER,
        )
    if version != "v1":
        return None  # a scheme this receiver does not know: another entry may be v1
    try:
        digest: bytes | None = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError):
        digest = decode_base64(encoded)  # unpadded, or not base64 at all
    if digest is None:
        raise WebhookVerificationError(
            "not_base64", "a v1 signature is standard base64", header=SIGNATURE_HEADER
        )
    if len(digest) != _DIGEST_SIZE:
        raise WebhookVerificationError(
            "malformed_signature",
            f"a v1 signature is {_DIGEST_SIZE} bytes (got {len(digest)})",
            header=SIGNATURE_HEADER,
        )
    return digest


def _fresh(seconds: int, now: datetime, tolerance: timedelta) -> datetime:
    # In integer microseconds: exact, and no datetime overflows whatever the header says.
    drift = seconds * 1_000_000 - (now - _EPOCH) // _MICROSECOND
    allowed = tolerance // _MICROSECOND
    if drift < -allowed:
        raise WebhookVerificationError(
            "expired", f"sent more than {tolerance} before now", header=TIMESTAMP_HEADER
        )
    if drift > allowed:
        raise WebhookVerificationError(
            "future", f"sent more than {tolerance} after now", header=TIMESTAMP_HEADER
        )
    if seconds > _MAX_TIMESTAMP:
        raise WebhookVerificationError(
            "bad_timestamp", "after the year 9999", header=TIMESTAMP_HEADER
        )
    return _EPOCH + timedelta(seconds=seconds)
