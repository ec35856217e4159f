"""The kit's state machine: the store under test and the reference store, side by side.

Every step applies the same random commit, read, query, due query or claim, outbox,
dead-letter or feed operation to both and asserts that they answer alike; a failure names the step
(``stateful.<rule>``). Feed cursors name their store, so each store's reader follows its own
cursor and the two must read the same events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .._events import CommentAdded, FieldsChanged, TicketAssigned, TicketEvent, header
from .._fields import FieldValue
from .._journal import apply, replay
from .._status import TicketStatus
from .._ticket import Ticket
from .._workflow import DEFAULT_WORKFLOW, transition
from ..exceptions import (
    ConflictError,
    IntakeProblem,
    InvalidValueError,
    RecordNotFoundError,
    TicketNotFoundError,
)
from ..storage import (
    Change,
    DeadLetter,
    DeadLetterStore,
    DueClaims,
    EventFeed,
    FeedCursor,
    InMemoryTicketStore,
    IntakeStore,
    LeasedMessage,
    RejectedIntake,
    SimilarityKeys,
    TicketQuery,
    TicketStore,
)
from ._failures import reported_as
from ._feed_checks import listed, read_to_the_end
from ._store_checks import BOB, QUEUES, T0, all_pages, created, message

__all__ = ["compare_with_the_reference"]

# Lookalike values (1, 1.0, True, "1") so that a store which compares field values loosely
# answers a query differently from the reference.
_CARRIERS: tuple[FieldValue, ...] = ("ACME", "Speedy", 1, 1.0, True, "1")
_step = reported_as("check_ticket_store", "stateful.")
# A few claim keys and texts, so that commits collide on them.
_CLAIMS = ("message-id:<a@x>", "message-id:<b@x>", "idempotency:k")
_TEXTS = (
    "the parcel for order 42 never arrived at the warehouse",
    "the parcel for order 42 never arrived at the warehouse today",
    "invoice 7 shows the wrong tax rate for austria",
)
_KEYS: dict[str, SimilarityKeys] = {}


def _keys(text: str) -> SimilarityKeys:
    if text not in _KEYS:
        from ..intake import SimilaritySpec  # noqa: PLC0415 - only intake stores need it

        _KEYS[text] = SimilaritySpec().keys(text)
    return _KEYS[text]


def _candidates(store: IntakeStore, band_keys: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    return {ticket_id: tuple(sketch) for ticket_id, sketch in store.candidates(band_keys).items()}


def _intake_of(store: TicketStore) -> IntakeStore:
    assert isinstance(store, IntakeStore)
    return store


def _dead_letters_of(store: TicketStore) -> DeadLetterStore:
    assert isinstance(store, DeadLetterStore)
    return store


def _due_claims_of(store: TicketStore) -> DueClaims:
    assert isinstance(store, DueClaims)
    return store


def _feed_of(store: TicketStore) -> EventFeed:
    assert isinstance(store, EventFeed)
    return store


class _StoreComparison(RuleBasedStateMachine):
    make_store: Callable[[], TicketStore]

    def __init__(self) -> None:
        super().__init__()
        self.model = InMemoryTicketStore()
        self.store = type(self).make_store()
        self.now = T0
        self.leases: list[tuple[LeasedMessage, LeasedMessage]] = []
        self.intake = isinstance(self.store, IntakeStore)
        self.dead_letters = isinstance(self.store, DeadLetterStore)
        self.due_claims = isinstance(self.store, DueClaims)
        self.feed = isinstance(self.store, EventFeed)
        self.cursors: list[FeedCursor | None] = [None, None]  # the model's, the store's

    def teardown(self) -> None:
        close = getattr(self.store, "close", None)
        if callable(close):
            close()

    def _both(self, call: Callable[[TicketStore], Any]) -> Any:  # noqa: ANN401
        outcomes = []
        for store in (self.model, self.store):
            try:
                outcomes.append(("ok", call(store)))
            except (
                ConflictError,
                TicketNotFoundError,
                RecordNotFoundError,
                InvalidValueError,
            ) as error:
                outcomes.append(("error", type(error).__name__))
        assert outcomes[0] == outcomes[1], f"model {outcomes[0]!r} != store {outcomes[1]!r}"
        return outcomes[1][1]

    def _ids(self) -> list[str]:
        return all_pages(self.model, TicketQuery(limit=1000))

    @initialize()
    @_step
    def start(self) -> None:
        self._both(lambda s: s.commit(created(1)))

    @rule(queue=st.sampled_from((None, *QUEUES)), minutes=st.integers(0, 90))
    @_step
    def create(self, queue: str | None, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        number = len(self._ids()) + 1
        self._both(lambda s: s.commit(created(number, queue=queue, at=self.now)))

    @rule(data=st.data(), stale=st.booleans(), due=st.none() | st.integers(0, 600))
    @_step
    def change(self, data: st.DataObject, stale: bool, due: int | None) -> None:
        ticket = self.model.get(data.draw(st.sampled_from(self._ids())))
        if stale and ticket.version > 1:
            # Decide on the previous version, as a writer that read before the last commit.
            ticket = replay(list(self.model.journal(ticket.id))[:-1])
        self.now += timedelta(minutes=1)
        kind = data.draw(st.sampled_from(("move", "assign", "fields", "comment")))
        event: TicketEvent
        if kind == "move" and DEFAULT_WORKFLOW.edges[ticket.status]:
            target = data.draw(st.sampled_from(sorted(DEFAULT_WORKFLOW.edges[ticket.status])))
            after, event = transition(ticket, target, actor=BOB, at=self.now)
        else:
            common = header(ticket.id, ticket.version + 1, self.now, BOB)
            if kind == "assign":
                event = TicketAssigned(
                    **common,
                    queue=data.draw(st.sampled_from(QUEUES)),
                    assignee=data.draw(st.sampled_from((None, "ann"))),
                )
            elif kind == "fields":
                carrier = data.draw(st.sampled_from((None, *_CARRIERS)))
                event = FieldsChanged(**common, changes={"carrier": carrier})
            else:
                event = CommentAdded(**common, comment_id="c", body="b", public=True)
            after = apply(ticket, event)
        due_at = None if due is None else T0 + timedelta(minutes=due)
        extra: dict[str, Any] = {}
        if self.intake:
            extra["claims"] = data.draw(st.lists(st.sampled_from(_CLAIMS), max_size=2, unique=True))
            text = data.draw(st.none() | st.sampled_from(_TEXTS))
            extra["similarity"] = None if text is None else _keys(text)
            extra["unindex"] = text is None and data.draw(st.booleans())
        change = Change(
            ticket=after,
            events=(event,),
            expected_version=ticket.version,
            outbox=(message(event),),
            due_at=due_at,
            **extra,
        )
        self._both(lambda s: s.commit(change))

    @precondition(lambda self: self.intake)
    @rule(claims=st.lists(st.sampled_from(_CLAIMS), max_size=2, unique=True))
    @_step
    def create_claiming(self, claims: list[str]) -> None:
        number = len(self._ids()) + 1
        change = attrs.evolve(created(number, at=self.now), claims=claims)
        self._both(lambda s: s.commit(change))

    @precondition(lambda self: self.intake)
    @rule()
    @_step
    def claims_and_candidates(self) -> None:
        self._both(lambda s: [_intake_of(s).claimant(key) for key in _CLAIMS])
        bands = [_keys(text).band_keys for text in _TEXTS]
        self._both(lambda s: [_candidates(_intake_of(s), keys) for keys in bands])

    @precondition(lambda self: self.intake)
    @rule(number=st.integers(1, 4), raw=st.binary(max_size=8))
    @_step
    def keep_rejected(self, number: int, raw: bytes) -> None:
        self.now += timedelta(seconds=1)
        record = RejectedIntake(
            id=f"R{number}",
            channel="email",
            received_at=self.now,
            raw=raw,
            problems=(IntakeProblem("$", "automatic", "auto-replied"),),
        )
        self._both(lambda s: _intake_of(s).keep_rejected(record))

    @precondition(lambda self: self.intake)
    @rule(
        number=st.integers(1, 4),
        ticket=st.none() | st.just("T1"),
        pending=st.booleans(),
        after=st.none() | st.integers(1, 4),
        limit=st.integers(0, 3),
    )
    @_step
    def settle_and_list_rejected(
        self, number: int, ticket: str | None, pending: bool, after: int | None, limit: int
    ) -> None:
        self._both(
            lambda s: _intake_of(s).settle_rejected(f"R{number}", at=self.now, ticket_id=ticket)
        )
        cursor = None if after is None else f"R{after}"
        self._both(
            lambda s: list(_intake_of(s).rejected(pending=pending, after=cursor, limit=limit))
        )
        self._both(lambda s: _intake_of(s).get_rejected(f"R{number}"))

    @rule(data=st.data())
    @_step
    def read(self, data: st.DataObject) -> None:
        ticket_id = data.draw(st.sampled_from([*self._ids(), "missing"]))
        after = data.draw(st.integers(0, 4))
        self._both(lambda s: s.get(ticket_id))
        self._both(lambda s: list(s.journal(ticket_id, after_version=after)))

    @rule(number=st.integers(0, 30))
    @_step
    def read_by_number(self, number: int) -> None:
        self._both(lambda s: s.get_by_number(number))

    @rule(
        status=st.none() | st.sampled_from(list(TicketStatus)),
        queue=st.none() | st.sampled_from(QUEUES),
        assignee=st.none() | st.just("ann"),
        carrier=st.none() | st.sampled_from(_CARRIERS),
        limit=st.integers(1, 5),
    )
    @_step
    def query(
        self,
        status: str | None,
        queue: str | None,
        assignee: str | None,
        carrier: FieldValue | None,
        limit: int,
    ) -> None:
        fields = {} if carrier is None else {"carrier": carrier}
        query = TicketQuery(
            status=status, queue=queue, assignee=assignee, fields=fields, limit=limit
        )
        self._both(lambda s: all_pages(s, query))
        self._both(lambda s: s.query(query))

    @rule(minutes=st.integers(0, 700), limit=st.integers(1, 5))
    @_step
    def due(self, minutes: int, limit: int) -> None:
        self._both(lambda s: list(s.due(T0 + timedelta(minutes=minutes), limit=limit)))

    @precondition(lambda self: self.due_claims)
    @rule(minutes=st.integers(0, 700), lease=st.integers(1, 300), limit=st.integers(0, 4))
    @_step
    def claim_due(self, minutes: int, lease: int, limit: int) -> None:
        # Claims at times that go back as well as forth: a lease is live or lapsed by the
        # claim's own instant, in both stores.
        at, span = T0 + timedelta(minutes=minutes), timedelta(minutes=lease)
        self._both(
            lambda s: list(_due_claims_of(s).claim_due(at, worker="w", lease=span, limit=limit))
        )

    @rule(limit=st.integers(1, 4), advance=st.integers(0, 120))
    @_step
    def claim(self, limit: int, advance: int) -> None:
        self.now += timedelta(seconds=advance)
        lease = timedelta(seconds=60)
        mine = self.model.claim_outbox(worker="m", now=self.now, lease=lease, limit=limit)
        theirs = self.store.claim_outbox(worker="s", now=self.now, lease=lease, limit=limit)
        summary = [(m.message, m.attempts, m.lease_until) for m in mine]
        assert summary == [(m.message, m.attempts, m.lease_until) for m in theirs], (
            f"model claimed {summary!r}, store claimed {theirs!r}"
        )
        self.leases.extend(zip(mine, theirs, strict=True))

    @precondition(lambda self: bool(self.leases))
    @rule(data=st.data(), ack=st.booleans(), delay=st.integers(0, 300))
    @_step
    def settle(self, data: st.DataObject, ack: bool, delay: int) -> None:
        mine, theirs = self.leases.pop(data.draw(st.integers(0, len(self.leases) - 1)))
        if ack:
            verdicts = (self.model.ack_outbox(mine), self.store.ack_outbox(theirs))
            what = "ack_outbox"
        else:
            later = self.now + timedelta(seconds=delay)
            verdicts = (
                self.model.retry_outbox(mine, not_before=later),
                self.store.retry_outbox(theirs, not_before=later),
            )
            what = "retry_outbox"
        assert verdicts[0] == verdicts[1], (
            f"{what}({theirs.message.id}): model answered {verdicts[0]}, store {verdicts[1]}"
        )

    @precondition(lambda self: self.dead_letters and bool(self.leases))
    @rule(data=st.data())
    @_step
    def dead_letter(self, data: st.DataObject) -> None:
        mine, theirs = self.leases.pop(data.draw(st.integers(0, len(self.leases) - 1)))
        error = data.draw(st.sampled_from(["status 500", "timeout\nsecond line ✓"]))
        verdicts = (
            _dead_letters_of(self.model).dead_letter_outbox(mine, error=error, at=self.now),
            _dead_letters_of(self.store).dead_letter_outbox(theirs, error=error, at=self.now),
        )
        assert verdicts[0] == verdicts[1], (
            f"dead_letter_outbox({theirs.message.id}): model answered {verdicts[0]},"
            f" store {verdicts[1]}"
        )

    @precondition(lambda self: self.dead_letters)
    @rule(data=st.data(), limit=st.integers(0, 3), delay=st.integers(0, 300))
    @_step
    def list_and_resend_dead_letters(self, data: st.DataObject, limit: int, delay: int) -> None:
        letters = list(_dead_letters_of(self.model).dead_letters(limit=1000))
        after: DeadLetter | None = None
        if letters:
            after = data.draw(st.none() | st.sampled_from(letters))
        self._both(lambda s: list(_dead_letters_of(s).dead_letters(after=after, limit=limit)))
        ids = [letter.message.id for letter in letters]
        message_id = data.draw(st.sampled_from([*ids, "missing"]))
        later = self.now + timedelta(seconds=delay)
        self._both(lambda s: _dead_letters_of(s).resend_dead_letter(message_id, not_before=later))

    @precondition(lambda self: self.feed)
    @rule(limit=st.integers(1, 4), from_the_start=st.booleans())
    @_step
    def follow_feed(self, limit: int, from_the_start: bool) -> None:
        read: list[list[TicketEvent]] = []
        for side, store in enumerate((self.model, self.store)):
            after = None if from_the_start else self.cursors[side]
            page = _feed_of(store).feed(after=after, limit=limit)
            assert FeedCursor.parse(page.cursor.text) == page.cursor, "the cursor's text"
            if not from_the_start:
                self.cursors[side] = page.cursor
            read.append([entry.event for entry in page.entries])
        assert read[0] == read[1], (
            f"feed: model read {listed(read[0])}, store read {listed(read[1])}"
        )

    @precondition(lambda self: self.feed)
    @rule(data=st.data(), limit=st.integers(1, 4))
    @_step
    def resume_feed_mid_page(self, data: st.DataObject, limit: int) -> None:
        pages = [_feed_of(store).feed(limit=1000) for store in (self.model, self.store)]
        assert len(pages[0].entries) == len(pages[1].entries), "the feeds differ in length"
        if not pages[0].entries:
            return
        index = data.draw(st.integers(0, len(pages[0].entries) - 1))
        read = [
            [
                entry.event
                for entry in _feed_of(store)
                .feed(after=page.entries[index].cursor, limit=limit)
                .entries
            ]
            for store, page in zip((self.model, self.store), pages, strict=True)
        ]
        assert read[0] == read[1], (
            f"resumed after entry {index}: model {listed(read[0])}, store {listed(read[1])}"
        )

    @invariant()
    @_step
    def feeds_agree(self) -> None:
        if not self.feed:
            return
        model, _ = read_to_the_end(_feed_of(self.model), limit=3)
        store, _ = read_to_the_end(_feed_of(self.store), limit=3)
        assert store == model, f"the whole feed: model {listed(model)} != store {listed(store)}"

    @invariant()
    @_step
    def snapshots_and_journals_agree(self) -> None:
        for ticket_id in self._ids():
            model, store = self.model.get(ticket_id), self.store.get(ticket_id)
            assert store == model, f"get({ticket_id!r}) differs: {_differences(model, store)}"
            model_journal = list(self.model.journal(ticket_id))
            store_journal = list(self.store.journal(ticket_id))
            assert store_journal == model_journal, (
                f"journal({ticket_id!r}): model {model_journal!r} != store {store_journal!r}"
            )


def _differences(model: Ticket, store: Ticket) -> str:
    return "; ".join(
        f"{field.name}: model {getattr(model, field.name)!r}, store {getattr(store, field.name)!r}"
        for field in attrs.fields(Ticket)
        if getattr(model, field.name) != getattr(store, field.name)
    )


def compare_with_the_reference(
    make_store: Callable[[], TicketStore], *, max_examples: int | None
) -> None:
    """Run the state machine on stores from ``make_store`` against the reference store.

    Args:
        make_store: Returns a new, empty store each time it is called.
        max_examples: How many runs (default: the active hypothesis profile's).

    Raises:
        AssertionError: The two stores answered differently; the message names the step.
    """
    machine = type("StoreComparison", (_StoreComparison,), {"make_store": staticmethod(make_store)})
    current = settings()
    run_state_machine_as_test(
        machine,
        settings=settings(
            current,
            max_examples=current.max_examples if max_examples is None else max_examples,
            stateful_step_count=30,
            deadline=None,
            # One failure, the simplest found, is what a host implementer needs; the explain
            # phase would add little to a step listing and multiply the time to report it.
            report_multiple_bugs=False,
            phases=[phase for phase in current.phases if phase is not Phase.explain],
        ),
    )
