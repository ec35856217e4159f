"""What a problem's journal says: its incidents, root cause, workaround, fix and verification.

A pure reading of the journal, so the service, the done-criterion and the quiet-period check
all judge a problem by the same rules:

- the incidents are those linked and not unlinked since (:class:`~ticketflow.IncidentLinkChanged`);
- the root cause, workaround and fix are the last recorded of each
  (:class:`~ticketflow.ProblemUpdated`);
- the fix is verified when a :class:`~ticketflow.FixVerified` for the last fix follows it and
  no incident was linked after that verification (a new incident says the fix does not hold).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from .._events import (
    EVENT_TYPES,
    FixVerified,
    IncidentLinkChanged,
    ProblemAspect,
    ProblemUpdated,
    TicketEvent,
)
from .._values import check_instant, check_items, check_name, check_text, validator
from ..exceptions import InvalidValueError

__all__ = ["ProblemState", "problem_state"]

_MAX_INCIDENTS = 10_000


def _incidents(value: tuple[str, ...]) -> tuple[str, ...]:
    given = check_items("incidents", value, maximum=_MAX_INCIDENTS, what="incident ids")
    ids = tuple(check_name(f"incidents[{i}]", item) for i, item in enumerate(given))
    if len(set(ids)) != len(ids):
        raise InvalidValueError("incidents", ids, "lists an incident twice")
    return ids


def _text(field: str) -> Any:  # noqa: ANN401 - an attrs field
    def convert(value: str | None) -> str | None:
        return None if value is None else check_text(field, value, empty=False)

    return attrs.field(default=None, converter=convert)


def _fixed_at(value: datetime | None) -> datetime | None:
    return None if value is None else check_instant("fixed_at", value)


def _recurred_at(value: datetime | None) -> datetime | None:
    return None if value is None else check_instant("recurred_at", value)


def _verification(_: object, __: object, value: FixVerified | None) -> None:
    if value is not None and type(value) is not FixVerified:
        raise InvalidValueError("verification", value, "must be a FixVerified event or None")


def _fix_version(_: object, __: object, value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise InvalidValueError("fix_version", value, "must be a version (an int >= 1) or None")


@attrs.frozen(kw_only=True)
class ProblemState:
    """A problem as its journal tells it (see :func:`problem_state`).

    Attributes:
        problem_id: The problem's id.
        incidents: The incidents linked to it now, in the order they were linked.
        root_cause: The root cause recorded last, if any.
        workaround: The workaround recorded last, if any (the problem is then a known error).
        fix: The fix recorded last, if any.
        fix_version: The version of the event that recorded :attr:`fix`.
        fixed_at: When :attr:`fix` was recorded.
        recurred_at: When an incident was last linked after the fix (or after its
            verification): the quiet period counts from here when it is later than the fix.
        verification: The verification of the fix in force, if any.

    .. versionadded:: 0.2
    """

    problem_id: str = attrs.field(validator=validator(check_name, "problem_id"))
    incidents: tuple[str, ...] = attrs.field(default=(), converter=_incidents)
    root_cause: str | None = _text("root_cause")
    workaround: str | None = _text("workaround")
    fix: str | None = _text("fix")
    fix_version: int | None = attrs.field(default=None, validator=_fix_version)
    fixed_at: datetime | None = attrs.field(default=None, converter=_fixed_at)
    recurred_at: datetime | None = attrs.field(default=None, converter=_recurred_at)
    verification: FixVerified | None = attrs.field(default=None, validator=_verification)

    @property
    def known_error(self) -> bool:
        """Whether a workaround is recorded: the problem is a known error."""
        return self.workaround is not None

    @property
    def verified(self) -> bool:
        """Whether the fix is verified (and no incident was linked since)."""
        return self.verification is not None

    def quiet_until(self, quiet_period: timedelta | None) -> datetime | None:
        """Return when ``quiet_period`` without a new incident verifies the fix.

        ``None`` when there is nothing to wait for: no fix, a fix verified already, no quiet
        period, or an instant past the calendar's end.
        """
        if quiet_period is None or self.fixed_at is None or self.verified:
            return None
        start = self.fixed_at
        if self.recurred_at is not None and self.recurred_at > start:
            start = self.recurred_at
        try:
            return start + quiet_period
        except OverflowError:
            return None

    def unverified_reason(self, quiet_period: timedelta | None) -> str:
        """Say, for people, why the fix is not verified (empty when it is)."""
        if self.verified:
            return ""
        if self.fix is None:
            return "no fix is recorded"
        until = self.quiet_until(quiet_period)
        if until is None:
            return "the fix is not verified: verify it with evidence"
        return (
            f"the fix is not verified: no new incident until {until.isoformat()} verifies it,"
            " or verify it with evidence"
        )


def problem_state(history: Sequence[TicketEvent]) -> ProblemState:
    """Return what the problem's journal ``history`` (oldest first) says about it.

    Raises:
        InvalidValueError: ``history`` is not a non-empty sequence of one ticket's events.

    .. versionadded:: 0.2
    """
    given: object = history
    if isinstance(given, str | bytes) or not isinstance(given, Sequence) or not given:
        raise InvalidValueError("history", given, "must be a non-empty sequence of ticket events")
    problem_id = _one_ticket(history)
    incidents: dict[str, None] = {}
    texts: dict[ProblemAspect, str] = {}
    fix: ProblemUpdated | None = None
    recurred: datetime | None = None
    verification: FixVerified | None = None
    for event in history:
        if type(event) is IncidentLinkChanged:
            if not event.linked:
                incidents.pop(event.incident, None)
                continue
            incidents[event.incident] = None
            if fix is not None:
                recurred = event.at
                verification = None  # a new incident: the fix does not hold
        elif type(event) is ProblemUpdated:
            texts[event.aspect] = event.text
            if event.aspect is ProblemAspect.FIX:
                fix, recurred, verification = event, None, None
        elif type(event) is FixVerified and fix is not None and event.fix == fix.version:
            verification = event
    return ProblemState(
        problem_id=problem_id,
        incidents=tuple(incidents),
        root_cause=texts.get(ProblemAspect.ROOT_CAUSE),
        workaround=texts.get(ProblemAspect.WORKAROUND),
        fix=texts.get(ProblemAspect.FIX),
        fix_version=None if fix is None else fix.version,
        fixed_at=None if fix is None else fix.at,
        recurred_at=recurred,
        verification=verification,
    )


def _one_ticket(history: Sequence[object]) -> str:
    problem_id: str | None = None
    for event in history:
        if type(event) not in EVENT_TYPES:
            raise InvalidValueError("history", event, "must hold ticket events only")
        ticket_id: str = event.ticket_id  # type: ignore[attr-defined]
        if problem_id is None:
            problem_id = ticket_id
        elif ticket_id != problem_id:
            raise InvalidValueError("history", ticket_id, "holds another ticket's events")
    if problem_id is None:
        raise InvalidValueError("history", (), "must be a non-empty sequence of ticket events")
    return problem_id
