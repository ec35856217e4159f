"""Bytes to text for mail: every charset, RFC 2047 encoded words, a fallback keeping every byte.

Mail declares charsets that do not exist (``x-unknown``), names codecs that are not text
encodings (``base64``, ``unicode_escape``), and mixes encodings in one body. So decoding never
trusts the label alone: a declared charset is tried strictly; where it is unknown or wrong, the
bytes are read as UTF-8 and every byte that is not part of valid UTF-8 is read as Windows-1252
(the five bytes Windows-1252 leaves undefined as their Latin-1 code points). That fallback never
fails and gives every byte a character, so nothing received disappears, and a body that is UTF-8
with a few Latin-1 words (mixed encodings) comes out right.

Header values are decoded here too, linearly: the standard library's structured header parser
is quadratic on long runs of encoded words and recursive on nested comments (a 4 KB ``To``
header of quotes takes a quarter of a second; 1,000 open parentheses exhaust the stack).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from typing import Final

__all__ = ["decode_bytes", "decode_words", "one_line", "unescape_source"]

# Codecs that are not charsets a mail can be written in: they decode escapes or compress, and
# some produce lone surrogates. Read as unknown.
_NOT_CHARSETS: Final = frozenset(
    {
        "unicode_escape",
        "raw_unicode_escape",
        "punycode",
        "idna",
        "undefined",
        "mbcs",
        "oem",
    }
)
_ESCAPED: Final = re.compile("[\udc80-\udcff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_LINE_BREAKS: Final = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROLS: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_ENCODED_WORD: Final = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS: Final = re.compile(r"[ \t]*")
_Q_ESCAPE: Final = re.compile(rb"=([0-9A-Fa-f]{2})")
_CP1252: Final = {
    byte: bytes([byte]).decode("cp1252", errors="replace") for byte in range(0x80, 0x100)
}
_BYTE_AS_TEXT: Final = {
    0xDC00 + byte: (text if text != "\ufffd" else chr(byte)) for byte, text in _CP1252.items()
}


def charset_codec(label: str | None) -> str | None:
    """Return the codec name of a charset ``label``, or ``None`` if it names no text charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = name.partition("*")[0]  # RFC 2231 language suffix: utf-8*en
    if not name or len(name) > 64:  # noqa: PLR2004 - no charset name is longer
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    if info.name.replace("-", "_") in _NOT_CHARSETS or not _is_text(info):
        return None
    return info.name


def _is_text(info: codecs.CodecInfo) -> bool:
    # What bytes.decode consults to refuse base64, zlib and the like (on non-empty input).
    return bool(getattr(info, "_is_text_encoding", True))


def _bytes_as_text(text: str) -> str:
    # Each surrogate-escaped byte becomes its Windows-1252 (or Latin-1) character.
    return text.translate(_BYTE_AS_TEXT)


def lossless(raw: bytes) -> str:
    """Return ``raw`` as UTF-8 where it is valid, each other byte as Windows-1252."""
    return _bytes_as_text(raw.decode("utf-8", errors="surrogateescape"))


def decode_bytes(raw: bytes, label: str | None) -> tuple[str, str | None]:
    """Decode ``raw`` declared as charset ``label``.

    Returns:
        The text, and ``None`` if the declared charset (or US-ASCII when none was declared)
        read it, else a sentence saying how it was read instead.
    """
    codec = charset_codec(label) if label is not None else "ascii"
    if codec is not None:
        try:
            return _scrubbed(raw.decode(codec)), None
        except UnicodeError:
            pass
        except Exception:  # noqa: BLE001 - a third-party codec may fail in any way
            codec = None
    if label is None or codec in {"ascii", "utf-8"}:
        # Undeclared or US-ASCII 8-bit text, or broken UTF-8: the usual suspects.
        how = "bytes that are not UTF-8 read as Windows-1252"
    elif codec is None:
        how = f"unknown charset {_quoted(label)} read as UTF-8, other bytes as Windows-1252"
    else:
        how = f"bytes invalid in {codec} read as UTF-8, other bytes as Windows-1252"
    return _scrubbed(lossless(raw)), how


def _quoted(label: str) -> str:
    return repr(label[:40])


def _scrubbed(text: str) -> str:
    # Lone surrogates cannot be stored (see ticketflow._values); a codec may still produce them.
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def unescape_source(value: str) -> str:
    """Return a header value read as ASCII with escaped 8-bit bytes, with those bytes decoded.

    Raw 8-bit bytes in headers are UTF-8 in modern mail (RFC 6532) and a Windows charset in
    old mail; :func:`lossless` reads both.
    """
    if not _ESCAPED.search(value):
        return value
    return lossless(value.encode("ascii", errors="surrogateescape"))


def _word_bytes(encoding: str, text: str) -> bytes | None:
    data = text.encode("ascii", errors="replace")
    if encoding in "qQ":
        return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str) -> str:
    """Decode the RFC 2047 encoded words in a header value, in one pass.

    White space between two encoded words is dropped (RFC 2047 section 6.2); adjacent words in
    one charset are decoded together, so a character split across words survives. A word that
    cannot be decoded is kept as written.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str | None, bytes]] = []  # adjacent decoded words, not yet text
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position : match.start()]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            _flush(pending, out)
            out.extend((gap, match.group()))
        else:
            if not (pending and _BETWEEN_WORDS.fullmatch(gap)):
                _flush(pending, out)
                out.append(gap)
            label = match.group(1)
            if pending and pending[-1][0] == label:
                pending[-1] = (label, pending[-1][1] + data)
            else:
                pending.append((label, data))
        position = match.end()
    _flush(pending, out)
    out.append(value[position:])
    return "".join(out)


def _flush(pending: list[tuple[str | None, bytes]], out: list[str]) -> None:
    for label, data in pending:
        out.append(decode_bytes(data, label or "utf-8")[0])
    pending.clear()


def one_line(value: str) -> str:
    """Return ``value`` on one line: line breaks and control characters become spaces."""
    value = _LINE_BREAKS.sub(" ", value)
    value = _CONTROLS.sub(" ", value)
    return value.replace("\t", " ").strip()
