"""HTML mail as plain text, with the standard library's ``html.parser``.

What a reader sees is kept: text, line structure, list items, link targets (``text
(https://...)``), image alt text. What a reader does not see is dropped: scripts, styles, the
head, templates, and elements hidden by ``hidden``, ``display: none`` or ``visibility:
hidden``. Quoted history (``<blockquote>``) is kept, with each line prefixed by ``>`` as plain
text mail quotes it, so reply extraction reads HTML and plain mail alike.

Broken HTML is read as browsers read it, roughly: an end tag closes the nearest open element
of its name, and an end tag with no open element is ignored.
"""

from __future__ import annotations

import re
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Final

__all__ = ["html_to_text"]

_INVISIBLE: Final = frozenset(
    {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"}
)
_VOID: Final = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_BLOCK: Final = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    }
)
_HIDDEN_STYLE: Final = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACES: Final = re.compile(r"\s+")
_TAG: Final = re.compile(r"<[^>]*>?")
_OPENING: Final = re.compile("<")
_MAX_OPEN: Final = 256  # deeper nesting is not tracked: its tags are ignored
_MAX_QUOTE: Final = 8  # deeper quotes are shown this deep
_LINKS: Final = ("http://", "https://", "ftp://")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (blockquote depth, text) of finished lines
        self.line: list[str] = []
        self.line_depth = 0
        self.open: list[tuple[str, bool]] = []  # (tag, hides its content)
        self.hidden = 0  # open elements that hide their content
        self.quote = 0
        self.pre = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag, attrs)
            return
        if len(self.open) >= _MAX_OPEN:
            return  # nested too deep to track: its text is read, the tag ignored
        hides = tag in _INVISIBLE or _hides(attrs)
        self.open.append((tag, hides))
        self.hidden += hides
        if self.hidden:
            return
        if tag in _BLOCK:
            self._break()
        if tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "li":
            self._text("- ")
        elif tag in {"td", "th"}:
            self._text(" ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag, attrs)

    def _void(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden or _hides(attrs):
            return
        if tag == "br":
            self._break(force=True)
        elif tag == "hr":
            self._break()
            self._text("----")
            self._break()
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self._text(f"[{alt.strip()}]")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                break
        else:
            return  # nothing of that name is open: ignore, as browsers do
        for closed, hides in reversed(self.open[index:]):
            self._close(closed, hides)
        del self.open[index:]

    def _close(self, tag: str, hides: bool) -> None:
        if hides:
            self.hidden -= 1
            return
        if self.hidden:
            return
        if tag == "a" and self.href:
            href = self.href.pop()
            shown = "".join(self.line).rstrip()
            if href and href.startswith(_LINKS) and not shown.endswith(href):
                self._text(f" ({href})")
        if tag in _BLOCK:
            self._break()
        if tag == "blockquote":
            self._break()
            self.quote = max(self.quote - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self._text(first)
            for part in rest:
                self._break(force=True)
                self._text(part)
            return
        self._text(_SPACES.sub(" ", data))

    def _text(self, text: str) -> None:
        if not text:
            return
        if not self.line:
            if text == " " or (not text.strip() and not self.pre):
                return
            self.line_depth = self.quote
        self.line.append(text)

    def _break(self, *, force: bool = False) -> None:
        if self.line or force:
            self.lines.append((self.line_depth if self.line else self.quote, "".join(self.line)))
        self.line = []

    def text(self) -> str:
        self._break()
        out: list[str] = []
        for depth, line in self.lines:
            stripped = line.strip()
            shown = min(depth, _MAX_QUOTE)
            prefix = "> " * shown if stripped else ">" * shown
            if not stripped and out and not out[-1].strip("> "):
                continue  # one blank line at most
            out.append((prefix + stripped).rstrip())
        return "\n".join(out).strip("\n")


def _hides(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "style" and value and _HIDDEN_STYLE.search(value):
            return True
    return False


def _defused(html: str) -> str:
    """Return ``html`` with every ``<`` that starts no complete construct written as text.

    ``html.parser`` looks for the end of an unterminated tag, comment or marked section from
    every ``<`` on, to the end of the input: quadratic on ``<div<div<div...`` or a run of
    ``<!--``. A ``<`` without a ``>`` before the next ``<``, a comment opened after the last
    ``-->``, and any ``<![`` (no HTML mail needs a marked section) cannot end, so they are
    text, which is what the parser would make of them in the end anyway.
    """
    html = html.replace("<![", "&lt;![")
    last_close = html.rfind("-->")
    opens = [match.start() for match in _OPENING.finditer(html)]
    pieces: list[str] = []
    start = 0
    closes = -1  # the first ">" at or after the current "<"; moves forward only: linear
    for index, at in enumerate(opens):
        if html.startswith("<!--", at):
            unterminated = last_close < at
        else:
            if closes < at:
                found = html.find(">", at)
                closes = found if found >= 0 else len(html)  # none: never look again
            following = opens[index + 1] if index + 1 < len(opens) else len(html)
            unterminated = closes == len(html) or following < closes
        if unterminated:
            pieces.append(html[start:at])
            pieces.append("&lt;")
            start = at + 1
    pieces.append(html[start:])
    return "".join(pieces)


def html_to_text(html: str) -> str:
    """Return what a reader of the HTML ``html`` sees, as plain text."""
    html = _defused(html)
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:
        # html.parser gives up on some markup (an unknown "<![keyword["); keep what it read
        # and the rest with its tags taken out.
        rest = _SPACES.sub(" ", html_unescape(_TAG.sub(" ", parser.rawdata))).strip()
        return "\n".join(filter(None, [parser.text(), rest]))
    return parser.text()
