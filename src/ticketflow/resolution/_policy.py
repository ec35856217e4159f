"""A desk's resolution policy, and the rule it holds every commit to."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import attrs

from .._actors import Role
from .._draft import Draft
from .._events import ResolutionAnswered, ResolutionRecorded, TicketTransitioned
from .._resolution import ResolutionAnswer
from .._status import TicketStatus, as_status
from .._values import check_int, check_name
from ..exceptions import (
    CheckFailure,
    ConfirmationRequiredError,
    DoneCriteriaNotMetError,
    InvalidValueError,
    PermissionDeniedError,
)
from ._criteria import DoneCriteria
from ._replies import ReplyRules

if TYPE_CHECKING:
    from ..sla import BusinessCalendar

__all__ = ["CSAT_TOPIC", "AutoClose", "CsatTrigger", "ResolutionPolicy"]

CSAT_TOPIC: Final = "ticket.csat_requested"
"""The outbox topic of a satisfaction survey request."""

_CLOSERS: Final = frozenset({ResolutionAnswer.CONFIRMED, ResolutionAnswer.AUTO_CLOSED})
_NOT_AI: Final = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM})


class CsatTrigger(enum.StrEnum):
    """When a desk asks the customer how it went.

    .. versionadded:: 0.2
    """

    ON_CLOSE = "on_close"
    ON_RESOLVE = "on_resolve"
    NEVER = "never"


def _days(value: int) -> int:
    return check_int("business_days", value, minimum=1, maximum=365)


def _calendar(value: BusinessCalendar | None) -> BusinessCalendar | None:
    if value is None:
        return None
    from ..sla import BusinessCalendar  # noqa: PLC0415 - the SLA engine loads on first use

    if not isinstance(value, BusinessCalendar):
        raise InvalidValueError("calendar", value, "must be a BusinessCalendar or None")
    return value


def _policy_name(value: str) -> str:
    return check_name("name", value, max_length=64)


@attrs.frozen
class AutoClose:
    """Close a resolved ticket nobody answered within ``business_days`` business days.

    A business day is a local date on which the calendar has open time (weekends and holidays
    are not). The ticket closes at the end of the ``business_days``-th business day after the
    day it was resolved, recorded as an automatic close naming this policy. The calendar is the
    one given, else the calendar of the ticket's SLA rule, else Monday to Friday in UTC.

    .. versionadded:: 0.2
    """

    business_days: int = attrs.field(default=5, converter=_days)
    calendar: BusinessCalendar | None = attrs.field(default=None, converter=_calendar)
    name: str = attrs.field(default="auto_close", converter=_policy_name)


def _criteria(value: DoneCriteria) -> DoneCriteria:
    if not isinstance(value, DoneCriteria):
        raise InvalidValueError("criteria", value, "must be DoneCriteria")
    return value


def _threshold(value: float | None) -> float | None:
    given: object = value
    if given is None:
        return None
    if type(given) not in (int, float) or not math.isfinite(given) or not 0 < given <= 1:  # type: ignore[arg-type,operator]
        raise InvalidValueError("ai_threshold", given, "must be a number in (0, 1], or None")
    return float(given)  # type: ignore[arg-type]


def _auto_close(value: AutoClose | None) -> AutoClose | None:
    if value is not None and type(value) is not AutoClose:
        raise InvalidValueError("auto_close", value, "must be an AutoClose or None")
    return value


def _csat(value: CsatTrigger | str) -> CsatTrigger:
    try:
        return CsatTrigger(value)
    except (ValueError, TypeError):
        raise InvalidValueError("csat", value, "must be on_close, on_resolve or never") from None


def _replies(value: ReplyRules) -> ReplyRules:
    if type(value) is not ReplyRules:
        raise InvalidValueError("replies", value, "must be ReplyRules")
    return value


def _closed(value: str) -> str:
    return as_status(check_name("closed", value, max_length=64))


@attrs.frozen
class ResolutionPolicy:
    """How a desk decides that work is done, and who may close it.

    Every commit of the desk holds to three rules, whatever command made it:

    - a move into ``resolved`` follows, in the same commit, a recorded resolution whose every
      done-criterion passed (:meth:`~ticketflow.Desk.resolve`);
    - a move into ``closed`` of external-facing work (:attr:`Requester.external
      <ticketflow.Requester.external>`) follows, in the same commit, the customer's
      confirmation or an automatic close (:meth:`~ticketflow.Desk.confirm_resolution`,
      :class:`AutoClose`);
    - an AI actor never closes a ticket.

    Args:
        criteria: The definition of done (default: the code is one of
            :data:`DEFAULT_CODES`).
        ai_threshold: An AI's resolution at or above this confidence resolves the ticket; below
            it, it is kept as a suggestion for an agent to accept or reject. ``None``: an AI
            only ever suggests.
        auto_close: Close resolved tickets nobody answered (``None``: never).
        csat: When to ask for a satisfaction score (a ``ticket.csat_requested`` message).
        replies: What a customer's reply does (resume, reopen, follow-up).
        closed: The closed status.

    .. versionadded:: 0.2
    """

    criteria: DoneCriteria = attrs.field(factory=DoneCriteria.default, converter=_criteria)
    ai_threshold: float | None = attrs.field(default=0.9, converter=_threshold)
    auto_close: AutoClose | None = attrs.field(default=None, converter=_auto_close)
    csat: CsatTrigger = attrs.field(default=CsatTrigger.ON_CLOSE, converter=_csat)
    replies: ReplyRules = attrs.field(factory=ReplyRules, converter=_replies)
    closed: str = attrs.field(default=TicketStatus.CLOSED, converter=_closed)

    @property
    def resolved(self) -> str:
        """The resolved status (the reply rules')."""
        return self.replies.resolved

    def guard(self, draft: Draft) -> None:
        """Refuse a draft that breaks one of the three rules (the Desk calls it on commit).

        Raises:
            DoneCriteriaNotMetError: A move into ``resolved`` with no passing resolution.
            ConfirmationRequiredError: External work closed without confirmation.
            PermissionDeniedError: An AI actor closing a ticket.
        """
        events = draft.events
        for index, event in enumerate(events):
            if type(event) is not TicketTransitioned:
                continue
            if event.target == self.replies.resolved:
                if not any(
                    type(e) is ResolutionRecorded and not e.suggested for e in events[:index]
                ):
                    raise DoneCriteriaNotMetError(
                        event.ticket_id,
                        [
                            CheckFailure(
                                "resolution",
                                "no resolution was recorded: resolve with"
                                " Desk.resolve(ticket_id, Resolution(...))",
                            )
                        ],
                    )
            elif event.target == self.closed:
                self._guard_close(draft, event, events[:index])

    def _guard_close(
        self, draft: Draft, event: TicketTransitioned, before: Sequence[object]
    ) -> None:
        if draft.actor.role is Role.AI or event.actor.role is Role.AI:
            raise PermissionDeniedError(
                event.ticket_id, event.source, event.target, Role.AI, _NOT_AI
            )
        if not draft.ticket.requester.external:
            return
        if not any(type(e) is ResolutionAnswered and e.answer in _CLOSERS for e in before):
            raise ConfirmationRequiredError(
                event.ticket_id,
                "external-facing work is closed only on the customer's confirmation"
                " (Desk.confirm_resolution) or by the auto-close policy",
            )
