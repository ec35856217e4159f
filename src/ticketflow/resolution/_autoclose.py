"""Closing resolved tickets nobody answered: work that comes due, run by ``Desk.tick``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

import attrs

from .._actors import Actor
from .._draft import Draft
from .._due import DueCheckpoint
from .._events import TicketEvent
from .._ticket import Ticket
from .._values import check_instant, check_int
from ..exceptions import CalendarError, InvalidValueError
from ..sla._calendar import BusinessCalendar
from ._decide import auto_close, resolved_at
from ._policy import AutoClose, ResolutionPolicy

__all__ = ["AUTO_CLOSE_ACTOR", "AutoCloseWork", "business_days_after"]

AUTO_CLOSE_ACTOR: Final = Actor.system("auto-close")
"""The actor that records automatic closes."""

_MAX_DAYS_SCANNED: Final = 3700  # ten years of dates: a calendar closed longer has no day


def business_days_after(calendar: BusinessCalendar, at: datetime, days: int) -> datetime:
    """Return the end of the ``days``-th business day after ``at``'s local date (UTC).

    A business day is a local date on which ``calendar`` has open time.

    Raises:
        InvalidValueError: An argument is not of its kind, or ``days`` is not 1 to 365.
        CalendarError: The calendar has no such day within ten years.
    """
    if not isinstance(calendar, BusinessCalendar):
        raise InvalidValueError("calendar", calendar, "must be a BusinessCalendar")
    at = check_instant("at", at)
    check_int("days", days, minimum=1, maximum=365)
    zone = calendar.tz
    try:
        day = at.astimezone(zone).date()
        counted = 0
        for _ in range(_MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            if calendar.between(_midnight(day, zone), _midnight(day + timedelta(days=1), zone)):
                counted += 1
                if counted == days:
                    return _midnight(day + timedelta(days=1), zone).astimezone(UTC)
    except (OverflowError, ValueError):
        raise CalendarError("at", f"{days} business days after {at} lie beyond year 9999") from None
    raise CalendarError("calendar", f"has no {days} business days within ten years of {at}")


def _midnight(day: date, zone: object) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)  # type: ignore[arg-type]


def _weekdays() -> BusinessCalendar:
    return BusinessCalendar.weekly(tz="UTC", hours={"mon-fri": ["00:00-24:00"]})


@attrs.define
class AutoCloseWork:
    """The :class:`~ticketflow.IncrementalDueWork` of an :class:`AutoClose` policy.

    The memo keeps the instant of the resolution, so a command on a resolved ticket never reads
    its journal; without a usable memo the journal says.
    """

    policy: ResolutionPolicy
    auto: AutoClose
    calendars: Callable[[Ticket], BusinessCalendar | None] = attrs.field(default=lambda _: None)
    actor: Actor = AUTO_CLOSE_ACTOR
    name: str = attrs.field(init=False)
    _fallback: BusinessCalendar | None = attrs.field(default=None, init=False)

    def __attrs_post_init__(self) -> None:
        self.name = self.auto.name  # the memo's and the report's

    def calendar_for(self, ticket: Ticket) -> BusinessCalendar:
        """The calendar the ticket's business days count in."""
        if self.auto.calendar is not None:
            return self.auto.calendar
        found = self.calendars(ticket)
        if found is not None:
            return found
        if self._fallback is None:
            self._fallback = _weekdays()
        return self._fallback

    def _resolved_at(self, draft: Draft) -> datetime | None:
        if draft.ticket.status != self.policy.resolved:
            return None
        for event in reversed(draft.events):
            if getattr(event, "target", None) == self.policy.resolved:
                return event.at
        memo = draft.memo(self.name)
        if memo is not None and draft.before is not None:
            written, _, when = memo.partition("|")
            if written == str(draft.before.version):
                try:
                    return datetime.fromisoformat(when).astimezone(UTC)
                except ValueError:
                    pass  # a damaged memo: the journal says
        return resolved_at(draft, self.policy)

    def checkpoint(self, draft: Draft) -> DueCheckpoint:
        """When the drafted ticket closes by itself, and the resolution's instant as the memo."""
        since = self._resolved_at(draft)
        if since is None:
            return DueCheckpoint(None)
        due = business_days_after(self.calendar_for(draft.ticket), since, self.auto.business_days)
        return DueCheckpoint(due, f"{draft.ticket.version}|{since.isoformat()}")

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        """When ``ticket`` (whose journal is ``history``) closes by itself, if it is resolved."""
        if ticket.status != self.policy.resolved:
            return None
        for event in reversed(history):
            if getattr(event, "target", None) == self.policy.resolved:
                return business_days_after(
                    self.calendar_for(ticket), event.at, self.auto.business_days
                )
        return None

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        """Close the ticket if it is resolved and its business days have passed."""
        since = self._resolved_at(draft)
        if since is None:
            return ()
        due = business_days_after(self.calendar_for(draft.ticket), since, self.auto.business_days)
        if now >= due:
            auto_close(draft, self.policy, self.name, self.auto.business_days, self.actor)
        return ()
