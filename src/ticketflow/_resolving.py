"""The Desk's resolution commands: thin, each one decision of :mod:`ticketflow.resolution`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ticketflow.resolution  # its names load on first use, not with import ticketflow

from ._actors import Actor, Role
from ._commands import Executes
from ._draft import Decide, Draft
from ._ticket import NewTicket, Ticket
from ._values import check_int, check_name, check_optional_text, check_text
from .exceptions import InvalidValueError

if TYPE_CHECKING:
    from .resolution import ReplyOutcome, ResolutionPolicy
    from .resolution._replies import ReplyAction

__all__ = ["Resolving"]


class Resolving(Executes):
    """The commands of :class:`~ticketflow.Desk` that resolve, confirm, reopen and close work."""

    _resolution: ticketflow.resolution.ResolutionPolicy
    _rebuild_due: Callable[[], None]  # the Desk's (Ticking's): due work follows the policy

    def submit(  # pragma: no cover - the Desk defines it
        self, draft: NewTicket, *, actor: Actor, decide: Decide | None = None
    ) -> Ticket:
        """Create a ticket (see :meth:`Desk.submit`)."""
        raise NotImplementedError

    @property
    def resolution(self) -> ResolutionPolicy:
        """The resolution policy: the definition of done, AI closes, auto-close, CSAT, replies."""
        return self._resolution

    @resolution.setter
    def resolution(self, policy: ResolutionPolicy | None) -> None:
        if policy is None:
            policy = ticketflow.resolution.ResolutionPolicy()
        elif not isinstance(policy, ticketflow.resolution.ResolutionPolicy):
            raise InvalidValueError("resolution", policy, "must be a ResolutionPolicy or None")
        self._resolution = policy
        self._rebuild_due()

    def resolve(
        self,
        ticket_id: str,
        resolution: ticketflow.resolution.Resolution,
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Ticket:
        """Resolve the ticket if ``resolution`` passes every done-criterion.

        The verdict of every criterion is recorded with the resolution. An AI's resolution
        below the policy's confidence threshold is recorded as a suggestion instead, and the
        ticket stays where it is until an agent reviews it (:meth:`review_suggestion`).

        Raises:
            DoneCriteriaNotMetError: A criterion failed; all failures are listed and nothing
                was written.
            InvalidTransitionError: The ticket cannot be resolved from its status.
        """
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        policy = self._resolution
        return self.execute(
            ticket_id,
            lambda d: _decide.resolve(d, policy, resolution),
            actor=actor,
            command="resolve",
            expected_version=expected_version,
        )

    def review_suggestion(
        self,
        ticket_id: str,
        *,
        accept: bool,
        actor: Actor,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> Ticket:
        """Accept (resolving, if it still passes) or reject an AI's suggested resolution.

        Raises:
            InvalidValueError: No suggestion awaits review.
            DoneCriteriaNotMetError: Accepted, but it no longer passes every criterion.
        """
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        policy = self._resolution
        return self.execute(
            ticket_id,
            lambda d: _decide.review(d, policy, accept=accept, reason=reason),
            actor=actor,
            command="review_suggestion",
            expected_version=expected_version,
        )

    def confirm_resolution(
        self, ticket_id: str, *, actor: Actor, comment: str | None = None
    ) -> Ticket:
        """Record the customer's confirmation and close the ticket (again: nothing happens).

        Raises:
            AccessDeniedError: ``actor`` is not the customer (or a system actor for them).
            InvalidTransitionError: The ticket is not resolved.
        """
        return self._answer(ticket_id, actor, comment, confirm=True).ticket

    def reject_resolution(
        self, ticket_id: str, *, actor: Actor, comment: str | None = None
    ) -> ReplyOutcome:
        """Record that the customer says the work is not done: the ticket reopens.

        Past the reopen window the resolved ticket stays, and a follow-up is opened instead.

        Raises:
            InvalidTransitionError: The ticket is not resolved.
        """
        return self._answer(ticket_id, actor, comment, confirm=False)

    def _answer(
        self, ticket_id: str, actor: Actor, comment: str | None, *, confirm: bool
    ) -> ReplyOutcome:
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        check_optional_text("comment", comment)
        policy = self._resolution
        given = ticketflow.resolution.ResolutionAnswer
        decided: list[ReplyAction] = []

        def decide(draft: Draft) -> None:
            since = _decide.resolved_at(draft, policy)
            decided.append(
                _decide.answer(
                    draft,
                    policy,
                    given.CONFIRMED if confirm else given.REJECTED,
                    comment=comment,
                    resolved_since=since,
                )
            )

        command = "confirm_resolution" if confirm else "reject_resolution"
        after = self.execute(ticket_id, decide, actor=actor, command=command)
        outcome = self._outcome(
            decided[-1], after, comment or "The customer rejected the resolution."
        )
        follow_up = outcome.follow_up
        if follow_up is None:
            return outcome
        # Past the window: the rejection is recorded on the resolved ticket too, naming its
        # follow-up, so the same rejection again is refused rather than opening another.
        after = self.execute(
            ticket_id,
            lambda d: _decide.record_rejection(d, comment, follow_up),
            actor=actor,
            command=command,
        )
        return ticketflow.resolution.ReplyOutcome(outcome.action, after, follow_up)

    def close(self, ticket_id: str, *, actor: Actor, reason: str | None = None) -> Ticket:
        """Close a resolved internal ticket (external work closes on the customer's word).

        Raises:
            ConfirmationRequiredError: The work is external-facing.
            InvalidTransitionError: The ticket is not resolved.
        """
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        check_optional_text("reason", reason)
        policy = self._resolution
        return self.execute(
            ticket_id,
            lambda d: _decide.close(d, policy, reason=reason or "closed", actor=None),
            actor=actor,
            command="transition",
        )

    def reply(
        self, ticket_id: str, body: str, *, actor: Actor, expected_version: int | None = None
    ) -> ReplyOutcome:
        """Record a customer's reply by the reply rules: comment, resume, reopen or follow up.

        ``actor`` is the customer, or a system actor relaying their reply (the comment is then
        the requester's).

        Raises:
            InvalidValueError: An empty body.
        """
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        check_text("body", body, empty=False)
        comment_id = check_name("ids()", self._ids())
        policy = self._resolution
        decided: list[ReplyAction] = []

        def decide(draft: Draft) -> None:
            author = draft.actor
            if author.role is not Role.CUSTOMER:
                author = Actor.customer(draft.ticket.requester.email)
            decided.append(_decide.reply(draft, policy, body, author=author, comment_id=comment_id))

        after = self.execute(
            ticket_id, decide, actor=actor, command="reply", expected_version=expected_version
        )
        return self._outcome(decided[-1], after, body)

    def _customer_reply(
        self, ticket_id: str, body: str, actor: Actor, expected_version: int | None
    ) -> Ticket:
        outcome = self.reply(ticket_id, body, actor=actor, expected_version=expected_version)
        return outcome.ticket if outcome.follow_up is None else outcome.follow_up

    def _outcome(self, action: ReplyAction, ticket: Ticket, body: str) -> ReplyOutcome:
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        outcome = ticketflow.resolution.ReplyOutcome
        if action is not ticketflow.resolution.ReplyAction.FOLLOW_UP:
            return outcome(action, ticket)
        new = _decide.follow_up(ticket, body)
        created = self.submit(new, actor=_decide.RESOLUTION_ACTOR)
        return outcome(action, ticket, created)

    def record_csat(
        self,
        ticket_id: str,
        score: int,
        comment: str | None,
        response_id: str,
        *,
        actor: Actor | None = None,
    ) -> Ticket:
        """Record a satisfaction score from 1 to 5, once per ``response_id``.

        Args:
            ticket_id: The ticket the survey was about.
            score: 1 (very unhappy) to 5 (very happy).
            comment: What the customer wrote, if anything.
            response_id: The survey response's id: a response recorded already changes nothing.
            actor: Who records it (default: a system actor for the survey).

        Raises:
            InvalidValueError: A score outside 1 to 5, or an empty response id.
        """
        from .resolution import _decide  # noqa: PLC0415 - loaded on first use

        check_int("score", score, minimum=1, maximum=5)
        check_optional_text("comment", comment)
        check_name("response_id", response_id)
        return self.execute(
            ticket_id,
            lambda d: _decide.record_csat(d, score=score, comment=comment, response_id=response_id),
            actor=Actor.system("csat") if actor is None else actor,
            command="record_csat",
        )
