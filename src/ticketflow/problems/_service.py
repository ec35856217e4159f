"""The problem commands: open, link, record, verify, resolve and close, through the Desk's seams.

Each command decides on the journal as loaded and commits through
:meth:`~ticketflow.Desk.execute` (or :meth:`~ticketflow.Desk.submit`,
:meth:`~ticketflow.Desk.link`, :meth:`~ticketflow.Desk.resolve`): the Desk's rules hold on
every commit. A link is two commits, one per ticket (a store commits one ticket at a time):
the problem's side first, so that a quiet period restarts even if the incident's side fails;
each side records only what it does not say yet, so running the command again completes it.
"""

from __future__ import annotations

import collections
import contextlib
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._actors import Actor, check_actor
from .._events import (
    FieldsChanged,
    FixVerified,
    IncidentLinkChanged,
    LinkKind,
    ProblemAspect,
    ProblemUpdated,
    VerificationMethod,
)
from .._resolution import CriterionVerdict, Resolution
from .._retry import retrying
from .._ticket import NewTicket, Ticket, TicketKind
from .._values import check_items, check_name, check_text, validator
from ..exceptions import (
    ConfigurationError,
    DoneCriteriaNotMetError,
    FixNotVerifiedError,
    InvalidValueError,
    TicketflowError,
    TicketNotFoundError,
)
from ._policy import ProblemPolicy, _QuietPeriodCheck
from ._state import ProblemState, problem_state

if TYPE_CHECKING:
    from .._desk import Desk
    from .._draft import Draft

__all__ = ["IncidentOutcome", "IncidentResult", "ProblemResolution", "Problems"]

T = TypeVar("T")

MAX_INCIDENTS_AT_ONCE: Final = 100
_LINE: Final = 2000
_EVIDENCE: Final = 32


class IncidentResult(enum.StrEnum):
    """What resolving a problem did to one of its incidents.

    .. versionadded:: 0.2
    """

    RESOLVED = "resolved"
    """Resolved by the desk's resolution rules."""
    SUGGESTED = "suggested"
    """An AI's resolution below the confidence threshold: kept as a suggestion."""
    REFUSED = "refused"
    """The desk refused (a done-criterion failed, say); nothing was written on it."""
    SKIPPED = "skipped"
    """Already resolved or closed, or no longer linked to the problem: left alone."""


def _result(value: IncidentResult | str) -> IncidentResult:
    try:
        return IncidentResult(value)
    except (ValueError, TypeError):
        raise InvalidValueError("result", value, "must be an IncidentResult") from None


def _failures(value: tuple[CriterionVerdict, ...]) -> tuple[CriterionVerdict, ...]:
    given = check_items("failures", value, maximum=64, what="verdicts")
    for index, verdict in enumerate(given):
        if type(verdict) is not CriterionVerdict or verdict.passed:
            raise InvalidValueError(f"failures[{index}]", verdict, "must be a failed verdict")
    return given  # type: ignore[return-value]


@attrs.frozen
class IncidentOutcome:
    """What resolving a problem did to one linked incident.

    Attributes:
        incident: The incident's id.
        result: Resolved, suggested, refused or skipped.
        reason: Why it was refused or skipped, for people (empty when resolved).
        failures: The failed done-criteria, when the definition of done refused it.

    .. versionadded:: 0.2
    """

    incident: str = attrs.field(validator=validator(check_name, "incident"))
    result: IncidentResult = attrs.field(converter=_result)
    reason: str = attrs.field(
        default="", validator=validator(check_text, "reason", max_length=_LINE)
    )
    failures: tuple[CriterionVerdict, ...] = attrs.field(default=(), converter=_failures)


def _problem_ticket(_: object, __: object, value: Ticket) -> None:
    if type(value) is not Ticket or value.kind is not TicketKind.PROBLEM:
        raise InvalidValueError("problem", value, "must be a Ticket of kind problem")


def _outcomes(value: tuple[IncidentOutcome, ...]) -> tuple[IncidentOutcome, ...]:
    given = check_items("incidents", value, maximum=10_000, what="incident outcomes")
    for index, outcome in enumerate(given):
        if type(outcome) is not IncidentOutcome:
            raise InvalidValueError(f"incidents[{index}]", outcome, "must be an IncidentOutcome")
    return given  # type: ignore[return-value]


@attrs.frozen
class ProblemResolution:
    """What :meth:`Problems.resolve` did: the problem, and each linked incident.

    Attributes:
        problem: The problem as resolved.
        incidents: One outcome per incident linked to it, in the order they were linked.

    .. versionadded:: 0.2
    """

    problem: Ticket = attrs.field(validator=_problem_ticket)
    incidents: tuple[IncidentOutcome, ...] = attrs.field(default=(), converter=_outcomes)

    def of(self, result: IncidentResult) -> tuple[str, ...]:
        """Return the incidents with this ``result``."""
        return tuple(o.incident for o in self.incidents if o.result is result)


def _evidence(value: object) -> tuple[str, ...]:
    given = check_items("evidence", value, maximum=_EVIDENCE, what="lines of evidence")
    if not given:
        raise InvalidValueError("evidence", given, "give at least one line of evidence")
    return tuple(
        check_text(f"evidence[{i}]", line, empty=False, single_line=True, max_length=_LINE)
        for i, line in enumerate(given)
    )


def _most_common(categories: Iterable[str | None]) -> str | None:
    counted = collections.Counter(c for c in categories if c is not None)
    if not counted:
        return None
    return counted.most_common(1)[0][0]  # ties: the first seen, as Counter keeps order


class Problems:
    """Problem management through a :class:`~ticketflow.Desk`.

    A problem is a ticket of kind ``problem`` whose requester is internal. Incidents are
    linked to it on both sides of the journal: the incident's
    :class:`~ticketflow.TicketLinked` (``link="problem"``) and the problem's
    :class:`~ticketflow.IncidentLinkChanged`. Its root cause, workaround (a known error) and
    fix are :class:`~ticketflow.ProblemUpdated` events. It is resolved and closed only once
    its fix is verified (:class:`~ticketflow.FixVerified`): by the policy's quiet period without
    a new linked incident (:func:`quiet_period_check`, run by :meth:`Desk.tick
    <ticketflow.Desk.tick>`), or by a person with evidence (:meth:`verify`).

    Commands run as ``actor``, by the desk's role table: ``open_problem``, ``update_problem``
    and ``verify_fix`` (staff by default), ``link`` for links and ``resolve`` and
    ``transition`` for resolving and closing.

    Args:
        desk: The desk to commit through. With a quiet period, the desk runs the policy's
            :func:`quiet_period_check` among its due work.
        policy: How problems are run.

    Raises:
        InvalidValueError: An argument is not of its kind.
        ConfigurationError: The policy has a quiet period that the desk does not run.

    .. versionadded:: 0.2
    """

    def __init__(self, desk: Desk, *, policy: ProblemPolicy | None = None) -> None:
        from .._desk import Desk  # noqa: PLC0415 - the desk module imports storage first

        if not isinstance(desk, Desk):
            raise InvalidValueError("desk", desk, "must be a Desk")
        if policy is None:
            policy = ProblemPolicy()
        elif type(policy) is not ProblemPolicy:
            raise InvalidValueError("policy", policy, "must be a ProblemPolicy or None")
        if policy.quiet_period is not None and not any(
            isinstance(work, _QuietPeriodCheck) and work.policy == policy for work in desk.due_work
        ):
            raise ConfigurationError(
                "due",
                "the desk does not run this policy's quiet period: pass"
                " Desk(due=[quiet_period_check(policy)]), or ProblemPolicy(quiet_period=None)",
            )
        self.desk = desk
        self.policy = policy

    def __repr__(self) -> str:
        return f"Problems({self.desk!r}, policy={self.policy!r})"

    # -- reading ---------------------------------------------------------------------------

    def state(self, problem_id: str) -> ProblemState:
        """Return what the problem's journal says: incidents, root cause, fix, verification.

        Raises:
            TicketNotFoundError: No such ticket.
            InvalidValueError: The ticket is not a problem.
        """
        self._problem(problem_id)
        return problem_state(self.desk.history(problem_id))

    # -- opening and linking ---------------------------------------------------------------

    def open(
        self,
        incidents: Iterable[str],
        *,
        subject: str,
        actor: Actor,
        description: str = "",
    ) -> Ticket:
        """Open a problem from one or more incidents, and link them to it.

        The problem takes the incidents' most common category and the policy's requester.

        Raises:
            InvalidValueError: No incidents, more than 100, or a ticket that is not an incident.
            TicketNotFoundError: An incident does not exist.
            AccessDeniedError: ``actor`` may not open problems or link tickets.
        """
        check_actor(actor)
        self.desk.access.require("open_problem", actor)
        self.desk.access.require("link", actor)
        ids = _incident_ids(incidents)
        found = [self._incident(incident_id) for incident_id in ids]
        draft = NewTicket(
            subject=subject,
            description=description,
            requester=self.policy.requester,
            kind=TicketKind.PROBLEM,
            category=_most_common(ticket.category for ticket in found),
        )

        def decide(creation: Draft) -> None:
            for incident_id in ids:
                creation.record(IncidentLinkChanged, incident=incident_id, linked=True)

        problem = self.desk.submit(draft, actor=actor, decide=decide)
        for incident in found:
            self._link_incident_side(incident.id, problem.id, actor)
        return self.desk.get(problem.id)

    def link(self, problem_id: str, incident_id: str, *, actor: Actor) -> Ticket:
        """Link an incident to the problem (moving it from the problem it was linked to).

        A new incident linked after the fix restarts the quiet period, and revokes a
        verification: a fix that does not hold is no fix.

        Raises:
            InvalidValueError: Not a problem, not an incident, or the problem is closed.
            TicketNotFoundError: Either ticket does not exist.
            AccessDeniedError: ``actor`` may not link tickets.
        """
        check_actor(actor)
        self.desk.access.require("link", actor)
        self._problem(problem_id)
        incident = self._incident(incident_id)
        after = self._record_link(problem_id, incident.id, actor, linked=True)
        self._link_incident_side(incident.id, problem_id, actor)
        return after

    def unlink(self, problem_id: str, incident_id: str, *, actor: Actor) -> Ticket:
        """Unlink an incident from the problem.

        Raises:
            InvalidValueError: Not a problem, or the incident is not linked to it.
            TicketNotFoundError: Either ticket does not exist.
            AccessDeniedError: ``actor`` may not link tickets.
        """
        check_actor(actor)
        self.desk.access.require("link", actor)
        self._problem(problem_id)
        incident = self._incident(incident_id)
        listed = incident.id in self.state(problem_id).incidents
        if not listed and incident.links.problem != problem_id:
            raise InvalidValueError("incident_id", incident_id, f"is not linked to {problem_id}")
        if incident.links.problem == problem_id:
            self._retry(lambda: self.desk.link(incident.id, LinkKind.PROBLEM, None, actor=actor))
        return self._record_link(problem_id, incident.id, actor, linked=False)

    # -- root cause, workaround, fix, verification -----------------------------------------

    def record_root_cause(self, problem_id: str, text: str, *, actor: Actor) -> Ticket:
        """Record why the incidents happen (replacing an earlier root cause).

        Raises:
            InvalidValueError: Not a problem, the problem is closed, or empty text.
        """
        return self._update(problem_id, ProblemAspect.ROOT_CAUSE, text, actor)

    def record_workaround(self, problem_id: str, text: str, *, actor: Actor) -> Ticket:
        """Record a workaround: the problem becomes a known error.

        The policy's ``known_error_field`` is set to ``True`` in the same commit, so that
        ``TicketQuery(fields={"known_error": True})`` finds known errors.

        Raises:
            InvalidValueError: Not a problem, the problem is closed, or empty text.
        """
        return self._update(problem_id, ProblemAspect.WORKAROUND, text, actor)

    def record_fix(self, problem_id: str, text: str, *, actor: Actor) -> Ticket:
        """Record the fix; it must be verified before the problem is resolved or closed.

        A new fix replaces the one before, and its verification: the new one is verified anew.

        Raises:
            InvalidValueError: Not a problem, the problem is closed, or empty text.
        """
        return self._update(problem_id, ProblemAspect.FIX, text, actor)

    def verify(self, problem_id: str, evidence: Iterable[str], *, actor: Actor) -> Ticket:
        """Verify the fix explicitly, with evidence (a fix verified already stays as it is).

        Args:
            problem_id: The problem.
            evidence: What shows the fix works: links or notes, one line each (1 to 32).
            actor: Who verifies it.

        Raises:
            InvalidValueError: Not a problem, no fix is recorded, the problem is closed, or
                no evidence.
            AccessDeniedError: ``actor`` may not verify fixes.
        """
        given = _evidence(
            evidence
            if isinstance(evidence, str | bytes | Mapping) or not isinstance(evidence, Iterable)
            else list(evidence)
        )

        def decide(draft: Draft) -> None:
            state = _open_state(draft)
            if state.fix_version is None:
                raise InvalidValueError("problem_id", draft.ticket.id, "has no fix to verify")
            if not state.verified:
                draft.record(
                    FixVerified,
                    method=VerificationMethod.EXPLICIT,
                    fix=state.fix_version,
                    evidence=given,
                )

        self._problem(problem_id)
        return self._retry(
            lambda: self.desk.execute(problem_id, decide, actor=actor, command="verify_fix")
        )

    # -- resolving and closing -------------------------------------------------------------

    def resolve(
        self,
        problem_id: str,
        resolution: Resolution,
        *,
        actor: Actor,
        incidents: Resolution | None = None,
    ) -> ProblemResolution:
        """Resolve the problem once its fix is verified; with ``incidents``, its incidents too.

        The problem is resolved by :meth:`Desk.resolve <ticketflow.Desk.resolve>` (its
        definition of done applies). Then, given ``incidents`` (the resolution for them),
        each incident linked to it is resolved as :meth:`resolve_incidents` does.

        Raises:
            FixNotVerifiedError: The fix is not verified; nothing was written.
            DoneCriteriaNotMetError: The problem's own definition of done failed.
            InvalidTransitionError: The problem cannot be resolved from its status.
        """
        if type(resolution) is not Resolution:
            raise InvalidValueError("resolution", resolution, "must be a Resolution")
        if incidents is not None and type(incidents) is not Resolution:
            raise InvalidValueError("incidents", incidents, "must be a Resolution or None")
        check_actor(actor)

        def attempt() -> Ticket:
            problem = self._problem(problem_id)
            journal = self.desk.history(problem_id)
            self._require_verified(problem_state(journal), problem)
            # The version read with the journal: a link in between is a conflict, re-judged.
            return self.desk.resolve(
                problem_id, resolution, actor=actor, expected_version=len(journal)
            )

        problem = self._retry(attempt)
        if incidents is None or problem.status != self.desk.resolution.resolved:
            return ProblemResolution(problem)  # an AI's suggestion resolves nothing yet
        return ProblemResolution(
            problem, self.resolve_incidents(problem_id, incidents, actor=actor)
        )

    def resolve_incidents(
        self, problem_id: str, resolution: Resolution, *, actor: Actor
    ) -> tuple[IncidentOutcome, ...]:
        """Resolve each open incident linked to the problem, by the desk's resolution rules.

        Each goes through :meth:`Desk.resolve <ticketflow.Desk.resolve>` on its own: its
        definition of done applies, a refusal writes nothing on it and does not stop the
        others, and external work still waits for the customer's confirmation to close.

        Raises:
            FixNotVerifiedError: The problem's fix is not verified.
        """
        if type(resolution) is not Resolution:
            raise InvalidValueError("resolution", resolution, "must be a Resolution")
        check_actor(actor)
        problem = self._problem(problem_id)
        state = problem_state(self.desk.history(problem_id))
        self._require_verified(state, problem)
        return tuple(
            self._resolve_incident(incident_id, problem_id, resolution, actor)
            for incident_id in state.incidents
        )

    def close(self, problem_id: str, *, actor: Actor, reason: str | None = None) -> Ticket:
        """Close a resolved problem whose fix is still verified.

        Raises:
            FixNotVerifiedError: The fix is not verified (an incident linked since, say).
            InvalidTransitionError: The problem is not resolved.
        """
        if reason is not None:
            check_text("reason", reason, empty=False)
        closed = self.desk.resolution.closed
        why = reason or "closed: the fix is verified"

        def decide(draft: Draft) -> None:
            state = problem_state([*draft.history()])
            self._require_verified(state, draft.ticket)
            draft.transition(closed, reason=why)

        self._problem(problem_id)
        return self._retry(
            lambda: self.desk.execute(problem_id, decide, actor=actor, command="transition")
        )

    # -- the parts -------------------------------------------------------------------------

    def _retry(self, command: Callable[[], T]) -> T:
        return retrying(command)

    def _problem(self, problem_id: str) -> Ticket:
        ticket = self.desk.get(problem_id)
        if ticket.kind is not TicketKind.PROBLEM:
            raise InvalidValueError("problem_id", problem_id, "is not a problem")
        return ticket

    def _incident(self, incident_id: str) -> Ticket:
        ticket = self.desk.get(incident_id)
        if ticket.kind is not TicketKind.INCIDENT:
            raise InvalidValueError("incident_id", incident_id, "is not an incident")
        return ticket

    def _require_verified(self, state: ProblemState, problem: Ticket) -> None:
        if not state.verified:
            raise FixNotVerifiedError(problem.id, state.unverified_reason(self.policy.quiet_period))

    def _record_link(
        self, problem_id: str, incident_id: str, actor: Actor, *, linked: bool
    ) -> Ticket:
        def decide(draft: Draft) -> None:
            state = _open_state(draft) if linked else problem_state([*draft.history()])
            if (incident_id in state.incidents) != linked:
                draft.record(IncidentLinkChanged, incident=incident_id, linked=linked)

        return self._retry(
            lambda: self.desk.execute(problem_id, decide, actor=actor, command="link")
        )

    def _link_incident_side(self, incident_id: str, problem_id: str, actor: Actor) -> None:
        previous = self.desk.get(incident_id).links.problem
        self._retry(lambda: self.desk.link(incident_id, LinkKind.PROBLEM, problem_id, actor=actor))
        if previous is not None and previous != problem_id:
            # The problem it named may be gone: then there is nothing to record there.
            with contextlib.suppress(TicketNotFoundError):
                self._record_link(previous, incident_id, actor, linked=False)

    def _update(self, problem_id: str, aspect: ProblemAspect, text: str, actor: Actor) -> Ticket:
        check_text("text", text, empty=False)
        field = self.policy.known_error_field

        def decide(draft: Draft) -> None:
            state = _open_state(draft)
            current = {
                ProblemAspect.ROOT_CAUSE: state.root_cause,
                ProblemAspect.WORKAROUND: state.workaround,
                ProblemAspect.FIX: state.fix,
            }[aspect]
            if current != text:
                draft.record(ProblemUpdated, aspect=aspect, text=text)
            if aspect is ProblemAspect.WORKAROUND and draft.ticket.fields.get(field) is not True:
                draft.record(FieldsChanged, changes={field: True})

        self._problem(problem_id)
        return self._retry(
            lambda: self.desk.execute(problem_id, decide, actor=actor, command="update_problem")
        )

    def _resolve_incident(
        self, incident_id: str, problem_id: str, resolution: Resolution, actor: Actor
    ) -> IncidentOutcome:
        skipped = self._skip_reason(incident_id, problem_id)
        if skipped is not None:
            return IncidentOutcome(incident_id, IncidentResult.SKIPPED, skipped)
        try:
            after = self._retry(lambda: self.desk.resolve(incident_id, resolution, actor=actor))
        except DoneCriteriaNotMetError as error:
            failures = tuple(
                CriterionVerdict(f.name, passed=False, reason=f.reason[:_LINE])
                for f in error.failures[:64]
            )
            return IncidentOutcome(incident_id, IncidentResult.REFUSED, _line(str(error)), failures)
        except TicketflowError as error:  # not an edge, not allowed: refused, nothing written
            return IncidentOutcome(incident_id, IncidentResult.REFUSED, _line(str(error)))
        if after.status != self.desk.resolution.resolved:
            return IncidentOutcome(
                incident_id, IncidentResult.SUGGESTED, "kept as a suggestion for review"
            )
        return IncidentOutcome(incident_id, IncidentResult.RESOLVED)

    def _skip_reason(self, incident_id: str, problem_id: str) -> str | None:
        policy = self.desk.resolution
        try:
            incident = self.desk.get(incident_id)
        except TicketNotFoundError:
            return "no such ticket"
        if incident.links.problem != problem_id:
            return "its own link names another problem"
        done = (policy.resolved, policy.closed, *self.desk.workflow.terminal)
        return f"already {incident.status}" if incident.status in done else None


def _line(text: str) -> str:
    return text if len(text) <= _LINE else text[: _LINE - 3] + "..."


def _open_state(draft: Draft) -> ProblemState:
    # A closed problem takes no new links, findings or verifications: open a new one.
    if draft.ticket.status in draft.workflow.terminal:
        raise InvalidValueError("problem_id", draft.ticket.id, "is closed")
    return problem_state([*draft.history()])


def _incident_ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError("incidents", value, "must be a collection of incident ids")
    ids: dict[str, None] = {}
    for item in value:
        ids[check_name("incidents", item)] = None
        if len(ids) > MAX_INCIDENTS_AT_ONCE:
            raise InvalidValueError("incidents", len(ids), f"at most {MAX_INCIDENTS_AT_ONCE}")
    if not ids:
        raise InvalidValueError("incidents", (), "give at least one incident")
    return tuple(ids)
