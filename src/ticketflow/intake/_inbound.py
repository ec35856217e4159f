"""What :func:`~ticketflow.intake.parse_email` returns, and the limits it reads within."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, cast

import attrs

from .._values import (
    MAX_SUBJECT_LENGTH,
    MAX_TEXT_LENGTH,
    check_instant,
    check_int,
    check_name,
    check_optional_name,
    check_text,
)
from ..exceptions import IntakeProblem, InvalidValueError
from ._address import MailAddress
from ._auto import AutoReason

__all__ = ["Attachment", "EmailLimits", "InboundEmail"]

_MiB: Final = 1024 * 1024
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")


def _limit(field: str, minimum: int = 1, maximum: int = 1 << 40) -> Any:  # noqa: ANN401
    def check(_: object, __: object, value: object) -> None:
        check_int(f"limits.{field}", value, minimum=minimum, maximum=maximum)

    return check


@attrs.frozen
class EmailLimits:
    """How much of an e-mail :func:`parse_email` reads: the bounds that keep it fast.

    Under the defaults, no input takes more than a second to parse.

    Attributes:
        max_bytes: The whole raw message; larger is rejected (``too_large``).
        max_lines: Lines in the raw message; more are rejected (``too_many_lines``): the
            parser's time grows with lines, and 10 MB of line breaks is no e-mail. 10 MB of
            base64 is 140,000 lines.
        max_header_bytes: The message's header block; larger is rejected
            (``headers_too_large``).
        max_header_chars: One header field, unfolded; the rest of a longer one is cut off
            (``header_too_long``).
        max_depth: How deep MIME parts nest; deeper parts are left out (``too_deep``). Real
            mail nests up to about 7 (a forwarded message inside a bounce, each with
            alternatives and inline images); the parser's time per line grows with depth.
        max_parts: How many MIME parts are read; parsing stops there and the rest are left
            out (``too_many_parts``).
        max_text_chars: The body text; the rest is cut off (``text_too_long``).
        max_html_chars: The HTML converted to text when there is no plain text; the rest is
            cut off (``html_too_long``).
        max_recipients: Addresses read from each of ``To`` and ``Cc``.
        max_references: Message-IDs kept from ``References``: the first (the thread's root)
            and the latest.

    .. versionadded:: 0.1
    """

    max_bytes: int = attrs.field(default=10 * _MiB, validator=_limit("max_bytes"))
    max_lines: int = attrs.field(default=200_000, validator=_limit("max_lines"))
    max_header_bytes: int = attrs.field(default=256 * 1024, validator=_limit("max_header_bytes"))
    max_header_chars: int = attrs.field(
        default=16 * 1024, validator=_limit("max_header_chars", minimum=78)
    )
    max_depth: int = attrs.field(default=10, validator=_limit("max_depth", maximum=100))
    max_parts: int = attrs.field(default=256, validator=_limit("max_parts"))
    max_text_chars: int = attrs.field(
        default=MAX_TEXT_LENGTH, validator=_limit("max_text_chars", maximum=MAX_TEXT_LENGTH)
    )
    max_html_chars: int = attrs.field(default=256 * 1024, validator=_limit("max_html_chars"))
    max_recipients: int = attrs.field(default=100, validator=_limit("max_recipients"))
    max_references: int = attrs.field(default=100, validator=_limit("max_references", minimum=2))


def _attachment_name(value: str | None) -> str | None:
    return check_optional_name("attachment.name", value)


def _content_type(value: str) -> str:
    return check_name("attachment.content_type", value)


def _size(value: int) -> int:
    return check_int("attachment.size", value, minimum=0)


def _sha256(value: str) -> str:
    given: object = value
    if not isinstance(given, str) or not _SHA256.match(given):
        raise InvalidValueError("attachment.sha256", given, "must be 64 lower-case hex digits")
    return given


@attrs.frozen
class Attachment:
    """A file that came with an e-mail: what it is, not its bytes.

    Attributes:
        name: Its file name, decoded; ``None`` if the sender gave none.
        content_type: Its MIME type, lower case, e.g. ``application/pdf``.
        size: Its size in bytes, decoded.
        sha256: The SHA-256 of its decoded bytes, in hex.

    .. versionadded:: 0.1
    """

    name: str | None = attrs.field(converter=_attachment_name)
    content_type: str = attrs.field(converter=_content_type)
    size: int = attrs.field(converter=_size)
    sha256: str = attrs.field(converter=_sha256)


def _optional_id(value: str | None) -> str | None:
    return check_optional_name("message_id", value)


def _collection(field: str, value: object) -> tuple[object, ...]:
    """Return the items of a collection (a list, a tuple...), refusing anything else."""
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection (a tuple or a list)")
    return tuple(value)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(check_name("references", item) for item in _collection("references", value))


def _sender(value: MailAddress | None) -> MailAddress | None:
    given: object = value
    if given is not None and not isinstance(given, MailAddress):
        raise InvalidValueError("sender", given, "must be a MailAddress or None")
    return value


def _addresses(field: str, value: object) -> tuple[MailAddress, ...]:
    found = _collection(field, value)
    for item in found:
        if not isinstance(item, MailAddress):
            raise InvalidValueError(field, item, "must be MailAddress values")
    return cast("tuple[MailAddress, ...]", found)


def _to(value: Iterable[MailAddress]) -> tuple[MailAddress, ...]:
    return _addresses("to", value)


def _cc(value: Iterable[MailAddress]) -> tuple[MailAddress, ...]:
    return _addresses("cc", value)


def _subject(value: str) -> str:
    return check_text("subject", value, single_line=True, max_length=MAX_SUBJECT_LENGTH)


def _date(value: datetime | None) -> datetime | None:
    return None if value is None else check_instant("date", value)


def _text(value: str) -> str:
    return check_text("text", value)


def _reply(value: str) -> str:
    return check_text("reply_text", value)


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    found = _collection("attachments", value)
    for item in found:
        if not isinstance(item, Attachment):
            raise InvalidValueError("attachments", item, "must be Attachment values")
    return cast("tuple[Attachment, ...]", found)


def _auto(value: AutoReason | str | None) -> AutoReason | None:
    if value is None:
        return None
    try:
        return AutoReason(value)
    except ValueError:
        allowed = ", ".join(reason.value for reason in AutoReason)
        raise InvalidValueError("auto", value, f"must be None or one of: {allowed}") from None


def _defects(value: Iterable[IntakeProblem]) -> tuple[IntakeProblem, ...]:
    found = _collection("defects", value)
    for item in found:
        if not isinstance(item, IntakeProblem):
            raise InvalidValueError("defects", item, "must be IntakeProblem values")
    return cast("tuple[IntakeProblem, ...]", found)


@attrs.frozen
class InboundEmail:
    """An e-mail as ticketflow reads it: who, what, in reply to what, and what was repaired.

    Every header value is decoded and on one line; ``text`` and ``reply_text`` hold no lone
    surrogates, so any store can keep them.

    Attributes:
        message_id: Its ``Message-ID``, with angle brackets (``<id@host>``), if it has one.
        in_reply_to: The first Message-ID in ``In-Reply-To``.
        references: The Message-IDs in ``References``, oldest first.
        sender: Who it is from (``From``); ``None`` if no address could be read.
        to: The addresses in ``To``.
        cc: The addresses in ``Cc``.
        subject: The subject, decoded; empty if there is none.
        date: When it was written (``Date``), in UTC; ``None`` if absent or unreadable.
        text: The whole plain-text body: the text/plain parts, or the HTML as text where
            there is no plain text.
        reply_text: What the sender wrote this time: ``text`` without quoted history and
            signature.
        attachments: The files that came with it.
        auto: Why it is automatic mail (never to be answered automatically), or ``None``.
        defects: What was wrong and how it was repaired, one problem each.

    .. versionadded:: 0.1
    """

    message_id: str | None = attrs.field(converter=_optional_id)
    in_reply_to: str | None = attrs.field(converter=_optional_id)
    references: tuple[str, ...] = attrs.field(converter=_ids)
    sender: MailAddress | None = attrs.field(converter=_sender)
    to: tuple[MailAddress, ...] = attrs.field(converter=_to)
    cc: tuple[MailAddress, ...] = attrs.field(converter=_cc)
    subject: str = attrs.field(converter=_subject)
    date: datetime | None = attrs.field(converter=_date)
    text: str = attrs.field(converter=_text)
    reply_text: str = attrs.field(converter=_reply)
    attachments: tuple[Attachment, ...] = attrs.field(converter=_attachments)
    auto: AutoReason | None = attrs.field(converter=_auto)
    defects: tuple[IntakeProblem, ...] = attrs.field(converter=_defects)
