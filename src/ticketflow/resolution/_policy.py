"""A desk's resolution policy, and the rule it holds every commit to."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Final

import attrs

from .._actors import Role
from .._draft import Draft
from .._events import ResolutionAnswered, ResolutionRecorded, TicketTransitioned
from .._identity import same_mailbox
from .._resolution import ResolutionAnswer
from .._status import TicketStatus, as_status
from .._ticket import TicketKind
from .._values import check_int, check_name
from ..exceptions import (
    CheckFailure,
    ConfirmationRequiredError,
    DoneCriteriaNotMetError,
    InvalidValueError,
    PermissionDeniedError,
)
from ..sla._calendar import BusinessCalendar
from ._criteria import DoneCriteria
from ._replies import ReplyRules

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

    def enforce(self, draft: Draft) -> None:
        """Hold a draft to the policy's rules, and add what they ask for (the Desk's commit).

        Asks for a satisfaction score (a ``ticket.csat_requested`` message) when the draft
        moves the ticket into ``closed`` (or ``resolved``, by :attr:`csat`), whatever command
        moved it; never for a problem record.

        Raises:
            DoneCriteriaNotMetError: A move into ``resolved`` without a resolution whose every
                applicable criterion was judged and passed.
            ConfirmationRequiredError: External work closed without the customer's own
                confirmation (or an automatic close by a system actor).
            PermissionDeniedError: An AI actor closing a ticket.
        """
        events = draft.events
        for index, event in enumerate(events):
            if type(event) is not TicketTransitioned:
                continue
            if event.target == self.replies.resolved:
                self._guard_resolve(draft, event, events[:index])
                self._ask_csat(draft, CsatTrigger.ON_RESOLVE)
            elif event.target == self.closed:
                self._guard_close(draft, event, events[:index])
                self._ask_csat(draft, CsatTrigger.ON_CLOSE)

    def _guard_resolve(
        self, draft: Draft, event: TicketTransitioned, before: Sequence[object]
    ) -> None:
        recorded = [e for e in before if type(e) is ResolutionRecorded and not e.suggested]
        if not recorded:
            problem = (
                "no resolution was recorded: resolve with Desk.resolve(ticket_id, Resolution(...))"
            )
        else:
            verdicts = recorded[-1].verdicts
            judged = {v.criterion for v in verdicts}
            unjudged = [
                c.name for c in self.criteria.for_ticket(draft.ticket) if c.name not in judged
            ]
            failed = [v.criterion for v in verdicts if not v.passed]
            if not failed and not unjudged:
                return
            problem = (
                f"the recorded resolution failed {', '.join(failed)}"
                if failed
                else f"the recorded resolution was not judged by {', '.join(unjudged)}"
            )
        raise DoneCriteriaNotMetError(event.ticket_id, [CheckFailure("resolution", problem)])

    def _guard_close(
        self, draft: Draft, event: TicketTransitioned, before: Sequence[object]
    ) -> None:
        if draft.actor.role is Role.AI or event.actor.role is Role.AI:
            raise PermissionDeniedError(
                event.ticket_id, event.source, event.target, Role.AI, _NOT_AI
            )
        ticket = draft.ticket
        if not ticket.requester.external:
            return
        if not any(
            type(e) is ResolutionAnswered and _closes(e, ticket.requester.email) for e in before
        ):
            raise ConfirmationRequiredError(
                event.ticket_id,
                "external-facing work is closed only on the customer's confirmation"
                " (Desk.confirm_resolution) or by the auto-close policy",
            )

    def _ask_csat(self, draft: Draft, when: CsatTrigger) -> None:
        ticket = draft.ticket
        if self.csat is not when or ticket.kind is TicketKind.PROBLEM:
            return  # a problem record has nobody to ask: its incidents' requesters are asked
        if any(m.topic == CSAT_TOPIC for m in draft.outbox):
            return
        draft.emit(
            CSAT_TOPIC,
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "reference": ticket.reference,
                "subject": ticket.subject,
                "requester": {"email": ticket.requester.email, "name": ticket.requester.name},
                "resolution": ticket.resolution,
                "status": str(ticket.status),
                "at": draft.at.isoformat(),
                "scale": {"min": 1, "max": 5},
            },
        )


def _closes(answer: ResolutionAnswered, requester: str) -> bool:
    """Whether ``answer`` may close external work: the customer's own word, or a system's."""
    role = answer.actor.role
    if answer.answer is ResolutionAnswer.AUTO_CLOSED:
        return role is Role.SYSTEM
    if answer.answer is not ResolutionAnswer.CONFIRMED:
        return False
    # A system actor relays the customer's answer (a portal, a link in an e-mail); a customer
    # confirms only their own ticket; staff never confirm for them.
    return role is Role.SYSTEM or (
        role is Role.CUSTOMER and same_mailbox(answer.actor.id, requester)
    )
