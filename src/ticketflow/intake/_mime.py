"""The standard library's MIME parser, bounded: header fields cut, nesting and parts limited.

``policy.default`` with two changes. Header values stay text, decoded and cut to a length as
they are read: the structured header classes are not built, being quadratic on long runs of
encoded words and recursive on nested comments (``Message`` reads ``Content-Type`` and its
parameters from the text itself). And each part knows its depth: past the limit it stops being
MIME (the parser reads it as opaque data, so nesting costs nothing more), and past the part
limit the parser is stopped, keeping what it has read.
"""

from __future__ import annotations

from email.feedparser import BytesFeedParser
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

from ..exceptions import IntakeError, IntakeProblem
from ._decode import unescape_source
from ._inbound import EmailLimits

__all__ = ["Part", "parse_mime"]


class _MailPolicy(EmailPolicy):
    """``policy.default``, but header values stay text, decoded and cut to a length."""

    max_header_chars: int = 16 * 1024
    cut: list[str] | None = None  # names of the header fields cut, for the defects

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        value = unescape_source(value.replace("\r", "").replace("\n", ""))
        if len(value) > self.max_header_chars:
            value = value[: self.max_header_chars]
            if self.cut is not None:
                self.cut.append(name.strip().lower())
        return name, value

    def header_fetch_parse(self, name: str, value: str) -> Any:  # noqa: ANN401, ARG002
        return value


class Part(EmailMessage):
    """A MIME part that knows how deep it is, and stops being MIME past the depth limit."""

    depth = 0
    max_depth = 10

    def attach(self, payload: Any) -> None:  # noqa: ANN401 - as Message.attach takes it
        super().attach(payload)
        if isinstance(payload, Part):
            payload.depth = self.depth + 1
            payload.max_depth = self.max_depth

    def get_content_type(self) -> str:
        if self.depth > self.max_depth:
            return "application/octet-stream"  # not parsed as MIME: it is left out
        return super().get_content_type()

    @property
    def too_deep(self) -> bool:
        return self.depth > self.max_depth

    def get_param(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - as Message's
        # RFC 2231 parameters name a charset to decode them with, and a charset with a NUL
        # in it makes the standard library raise ValueError; the parser itself asks for the
        # boundary this way. A parameter that cannot be read is a parameter not given.
        try:
            return super().get_param(*args, **kwargs)
        except (ValueError, LookupError, UnicodeError, TypeError):
            return kwargs.get("failobj", args[1] if len(args) > 1 else None)

    def get_content_charset(self, failobj: Any = None) -> Any:  # noqa: ANN401 - as Message's
        try:
            return super().get_content_charset(failobj)
        except (ValueError, LookupError, UnicodeError, TypeError):  # see get_param
            return failobj


class _TooManyParts(Exception):  # noqa: N818 - a signal between our factory and _parse
    """Raised by the part factory to stop the parser once the part limit is reached."""


def parse_mime(raw: bytes, limits: EmailLimits, cut: list[str]) -> tuple[Part, bool]:
    made: list[Part] = []

    def part(policy: EmailPolicy) -> Part:
        if len(made) > limits.max_parts:
            raise _TooManyParts
        created = Part(policy)
        created.max_depth = limits.max_depth
        made.append(created)
        return created

    # Our own policy attributes, which typeshed's clone() does not know of.
    options: dict[str, Any] = {
        "max_header_chars": limits.max_header_chars,
        "cut": cut,
        "message_factory": part,
    }
    policy = _MailPolicy().clone(**options)
    parser = BytesFeedParser(policy=policy)
    made.clear()  # the parser made one part to try the factory out
    try:
        parser.feed(raw)
        message = parser.close()
    except _TooManyParts:
        return made[0], True  # the parts read so far are attached to the root
    except Exception as error:
        problem = f"the MIME structure cannot be read: {error!r}"
        raise IntakeError([IntakeProblem("raw", "unparseable", problem)]) from error
    if not isinstance(message, Part):  # pragma: no cover - the factory makes every part
        raise IntakeError([IntakeProblem("raw", "unparseable", "the parser returned no message")])
    return message, False
