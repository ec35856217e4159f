"""What a customer's reply does to a ticket: resume it, reopen it, or start a follow-up.

One strategy for every channel (e-mail threaded by intake, a portal, an API call): the Desk's
``reply`` command and intake both ask :meth:`ReplyRules.decide`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

import attrs

from .._status import TicketStatus, as_status
from .._ticket import Ticket
from .._values import check_instant, check_name, check_text
from ..exceptions import InvalidValueError

__all__ = ["DEFAULT_THANKS", "ReplyAction", "ReplyOutcome", "ReplyRules", "ThanksClassifier"]

DEFAULT_THANKS: Final = (
    "thanks",
    "thank you",
    "thank u",
    "thx",
    "ty",
    "many thanks",
    "cheers",
    "much appreciated",
    "appreciated",
    "danke",
    "danke schön",
    "danke schon",
    "vielen dank",
    "merci",
    "merci beaucoup",
    "gracias",
    "muchas gracias",
    "grazie",
    "grazie mille",
    "obrigado",
    "obrigada",
    "dank je",
    "dank je wel",
    "bedankt",
    "tack",
    "tak",
    "kiitos",
    "arigato",
    "dziękuję",
)
"""Phrases that, with only courtesy words around them, make a reply a thank-you."""

# Words that may stand beside a thank-you without making it say more.
_COURTESY: Final = frozenset(
    {
        "a", "again", "all", "and", "everyone", "for", "great", "help", "hi", "hello", "it",
        "lot", "much", "ok", "okay", "perfect", "so", "that", "the", "this", "very", "you",
        "your", "team", "guys", "folks", "works", "worked", "now", "awesome", "super",
        "best", "regards", "kind", "bien", "beaucoup", "mille", "sehr", "schön", "vielmals",
        "muchas", "de", "nada", "good", "nice", "wonderful", "excellent",
    }
)  # fmt: skip
_MAX_THANKS_LENGTH: Final = 200
_WORDS: Final = re.compile(r"[^\W\d_]+", re.UNICODE)


def _phrases(value: Iterable[str]) -> tuple[str, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("phrases", given, "must be a collection of phrases")
    phrases: list[str] = []
    for index, phrase in enumerate(given):
        text = check_text(f"phrases[{index}]", phrase, empty=False, max_length=100)
        words = _words(text)
        if not words:
            raise InvalidValueError(f"phrases[{index}]", phrase, "has no words")
        phrases.append(" ".join(words))
    if not phrases:
        raise InvalidValueError("phrases", (), "list at least one phrase")
    # Kept as their words, so a classifier reads back equal from its JSON.
    return tuple(dict.fromkeys(phrases))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORDS.findall(folded)


def _parsed(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    # Longest first, so "thank you" is taken before "thank" could be.
    return tuple(sorted({tuple(p.split(" ")) for p in phrases}, key=lambda w: (-len(w), w)))


@attrs.frozen
class ThanksClassifier:
    """Tells a reply that only says thanks from one that says more.

    A reply is a thank-you when, read as words (case and punctuation aside), it holds at least
    one of ``phrases`` and nothing else but courtesy words ("so much", "for your help", "all
    good now"), and is short. "Thanks, but it still fails" says more, and is no thank-you.

    Args:
        phrases: The thank-you phrases, in any language (default: :data:`DEFAULT_THANKS`);
            kept as their words, lower case, one space apart.

    .. versionadded:: 0.2
    """

    phrases: tuple[str, ...] = attrs.field(default=DEFAULT_THANKS, converter=_phrases)
    _tuples: tuple[tuple[str, ...], ...] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(lambda self: _parsed(self.phrases), takes_self=True),
    )

    def is_thanks(self, text: str) -> bool:
        """Return whether ``text`` only says thanks.

        Raises:
            InvalidValueError: ``text`` is not text.
        """
        check_text("text", text, max_length=10_000_000)
        if len(text.strip()) > _MAX_THANKS_LENGTH:
            return False
        words = _words(text)
        found = False
        index = 0
        while index < len(words):
            phrase = next(
                (p for p in self._tuples if tuple(words[index : index + len(p)]) == p), None
            )
            if phrase is not None:
                found = True
                index += len(phrase)
            elif words[index] in _COURTESY:
                index += 1
            else:
                return False
        return found


class ReplyAction(enum.StrEnum):
    """What a customer's reply did to the ticket.

    .. versionadded:: 0.2
    """

    COMMENT = "comment"
    """Recorded as a comment; the status stays (work in progress, or a thank-you)."""
    RESUME = "resume"
    """The ticket waited on the customer: back to work, its paused clocks running again."""
    REOPEN = "reopen"
    """A resolved ticket within the reopen window: back to work, reopen count + 1."""
    FOLLOW_UP = "follow_up"
    """A closed ticket, or a resolved one past the window: a new ticket, ``follow_up_of`` it."""


def _window(value: timedelta) -> timedelta:
    given: object = value
    if not isinstance(given, timedelta) or given <= timedelta(0):
        raise InvalidValueError("reopen_window", given, "must be a positive timedelta")
    return given


def _classifier(value: ThanksClassifier) -> ThanksClassifier:
    given: object = value
    if not callable(getattr(given, "is_thanks", None)):
        raise InvalidValueError("thanks", given, "must have is_thanks(text)")
    return value


def _waiting(value: str) -> str:
    return as_status(check_name("waiting", value, max_length=64))


def _working(value: str) -> str:
    return as_status(check_name("working", value, max_length=64))


def _resolved(value: str) -> str:
    return as_status(check_name("resolved", value, max_length=64))


@attrs.frozen
class ReplyRules:
    """The reply and reopen rules, for every customer reply whatever its channel.

    - waiting on the customer (``pending_customer``): back to ``in_progress`` (:attr:`RESUME`);
    - ``resolved``, a thank-you: a comment only (:attr:`COMMENT`);
    - ``resolved``, within ``reopen_window`` of the resolution: reopened (:attr:`REOPEN`);
    - ``resolved`` past the window, or closed (a terminal status): a new ticket linked
      ``follow_up_of`` this one (:attr:`FOLLOW_UP`) — but a thank-you stays a comment;
    - any other status: a comment.

    Args:
        reopen_window: How long after the resolution a reply reopens the ticket.
        thanks: Tells a thank-you (anything with ``is_thanks(text) -> bool``).
        waiting: The status that waits on the customer.
        working: The status a resumed or reopened ticket goes back to.
        resolved: The status of resolved work.

    .. versionadded:: 0.2
    """

    reopen_window: timedelta = attrs.field(default=timedelta(days=7), converter=_window)
    thanks: ThanksClassifier = attrs.field(factory=ThanksClassifier, converter=_classifier)
    waiting: str = attrs.field(default=TicketStatus.PENDING_CUSTOMER, converter=_waiting)
    working: str = attrs.field(default=TicketStatus.IN_PROGRESS, converter=_working)
    resolved: str = attrs.field(default=TicketStatus.RESOLVED, converter=_resolved)

    def decide(
        self,
        ticket: Ticket,
        body: str,
        *,
        at: datetime,
        resolved_at: datetime | None,
        terminal: Iterable[str],
    ) -> ReplyAction:
        """Return what a reply with ``body`` at ``at`` does to ``ticket``.

        Args:
            ticket: The ticket replied to.
            body: What the customer wrote this time (quoted text removed).
            at: When the reply came.
            resolved_at: When the ticket was last resolved (needed while it is resolved).
            terminal: The workflow's terminal statuses.

        Raises:
            InvalidValueError: An argument is not of its kind.
        """
        if type(ticket) is not Ticket:
            raise InvalidValueError("ticket", ticket, "must be a Ticket")
        at = check_instant("at", at)
        status = ticket.status
        if status == self.waiting:
            return ReplyAction.RESUME
        closed = status in frozenset(terminal)
        if (status != self.resolved and not closed) or self.thanks.is_thanks(body):
            return ReplyAction.COMMENT
        # No resolution on record while resolved: the window cannot have passed.
        within = (
            resolved_at is None
            or at - check_instant("resolved_at", resolved_at) <= self.reopen_window
        )
        return ReplyAction.REOPEN if within and not closed else ReplyAction.FOLLOW_UP


def _action(value: ReplyAction | str) -> ReplyAction:
    try:
        return ReplyAction(value)
    except (ValueError, TypeError):
        raise InvalidValueError("action", value, "must be a ReplyAction") from None


def _ticket(_: object, attribute: attrs.Attribute[Ticket], value: Ticket) -> None:
    if type(value) is not Ticket:
        raise InvalidValueError(attribute.name, value, "must be a Ticket")


def _optional_ticket(
    _: object, attribute: attrs.Attribute[Ticket | None], value: Ticket | None
) -> None:
    if value is not None and type(value) is not Ticket:
        raise InvalidValueError(attribute.name, value, "must be a Ticket or None")


@attrs.frozen
class ReplyOutcome:
    """What a customer's reply (or rejection) did.

    Attributes:
        action: What the reply rules decided.
        ticket: The ticket replied to, as it is now.
        follow_up: The new ticket, for :attr:`ReplyAction.FOLLOW_UP`.

    .. versionadded:: 0.2
    """

    action: ReplyAction = attrs.field(converter=_action)
    ticket: Ticket = attrs.field(validator=_ticket)
    follow_up: Ticket | None = attrs.field(default=None, validator=_optional_ticket)
