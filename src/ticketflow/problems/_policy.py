"""How problems are run: the quiet period that verifies a fix, and the rule that holds it.

:class:`ProblemPolicy` is the configuration. :func:`quiet_period_check` is the due work that
records an automatic verification once a fix has gone its quiet period without a new linked
incident (pass it to ``Desk(due=[...])``); :class:`VerifiedFix` is the done-criterion that
refuses to resolve a problem whose fix is not verified, whatever command resolves it (put it
in the desk's :class:`~ticketflow.resolution.DoneCriteria` for the kind ``problem``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

from .._actors import Actor, check_actor
from .._draft import Draft
from .._due import DueCheckpoint
from .._events import FixVerified, TicketEvent, VerificationMethod
from .._ticket import Requester, Ticket, TicketKind
from .._values import check_name, validator
from .._workflow import CheckResult
from ..exceptions import InvalidValueError
from ._state import ProblemState, problem_state

if TYPE_CHECKING:
    from ..resolution import DoneContext

__all__ = [
    "PROBLEMS_ACTOR",
    "ProblemPolicy",
    "VerifiedFix",
    "quiet_period_check",
]

PROBLEMS_ACTOR: Final = Actor.system("problems")
"""The actor that records automatic verifications."""

_MAX_QUIET: Final = timedelta(days=366)
_DEFAULT_REQUESTER: Final = Requester(
    "problem-management@ticketflow.invalid", name="Problem management", external=False
)


def _quiet_period(value: timedelta | None) -> timedelta | None:
    given: object = value
    if given is None:
        return None
    if type(given) is not timedelta or not timedelta(minutes=1) <= given <= _MAX_QUIET:
        raise InvalidValueError(
            "quiet_period", given, "must be a timedelta from 1 minute to 366 days, or None"
        )
    return given


def _requester(value: Requester) -> Requester:
    if type(value) is not Requester:
        raise InvalidValueError("requester", value, "must be a Requester")
    if value.external:
        raise InvalidValueError(
            "requester", value.email, "a problem is internal work: Requester(..., external=False)"
        )
    return value


def _actor(value: Actor) -> Actor:
    return check_actor(value)


def _policy_name(value: str) -> str:
    return check_name("name", value, max_length=64)


@attrs.frozen
class ProblemPolicy:
    """How problems are run.

    Args:
        quiet_period: How long a fix must go without a new linked incident to count as
            verified (1 minute to 366 days); ``None``: only an explicit verification counts.
        name: Names the policy in automatic verifications (and the due work in tick reports).
        known_error_field: The structured field set to ``True`` on a problem once a workaround
            is recorded, so that a :class:`~ticketflow.storage.TicketQuery` finds known errors.
        requester: Whom problems are for: internal (``external=False``), so an agent closes a
            verified problem.
        actor: Who records automatic verifications.

    Raises:
        InvalidValueError: An argument is out of its domain.

    .. versionadded:: 0.2
    """

    quiet_period: timedelta | None = attrs.field(
        default=timedelta(days=14), converter=_quiet_period
    )
    name: str = attrs.field(default="quiet_period", converter=_policy_name)
    known_error_field: str = attrs.field(
        default="known_error", validator=validator(check_name, "known_error_field")
    )
    requester: Requester = attrs.field(default=_DEFAULT_REQUESTER, converter=_requester)
    actor: Actor = attrs.field(default=PROBLEMS_ACTOR, converter=_actor)


def _policy(value: ProblemPolicy) -> ProblemPolicy:
    if type(value) is not ProblemPolicy:
        raise InvalidValueError("policy", value, "must be a ProblemPolicy")
    return value


def _criterion_name(value: str) -> str:
    return check_name("name", value, max_length=200)


@attrs.frozen
class VerifiedFix:
    """A problem is resolved only once its fix is verified; other tickets always pass.

    Verified means: after the fix was recorded, no incident was linked for the policy's quiet
    period (recorded by :func:`quiet_period_check`), or a person verified it with evidence
    (:meth:`Problems.verify`); and no incident was linked after that verification.

    Args:
        policy: The problem policy (only to say in the reason how long the quiet period runs).
        name: Names the criterion in verdicts.

    .. versionadded:: 0.2
    """

    policy: ProblemPolicy = attrs.field(factory=ProblemPolicy, converter=_policy)
    name: str = attrs.field(default="fix_verified", converter=_criterion_name)

    def check(self, context: DoneContext) -> CheckResult:
        """Pass for a ticket that is no problem, or a problem whose fix is verified."""
        if context.ticket.kind is not TicketKind.PROBLEM:
            return CheckResult.ok()
        state = problem_state(context.history)
        if state.verified:
            return CheckResult.ok()
        return CheckResult.fail(state.unverified_reason(self.policy.quiet_period))


@attrs.define
class _QuietPeriodCheck:
    """The :class:`~ticketflow.IncrementalDueWork` of a :class:`ProblemPolicy`'s quiet period.

    Only problems are looked at: any other ticket answers at once, without its journal.
    """

    policy: ProblemPolicy
    name: str = attrs.field(init=False)
    actor: Actor = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.name = self.policy.name
        self.actor = self.policy.actor

    def _state(self, draft: Draft) -> ProblemState | None:
        ticket = draft.ticket
        if ticket.kind is not TicketKind.PROBLEM or ticket.status in draft.workflow.terminal:
            return None
        before = () if draft.before is None else draft.history()
        return problem_state([*before, *draft.events])

    def checkpoint(self, draft: Draft) -> DueCheckpoint:
        """When the drafted problem's quiet period ends, if a fix waits for it."""
        state = self._state(draft)
        return DueCheckpoint(None if state is None else state.quiet_until(self.policy.quiet_period))

    def next_due(self, ticket: Ticket, history: Sequence[TicketEvent]) -> datetime | None:
        """When ``ticket``'s quiet period ends, if it is a problem whose fix waits for it."""
        if ticket.kind is not TicketKind.PROBLEM or not history:
            return None
        return problem_state(history).quiet_until(self.policy.quiet_period)

    def run(self, draft: Draft, now: datetime) -> Sequence[str]:
        """Record the automatic verification of a fix whose quiet period has passed."""
        state = self._state(draft)
        if state is None or state.fix_version is None:
            return ()
        until = state.quiet_until(self.policy.quiet_period)
        if until is None or now < until:
            return ()
        since = until - self.policy.quiet_period  # type: ignore[operator]
        draft.record(
            FixVerified,
            method=VerificationMethod.QUIET_PERIOD,
            fix=state.fix_version,
            evidence=(f"no incident linked from {since.isoformat()} to {until.isoformat()}",),
            policy=self.policy.name,
            actor=self.actor,
        )
        return ()

    def __repr__(self) -> str:
        return f"quiet_period_check({self.policy!r})"


def quiet_period_check(policy: ProblemPolicy) -> _QuietPeriodCheck:
    """Return the due work that verifies a fix after ``policy``'s quiet period.

    Pass it to the desk (``Desk(due=[quiet_period_check(policy)])``);
    :meth:`~ticketflow.Desk.tick` then records a :class:`~ticketflow.FixVerified` naming the
    policy on every problem whose fix went the quiet period without a new linked incident.

    Raises:
        InvalidValueError: ``policy`` is not a :class:`ProblemPolicy`, or has no quiet period.

    .. versionadded:: 0.2
    """
    _policy(policy)
    if policy.quiet_period is None:
        raise InvalidValueError("policy", policy, "has no quiet period (quiet_period=None)")
    return _QuietPeriodCheck(policy)
