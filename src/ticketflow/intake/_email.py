"""Raw e-mail to a typed value: :func:`parse_email`.

The MIME structure, transfer encodings and parameters are read by the standard library's
``email`` package, bounded (``_mime``); header fields are decoded by our own linear readers
(``_decode``, ``_address``); bodies are decoded with a fallback that never fails
(``_decode``); HTML becomes text (``_html``); the reply is cut from its history (``_reply``);
automatic mail is recognised (``_auto``). The values it returns are in ``_inbound``.

Hostile input is bounded before it can cost much: the whole message, its lines and its header
block are measured before parsing (over a limit: :class:`~ticketflow.exceptions.IntakeError`);
the parser itself is bounded (``_mime``); text and HTML are cut before they are converted.
Everything else that is wrong is repaired and recorded in ``InboundEmail.defects``, so a
message is refused only when nothing useful can be read.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime
from email import errors as email_errors
from email.message import Message
from email.policy import EmailPolicy
from email.utils import parsedate_to_datetime
from typing import Final

from .._values import (
    MAX_NAME_LENGTH,
    MAX_SUBJECT_LENGTH,
    check_name,
)
from ..exceptions import IntakeError, IntakeProblem, InvalidValueError
from ._address import MailAddress, read_addresses
from ._auto import auto_reason
from ._decode import decode_bytes, decode_words, one_line
from ._flowed import unflow
from ._html import html_to_text
from ._inbound import Attachment, EmailLimits, InboundEmail
from ._mime import Part, parse_mime
from ._reply import reply_text

__all__ = ["parse_email"]

_MiB: Final = 1024 * 1024
_HEADER_END: Final = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID: Final = re.compile(r"<([^<>\s]{1,250})>")
_BARE_ID: Final = re.compile(r"^[^<>\s]{1,250}$")
_SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
_MAX_DEFECTS: Final = 100
_FILENAME_RUN: Final = re.compile(r"[\\/]")


class _Reading:
    """What one parse has found so far: defects (deduplicated, bounded), parts, text."""

    def __init__(self, limits: EmailLimits) -> None:
        self.limits = limits
        self.defects: dict[IntakeProblem, None] = {}
        self.parts = 0
        self.body: list[str] = []
        self.body_chars = 0
        self.attachments: list[Attachment] = []
        self.html_left = limits.max_html_chars  # HTML still to be converted, in characters
        self.payloads: list[bytes] | None = None  # each attachment's bytes, when asked for

    def defect(self, path: str, code: str, message: str) -> None:
        if len(self.defects) < _MAX_DEFECTS:
            self.defects[IntakeProblem(path, code, one_line(message)[:300])] = None

    def add_text(self, path: str, text: str) -> None:
        room = self.limits.max_text_chars - self.body_chars
        if len(text) > room:
            self.defect(path, "text_too_long", f"body text cut at {self.limits.max_text_chars}")
            text = text[: max(room, 0)]
        if text:
            self.body.append(text)
            self.body_chars += len(text) + 2


def _reject(path: str, code: str, message: str) -> IntakeError:
    return IntakeError([IntakeProblem(path, code, message)])


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else str(value)


def _decoded(value: str) -> str:
    return one_line(decode_words(value))


def _message_ids(value: str | None) -> list[str]:
    if value is None:
        return []
    found = _MESSAGE_ID.findall(value)
    if not found and _BARE_ID.match(value.strip()):
        found = [value.strip()]
    return [f"<{one_line(item)}>" for item in found if one_line(item) == item]


def _references(value: str | None, reading: _Reading) -> list[str]:
    ids = _message_ids(value)
    most = reading.limits.max_references
    if len(ids) > most:
        reading.defect(
            "header[references]", "too_many_references", f"kept the first and {most - 1} latest"
        )
        ids = [ids[0], *ids[-(most - 1) :]]
    return ids


def _date_of(value: str | None, reading: _Reading) -> datetime | None:
    if value is None:
        return None
    try:
        date = parsedate_to_datetime(value)
        if date.tzinfo is None:  # "-0000": UTC, source zone unknown (RFC 5322 3.3)
            date = date.replace(tzinfo=UTC)
        return date.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        reading.defect("header[date]", "invalid_date", f"cannot read {value[:60]!r} as a date")
        return None


def _recipients(message: Message, name: str, reading: _Reading) -> list[MailAddress]:
    values = message.get_all(name) or []
    found, left_out = read_addresses(
        ", ".join(str(v) for v in values), limit=reading.limits.max_recipients
    )
    for problem in left_out:
        reading.defect(f"header[{name}]", "address_left_out", problem)
    return found


def _sender_of(message: Message, reading: _Reading) -> MailAddress | None:
    value = _header(message, "from")
    if value is None:
        reading.defect("header[from]", "missing_sender", "no From header")
        return None
    found, left_out = read_addresses(value, limit=1)
    if not found:
        reading.defect("header[from]", "missing_sender", "; ".join(left_out) or "From is empty")
        return None
    return found[0]


def _defect_code(defect: object) -> str:
    name = type(defect).__name__.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() or "defect"


def _stdlib_defects(part: Message, path: str, reading: _Reading) -> None:
    for defect in part.defects:
        if isinstance(defect, email_errors.MessageDefect):
            reading.defect(path, _defect_code(defect), str(defect) or type(defect).__doc__ or "")


def _text_of(part: Message, path: str, reading: _Reading) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = b""
    html = part.get_content_type() == "text/html"
    # Budgets over all parts: 256 parts of HTML must not cost 256 times the HTML limit.
    most = reading.html_left if html else reading.limits.max_text_chars - reading.body_chars
    if most <= 0:
        code = "html_too_long" if html else "text_too_long"
        reading.defect(path, code, "left out: the text limit is reached")
        return ""
    # No charset takes more than 4 bytes a character: decode no more than can be kept.
    text, how = decode_bytes(data[: 4 * most + 4], part.get_content_charset())
    if how is not None:
        reading.defect(path, "charset_fallback", how)
    if len(text) > most:
        code = "html_too_long" if html else "text_too_long"
        reading.defect(path, code, f"{'HTML' if html else 'text'} cut at {most} characters")
        text = text[:most]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if html:
        reading.html_left -= len(text)
        return html_to_text(text)
    if str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return text


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename() or part.get_param("name")
    except (ValueError, LookupError, UnicodeError, TypeError):
        return None
    if not isinstance(name, str):
        return None
    name = _decoded(name)
    name = _FILENAME_RUN.split(name)[-1].strip()  # a path is no name: keep its last step
    if not name:
        return None
    return name if len(name) <= MAX_NAME_LENGTH else name[: MAX_NAME_LENGTH - 1] + "\u2026"


def _bytes_of(part: Message) -> bytes:
    if part.is_multipart():
        try:
            return part.as_bytes(policy=_AS_BYTES)
        except Exception:  # noqa: BLE001 - re-serializing hostile mail may fail in any way
            return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _attach(part: Message, reading: _Reading) -> None:
    data = _bytes_of(part)
    content_type = part.get_content_type()
    try:
        content_type = check_name("content_type", one_line(content_type)[:MAX_NAME_LENGTH])
    except InvalidValueError:
        content_type = "application/octet-stream"
    reading.attachments.append(
        Attachment(_filename(part), content_type, len(data), hashlib.sha256(data).hexdigest())
    )
    if reading.payloads is not None:
        reading.payloads.append(data)


def _is_body(part: Message, content_type: str) -> bool:
    if content_type not in {"text/plain", "text/html"}:
        return False
    return part.get_content_disposition() != "attachment" and not _filename(part)


def _score(part: Message) -> int:
    # Which alternative to read: plain text first, then anything richer, never nothing.
    content_type = part.get_content_type()
    if content_type == "text/plain":
        return 3
    if content_type == "text/html" or part.is_multipart():
        return 2
    return 1


def _walk(part: Message, path: str, reading: _Reading, *, body: bool) -> None:
    if reading.parts >= reading.limits.max_parts:
        # One defect says it: "message" is where the parse stopped too.
        reading.defect(
            "message", "too_many_parts", f"parts past {reading.limits.max_parts} left out"
        )
        return
    reading.parts += 1
    _stdlib_defects(part, path, reading)
    if isinstance(part, Part) and part.too_deep:
        reading.defect(path, "too_deep", f"MIME parts nested deeper than {part.max_depth} left out")
        return
    content_type = part.get_content_type()
    if content_type.startswith("multipart/"):
        _walk_multipart(part, content_type, path, reading, body=body)
    elif part.is_multipart() or not _is_body(part, content_type):
        _attach(part, reading)  # a file; message/rfc822 and message/delivery-status are one
    elif body:
        reading.add_text(path, _text_of(part, path, reading))
    # else: a text alternative not chosen is the same text again


def _walk_multipart(
    part: Message, content_type: str, path: str, reading: _Reading, *, body: bool
) -> None:
    # Only a multipart's payload is read here: reading a text payload undecoded consults its
    # charset, which fails on hostile labels.
    payload = part.get_payload() if part.is_multipart() else None
    if not isinstance(payload, list):
        reading.defect(path, "missing_boundary", "a multipart without parts read as text")
        if body:
            reading.add_text(path, _text_of(part, path, reading))
        return
    children = [child for child in payload if isinstance(child, Message)]
    chosen = None
    if body and content_type == "multipart/alternative" and children:
        chosen = max(reversed(children), key=_score)
    for index, child in enumerate(children, start=1):
        here = f"{path[:-1]}.{index}]" if path != "message" else f"part[{index}]"
        _walk(child, here, reading, body=body and (chosen is None or child is chosen))


def _header_problems(reading: _Reading, cut: list[str]) -> None:
    for name in dict.fromkeys(cut):
        reading.defect(
            f"header[{name}]", "header_too_long", f"cut at {reading.limits.max_header_chars}"
        )


def _subject_of(message: Message, reading: _Reading) -> str:
    subject = _decoded(_header(message, "subject") or "")
    if len(subject) > MAX_SUBJECT_LENGTH:
        reading.defect("header[subject]", "subject_too_long", f"cut at {MAX_SUBJECT_LENGTH}")
        subject = subject[:MAX_SUBJECT_LENGTH]
    return subject


def _check_size(raw: bytes, limits: EmailLimits) -> None:
    # Everything measured before the parser sees a byte.
    if not raw.strip():
        raise _reject("raw", "empty", "the message is empty")
    if len(raw) > limits.max_bytes:
        raise _reject("raw", "too_large", f"{len(raw)} bytes, over the limit of {limits.max_bytes}")
    end = _HEADER_END.search(raw)
    header_bytes = end.start() if end else len(raw)
    if header_bytes > limits.max_header_bytes:
        raise _reject(
            "header",
            "headers_too_large",
            f"a header block of {header_bytes} bytes, over the limit of {limits.max_header_bytes}",
        )
    lines = raw.count(b"\n") + 1
    if lines > limits.max_lines:
        raise _reject(
            "raw", "too_many_lines", f"{lines} lines, over the limit of {limits.max_lines}"
        )


def parse_email(
    raw: bytes | bytearray | memoryview,
    *,
    limits: EmailLimits = EmailLimits(),  # noqa: B008 - frozen, so one shared default is safe
) -> InboundEmail:
    """Read a raw e-mail (RFC 5322 bytes, as an MTA delivers it) into an :class:`InboundEmail`.

    Anything that can be repaired is, and recorded in ``defects``: unknown charsets, 8-bit
    headers, broken or missing MIME boundaries, over-long headers, nesting past the limit.

    Args:
        raw: The message, headers and body (any bytes-like object).
        limits: The bounds of what is read (see :class:`EmailLimits`).

    Returns:
        The message, decoded.

    Raises:
        IntakeError: ``raw`` is not bytes (``wrong_type``), is empty (``empty``), is over
            ``limits.max_bytes`` (``too_large``) or ``limits.max_lines`` (``too_many_lines``),
            has a header block over ``limits.max_header_bytes`` (``headers_too_large``), has
            no header field at all (``not_an_email``), or its MIME structure defeats the
            standard library's parser (``unparseable``; none is known).
        InvalidValueError: ``limits`` is not an :class:`EmailLimits`.

    .. versionadded:: 0.1
    """
    return read_email(raw, limits, keep_payloads=False)[0]


def read_email(
    raw: bytes | bytearray | memoryview, limits: EmailLimits, *, keep_payloads: bool
) -> tuple[InboundEmail, list[bytes]]:
    """Return :func:`parse_email`'s answer and, if asked, each attachment's bytes in order."""
    given: object = raw
    if not isinstance(given, bytes | bytearray | memoryview):
        raise _reject("raw", "wrong_type", f"an e-mail is bytes, not {type(given).__name__}")
    given_limits: object = limits
    if not isinstance(given_limits, EmailLimits):
        raise InvalidValueError("limits", given_limits, "must be an EmailLimits")
    raw = bytes(raw)  # a copy: a caller's buffer may change under us
    _check_size(raw, limits)
    cut: list[str] = []
    message, stopped = parse_mime(raw, limits, cut)
    if not message.keys():
        raise _reject("header", "not_an_email", "no header field: this is not an e-mail")
    reading = _Reading(limits)
    payloads: list[bytes] = []
    if keep_payloads:
        reading.payloads = payloads
    if stopped:
        reading.defect("message", "too_many_parts", f"parts past {limits.max_parts} left out")
    _header_problems(reading, cut)
    sender = _sender_of(message, reading)
    to = _recipients(message, "to", reading)
    cc = _recipients(message, "cc", reading)
    references = _references(_header(message, "references"), reading)
    date = _date_of(_header(message, "date"), reading)
    subject = _subject_of(message, reading)
    _walk(message, "message", reading, body=True)
    text = "\n\n".join(reading.body)
    email = InboundEmail(
        message_id=next(iter(_message_ids(_header(message, "message-id"))), None),
        in_reply_to=next(iter(_message_ids(_header(message, "in-reply-to"))), None),
        references=references,
        sender=sender,
        to=to,
        cc=cc,
        subject=subject,
        date=date,
        text=text,
        reply_text=reply_text(text),
        attachments=reading.attachments,
        auto=auto_reason(message.get_content_type(), functools.partial(_header, message)),
        defects=tuple(reading.defects),
    )
    return email, payloads


# Writes a nested message back as it was read: no refolding (it would parse headers again).
_AS_BYTES: Final = EmailPolicy(linesep="\r\n", refold_source="none", utf8=True, cte_type="8bit")
