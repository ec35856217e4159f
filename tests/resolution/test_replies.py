"""Customer replies: the thank-you classifier, the reply rules, and replies through the desk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _resolution_desks import (
    AGENT,
    ALICE,
    RELAY,
    T0,
    at_work,
    desk_on,
    each_store,  # noqa: F401 - the fixture `store`
    resolved,
)

from ticketflow import (
    Actor,
    CommentAdded,
    Desk,
    Requester,
    SlaMetric,
    Ticket,
    TicketTransitioned,
    from_json,
    to_json,
)
from ticketflow.exceptions import AccessDeniedError, InvalidValueError, TicketNotFoundError
from ticketflow.resolution import (
    DEFAULT_THANKS,
    ReplyAction,
    ReplyRules,
    ResolutionPolicy,
    ThanksClassifier,
)
from ticketflow.resolution._decide import RESOLUTION_ACTOR
from ticketflow.sla import BusinessCalendar, ClockState, SlaPolicy
from ticketflow.storage import TicketStore

# -- the thank-you classifier ----------------------------------------------------------------------

THANKS = [
    "thanks",
    "Thanks!",
    "THANK YOU!!!",
    "thank you so much",
    "Thank you very much for your help.",
    "Thanks a lot, works now 👍",
    "thx",
    "ty!",
    "Many thanks 🙏",
    "Cheers!",
    "much appreciated",
    "  thanks\n\n",
    "Hi, thanks again, best regards",
    "ok thanks",
    "perfect, thank you!",
    "Danke!",
    "Danke schön",
    "danke schon",
    "Vielen Dank!",
    "Danke sehr",
    "Merci !",
    "Merci beaucoup 😊",
    "merci bien",
    "¡Gracias!",
    "Muchas gracias",
    "gracias de nada",
    "Grazie mille",
    "Obrigado!",
    "obrigada",
    "Dank je wel",
    "Bedankt!",
    "Tack!",
    "Kiitos",
    "Dziękuję!",
    "thanks, thanks, thanks",
    "\uff34\uff28\uff21\uff2e\uff2b\uff33",  # THANKS in full-width letters folds to plain
]
NOT_THANKS = [
    "",
    "   ",
    "👍",
    "ok",
    "thanks but it still fails",
    "Thanks, but the parcel has not arrived",
    "thank you, one more question: can I change the address?",
    "Danke, aber es geht immer noch nicht",
    "Merci, mais ça ne marche pas",
    "Gracias, pero sigue sin funcionar",
    "no thanks",
    "thanks?" + " why was it closed",
    "It still does not work",
    "the order 12345 thanks",
    "thanks " + "very " * 60,  # long: more than a thank-you
    "Thanks!\n\n" + "x" * 300,
    "thank",
]


@pytest.mark.parametrize("text", THANKS)
def test_a_thank_you_is_recognized(text: str) -> None:
    assert ThanksClassifier().is_thanks(text)


@pytest.mark.parametrize("text", NOT_THANKS)
def test_a_reply_that_says_more_is_no_thank_you(text: str) -> None:
    assert not ThanksClassifier().is_thanks(text)


def test_the_corpus_is_large_enough() -> None:
    assert len(THANKS) + len(NOT_THANKS) >= 30


def test_custom_phrases_replace_the_defaults() -> None:
    classifier = ThanksClassifier(["tusen takk", "спасибо"])
    assert classifier.is_thanks("Tusen takk!")
    assert classifier.is_thanks("Спасибо!")
    assert not classifier.is_thanks("thanks")


def test_the_default_phrases_are_the_default() -> None:
    assert ThanksClassifier() == ThanksClassifier(DEFAULT_THANKS)


@pytest.mark.parametrize("bad", [[], "thanks", b"thanks", [""], ["!!!"], ["x" * 101], [1], None])
def test_bad_phrases_are_refused(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        ThanksClassifier(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 1, b"thanks", ["thanks"]])
def test_is_thanks_refuses_what_is_not_text(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        ThanksClassifier().is_thanks(bad)  # type: ignore[arg-type]


# -- the reply rules -------------------------------------------------------------------------------

WINDOW = timedelta(days=7)
RULES = ReplyRules(reopen_window=WINDOW)
TERMINAL = ("closed",)


def in_status(status: str) -> Ticket:
    return Ticket(
        id="T1",
        number=1,
        subject="parcel late",
        requester=Requester("alice@example.com"),
        created_at=T0,
        updated_at=T0,
        status=status,
    )


@pytest.mark.parametrize(
    ("status", "body", "after", "action"),
    [
        ("pending_customer", "here is the order number", timedelta(days=1), ReplyAction.RESUME),
        ("pending_customer", "thanks", timedelta(days=1), ReplyAction.RESUME),
        ("resolved", "thanks!", timedelta(days=1), ReplyAction.COMMENT),
        ("resolved", "thanks!", timedelta(days=30), ReplyAction.COMMENT),
        ("resolved", "still broken", timedelta(days=1), ReplyAction.REOPEN),
        ("resolved", "still broken", WINDOW, ReplyAction.REOPEN),
        ("resolved", "still broken", WINDOW + timedelta(seconds=1), ReplyAction.FOLLOW_UP),
        ("closed", "still broken", timedelta(hours=1), ReplyAction.FOLLOW_UP),
        ("closed", "thank you", timedelta(hours=1), ReplyAction.COMMENT),
        ("in_progress", "any news?", timedelta(hours=1), ReplyAction.COMMENT),
        ("new", "more detail", timedelta(hours=1), ReplyAction.COMMENT),
        ("triaged", "thanks", timedelta(hours=1), ReplyAction.COMMENT),
    ],
)
def test_the_reply_rules(status: str, body: str, after: timedelta, action: ReplyAction) -> None:
    decided = RULES.decide(
        in_status(status), body, at=T0 + after, resolved_at=T0, terminal=TERMINAL
    )
    assert decided is action


def test_resolved_without_a_known_resolution_instant_reopens() -> None:
    decided = RULES.decide(
        in_status("resolved"), "broken", at=T0, resolved_at=None, terminal=TERMINAL
    )
    assert decided is ReplyAction.REOPEN


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(days=-1), 7, None])
def test_the_reopen_window_must_be_positive(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        ReplyRules(reopen_window=bad)  # type: ignore[arg-type]


def test_decide_refuses_a_naive_instant() -> None:
    with pytest.raises(InvalidValueError):
        RULES.decide(
            in_status("resolved"),
            "x",
            at=T0.replace(tzinfo=None),
            resolved_at=T0,
            terminal=TERMINAL,
        )


# -- replies through the desk ----------------------------------------------------------------------


def _last_comment(store: TicketStore, ticket_id: str) -> CommentAdded:
    comments = [e for e in store.journal(ticket_id) if isinstance(e, CommentAdded)]
    return comments[-1]


@pytest.mark.parametrize("replier", [ALICE, RELAY], ids=str)
def test_a_reply_while_waiting_on_the_customer_resumes_work(
    store: TicketStore, replier: Actor
) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk, status="pending_customer")
    outcome = desk.reply(ticket.id, "the order is 12345", actor=replier)
    assert outcome.action is ReplyAction.RESUME
    assert outcome.ticket.status == "in_progress"
    assert outcome.ticket.reopen_count == 0
    comment = _last_comment(store, ticket.id)
    assert comment.actor == ALICE, "the requester's comment, whoever relays it"
    assert comment.body == "the order is 12345"
    assert comment.public
    moved = desk.history(ticket.id)[-1]
    assert isinstance(moved, TicketTransitioned)
    assert (moved.source, moved.target, moved.actor) == (
        "pending_customer",
        "in_progress",
        RESOLUTION_ACTOR,
    )


def _resolution_clock(desk: Desk, ticket_id: str) -> ClockState:
    reading = desk.sla_state(ticket_id).reading(SlaMetric.RESOLUTION)
    assert reading is not None
    return reading.state


def test_a_reply_resumes_the_paused_sla_clock(store: TicketStore) -> None:
    sla = SlaPolicy.by_priority({"P2": timedelta(hours=8)}, calendar=BusinessCalendar.always())
    desk, clock = desk_on(store, sla=sla)
    ticket = at_work(desk, status="in_progress")
    desk.prioritize(ticket.id, priority="P2", actor=AGENT)
    desk.transition(ticket.id, "pending_customer", actor=AGENT)
    clock.advance(timedelta(hours=1))
    assert _resolution_clock(desk, ticket.id) is ClockState.PAUSED
    desk.reply(ticket.id, "here you go", actor=ALICE)
    assert _resolution_clock(desk, ticket.id) is ClockState.RUNNING


def test_a_thank_you_to_a_resolved_ticket_is_only_a_comment(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = resolved(desk)
    outcome = desk.reply(ticket.id, "Thanks so much!", actor=ALICE)
    assert outcome.action is ReplyAction.COMMENT
    assert outcome.follow_up is None
    assert outcome.ticket.status == "resolved"
    assert outcome.ticket.version == ticket.version + 1
    assert _last_comment(store, ticket.id).body == "Thanks so much!"


def test_a_reply_within_the_window_reopens(store: TicketStore) -> None:
    desk, clock = desk_on(store, ResolutionPolicy(replies=ReplyRules(reopen_window=WINDOW)))
    ticket = resolved(desk)
    clock.advance(WINDOW)
    outcome = desk.reply(ticket.id, "still late", actor=RELAY)
    assert outcome.action is ReplyAction.REOPEN
    assert outcome.ticket.status == "in_progress"
    assert outcome.ticket.reopen_count == 1
    assert _last_comment(store, ticket.id).actor == ALICE
    moved = desk.history(ticket.id)[-1]
    assert isinstance(moved, TicketTransitioned)
    assert moved.reopen


def test_a_reply_after_the_window_opens_a_follow_up(store: TicketStore) -> None:
    desk, clock = desk_on(store, ResolutionPolicy(replies=ReplyRules(reopen_window=WINDOW)))
    ticket = resolved(desk, category="delivery")
    clock.advance(WINDOW + timedelta(minutes=1))
    outcome = desk.reply(ticket.id, "it is late again", actor=ALICE)
    assert outcome.action is ReplyAction.FOLLOW_UP
    assert outcome.ticket == desk.get(ticket.id) == ticket
    new = outcome.follow_up
    assert new is not None
    assert new.links.follow_up_of == ticket.id
    assert (new.requester, new.category, new.description) == (
        ticket.requester,
        "delivery",
        "it is late again",
    )
    assert ticket.reference in new.subject


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = desk.confirm_resolution(resolved(desk, category="billing").id, actor=ALICE)
    outcome = desk.reply(ticket.id, "charged twice now", actor=ALICE)
    assert outcome.action is ReplyAction.FOLLOW_UP
    assert outcome.ticket == desk.get(ticket.id) == ticket
    assert outcome.follow_up is not None
    assert outcome.follow_up.links.follow_up_of == ticket.id
    assert outcome.follow_up.category == "billing"
    assert outcome.follow_up.requester == ticket.requester


def test_a_thank_you_to_a_closed_ticket_is_only_a_comment(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = desk.confirm_resolution(resolved(desk).id, actor=ALICE)
    outcome = desk.reply(ticket.id, "Merci beaucoup !", actor=ALICE)
    assert outcome.action is ReplyAction.COMMENT
    assert outcome.follow_up is None
    assert outcome.ticket.status == "closed"
    assert _last_comment(store, ticket.id).body == "Merci beaucoup !"


def test_a_reply_to_work_in_progress_is_a_comment(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    outcome = desk.reply(ticket.id, "any news?", actor=ALICE)
    assert outcome.action is ReplyAction.COMMENT
    assert outcome.ticket.status == "in_progress"
    assert outcome.ticket.version == ticket.version + 1


def test_replies_are_for_the_customer_or_a_relay(store: TicketStore) -> None:
    desk, _ = desk_on(store)
    ticket = at_work(desk)
    with pytest.raises(AccessDeniedError):
        desk.reply(ticket.id, "from an agent", actor=AGENT)
    with pytest.raises(TicketNotFoundError):
        desk.reply(ticket.id, "from someone else", actor=Actor.customer("mallory@example.com"))
    with pytest.raises(InvalidValueError):
        desk.reply(ticket.id, "   ", actor=ALICE)
    assert desk.get(ticket.id) == ticket


@pytest.mark.parametrize(
    "value", [ThanksClassifier(), ReplyRules()], ids=lambda value: type(value).__name__
)
def test_the_reply_rules_read_back_from_json(value: object) -> None:
    assert from_json(to_json(value), type(value)) == value
