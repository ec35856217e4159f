"""The pure decisions behind the Desk's resolution commands: each records on a draft."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from .._actors import Actor, Role
from .._draft import Draft
from .._events import (
    EVENT_TYPES,
    CommentAdded,
    CsatRecorded,
    ResolutionAnswered,
    ResolutionRecorded,
    SuggestionReviewed,
    TicketEvent,
    TicketTransitioned,
)
from .._resolution import Resolution, ResolutionAnswer, ResolutionSource
from .._ticket import Channel, NewTicket, Ticket, TicketLinks
from .._values import check_optional_text
from ..exceptions import (
    DoneCriteriaNotMetError,
    InvalidTransitionError,
    InvalidValueError,
)
from ._criteria import DoneContext, failures_of
from ._policy import ResolutionPolicy
from ._replies import ReplyAction

__all__ = [
    "RESOLUTION_ACTOR",
    "answer",
    "close",
    "follow_up",
    "record_csat",
    "record_rejection",
    "reply",
    "resolve",
    "resolved_at",
    "review",
]

RESOLUTION_ACTOR: Final = Actor.system("resolution")
"""The actor that applies resolution rules: closes on confirmation, reopens on replies."""

_SUBJECT_LENGTH: Final = 200


def _for_customer(draft: Draft) -> Actor | None:
    # A customer's answer moves the ticket through the policy: the workflow lets staff, not
    # customers or AI, take its edges, and the journal says whose answer it was.
    return RESOLUTION_ACTOR if draft.actor.role in (Role.CUSTOMER, Role.AI) else None


def resolve(draft: Draft, policy: ResolutionPolicy, resolution: Resolution) -> None:
    """Judge ``resolution`` by the definition of done; resolve, or keep an AI's suggestion.

    Raises:
        InvalidValueError: ``resolution`` is not a Resolution, or an AI actor's resolution
            does not say it comes from an AI.
        InvalidTransitionError: The ticket cannot move to ``resolved`` from its status.
        DoneCriteriaNotMetError: A criterion failed; every failure is listed.
    """
    if type(resolution) is not Resolution:
        raise InvalidValueError("resolution", resolution, "must be a Resolution")
    if draft.actor.role is Role.AI and resolution.source is not ResolutionSource.AI:
        raise InvalidValueError("resolution.source", resolution.source, "an AI proposes as ai")
    _judge_and_record(draft, policy, resolution, review=None)


def _judge_and_record(
    draft: Draft, policy: ResolutionPolicy, resolution: Resolution, review: str | None
) -> None:
    ticket = draft.ticket
    if not draft.workflow.can(ticket.status, policy.resolved):
        raise InvalidTransitionError(ticket.id, ticket.status, policy.resolved)
    verdicts = policy.criteria.evaluate(DoneContext(ticket, resolution, draft.history))
    failures = failures_of(verdicts)
    if failures:
        raise DoneCriteriaNotMetError(ticket.id, failures)
    ai = resolution.source is ResolutionSource.AI
    confidence = resolution.confidence or 0.0
    suggested = (
        review is None and ai and (policy.ai_threshold is None or confidence < policy.ai_threshold)
    )
    draft.record(ResolutionRecorded, resolution=resolution, verdicts=verdicts, suggested=suggested)
    if suggested:
        return
    if review is not None:
        reason = review
    elif ai:
        reason = (
            f"an AI's resolution at confidence {confidence:.2f} (threshold {policy.ai_threshold})"
        )
    else:
        reason = f"resolved: {resolution.code}"
    draft.transition(policy.resolved, reason=reason, actor=_for_customer(draft))


def pending_suggestion(history: Sequence[TicketEvent]) -> ResolutionRecorded | None:
    """Return the AI suggestion awaiting review, if any: the last, unless reviewed or overtaken.

    A suggestion is overtaken by any later resolution or status change.

    Raises:
        InvalidValueError: ``history`` is not a sequence of events.
    """
    given: object = history
    if isinstance(given, str | bytes) or not isinstance(given, Sequence):
        raise InvalidValueError("history", given, "must be a sequence of ticket events")
    for event in reversed(history):
        if type(event) not in EVENT_TYPES:
            raise InvalidValueError("history", event, "must hold ticket events only")
        if type(event) is ResolutionRecorded:
            return event if event.suggested else None
        if type(event) in (SuggestionReviewed, TicketTransitioned):
            return None
    return None


def review(draft: Draft, policy: ResolutionPolicy, *, accept: bool, reason: str | None) -> None:
    """Accept (resolving, if it still passes every criterion) or reject the AI's suggestion.

    Raises:
        InvalidValueError: The ticket has no suggestion awaiting review.
        DoneCriteriaNotMetError: Accepted, but the suggestion no longer passes.
    """
    if type(accept) is not bool:
        raise InvalidValueError("accept", accept, "must be True or False")
    check_optional_text("reason", reason)
    suggestion = pending_suggestion(draft.history())
    if suggestion is None:
        raise InvalidValueError(
            "ticket_id", draft.ticket.id, "has no AI suggestion awaiting review"
        )
    draft.record(SuggestionReviewed, suggestion=suggestion.version, accepted=accept, reason=reason)
    if accept:
        who = f"{draft.actor.role.value} {draft.actor.id}"
        _judge_and_record(
            draft, policy, suggestion.resolution, review=f"an AI's suggestion accepted by {who}"
        )


def close(draft: Draft, policy: ResolutionPolicy, *, reason: str, actor: Actor | None) -> None:
    """Move the ticket to ``closed`` (the policy asks for a CSAT score on commit)."""
    draft.transition(policy.closed, reason=reason, actor=actor)


def answer(
    draft: Draft,
    policy: ResolutionPolicy,
    given: ResolutionAnswer,
    *,
    comment: str | None,
    resolved_since: datetime | None,
) -> ReplyAction:
    """Record the customer's answer: a confirmation closes, a rejection reopens.

    A rejection past the reopen window records nothing and returns
    :attr:`~ReplyAction.FOLLOW_UP` (the caller opens the follow-up ticket).

    Raises:
        InvalidTransitionError: The ticket is not resolved.
    """
    ticket = draft.ticket
    check_optional_text("comment", comment)
    if given is ResolutionAnswer.CONFIRMED and ticket.status == policy.closed:
        return ReplyAction.COMMENT  # confirmed twice (a second click): nothing more to do
    target = policy.closed if given is ResolutionAnswer.CONFIRMED else policy.replies.working
    if ticket.status != policy.resolved:
        raise InvalidTransitionError(ticket.id, ticket.status, target)
    if given is ResolutionAnswer.CONFIRMED:
        draft.record(ResolutionAnswered, answer=given, comment=comment)
        close(draft, policy, reason="confirmed by the customer", actor=_for_customer(draft))
        return ReplyAction.COMMENT
    if _rejected_since_resolved(draft.history(), policy):
        raise InvalidValueError(
            "ticket_id", ticket.id, "its resolution was rejected already: a follow-up carries it"
        )
    if resolved_since is not None and draft.at - resolved_since > policy.replies.reopen_window:
        return ReplyAction.FOLLOW_UP
    draft.record(ResolutionAnswered, answer=given, comment=comment)
    draft.transition(
        target, reason="the customer rejected the resolution", actor=_for_customer(draft)
    )
    return ReplyAction.REOPEN


def _rejected_since_resolved(history: Sequence[TicketEvent], policy: ResolutionPolicy) -> bool:
    for event in reversed(history):
        if type(event) is ResolutionAnswered and event.answer is ResolutionAnswer.REJECTED:
            return True
        if type(event) is TicketTransitioned and event.target == policy.resolved:
            return False
    return False


def record_rejection(draft: Draft, comment: str | None, follow_up: Ticket) -> None:
    """Record a rejection past the reopen window, naming the follow-up that carries the work."""
    note = f"Rejected after the reopen window: the follow-up {follow_up.reference} carries it."
    text = note if comment is None else f"{comment}\n\n{note}"
    draft.record(ResolutionAnswered, answer=ResolutionAnswer.REJECTED, comment=text)


def auto_close(draft: Draft, policy: ResolutionPolicy, name: str, days: int, actor: Actor) -> None:
    """Close a resolved ticket nobody answered, naming the policy."""
    draft.record(ResolutionAnswered, answer=ResolutionAnswer.AUTO_CLOSED, policy=name, actor=actor)
    close(
        draft,
        policy,
        reason=f"closed by the {name} policy: no answer within {days} business days",
        actor=actor,
    )


def resolved_at(draft: Draft, policy: ResolutionPolicy) -> datetime | None:
    """Return when the drafted ticket was last moved to ``resolved``, if it is resolved now."""
    if draft.ticket.status != policy.resolved:
        return None
    for event in reversed([*draft.history(), *draft.events]):
        if type(event) is TicketTransitioned and event.target == policy.resolved:
            return event.at
    return None


def reply(
    draft: Draft, policy: ResolutionPolicy, body: str, *, author: Actor, comment_id: str
) -> ReplyAction:
    """Record a customer's reply by the policy's reply rules; return what it did.

    For :attr:`~ReplyAction.FOLLOW_UP` nothing is recorded: the caller opens the follow-up
    (:func:`follow_up`).
    """
    action = policy.replies.decide(
        draft.ticket,
        body,
        at=draft.at,
        resolved_at=resolved_at(draft, policy),
        terminal=draft.workflow.terminal,
    )
    if action is ReplyAction.FOLLOW_UP:
        return action
    draft.record(CommentAdded, comment_id=comment_id, body=body, public=True, actor=author)
    if action is ReplyAction.RESUME:
        draft.transition(
            policy.replies.working, reason="the customer replied", actor=RESOLUTION_ACTOR
        )
    elif action is ReplyAction.REOPEN:
        draft.transition(
            policy.replies.working,
            reason="reopened by the customer's reply",
            actor=RESOLUTION_ACTOR,
        )
    return action


def follow_up(ticket: Ticket, body: str, channel: Channel | None = None) -> NewTicket:
    """Return the follow-up of ``ticket``: same requester, kind and category, linked to it."""
    subject = f"Follow-up to {ticket.reference}: {ticket.subject}"
    if len(subject) > _SUBJECT_LENGTH:
        subject = subject[: _SUBJECT_LENGTH - 3] + "..."
    return NewTicket(
        subject=subject,
        requester=ticket.requester,
        description=body,
        kind=ticket.kind,
        channel=ticket.channel if channel is None else channel,
        category=ticket.category,
        links=TicketLinks(follow_up_of=ticket.id),
    )


def record_csat(draft: Draft, *, score: int, comment: str | None, response_id: str) -> None:
    """Record a 1-5 score once per response id (a repeated response changes nothing)."""
    for event in draft.history():
        if type(event) is CsatRecorded and event.response_id == response_id:
            return
    draft.record(CsatRecorded, score=score, comment=comment, response_id=response_id)
