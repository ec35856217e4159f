"""The conformance kit for :class:`~ticketflow.storage.TicketStore` implementations.

``check_ticket_store(make_store)`` runs targeted checks (conflicts, field types, paging, outbox
leases, due queries, errors; no hypothesis needed) and then a hypothesis state machine that
drives the store under test and the in-memory reference side by side, comparing every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..exceptions import InvalidValueError
from ..storage import TicketStore
from ._dead_letter_checks import DEAD_LETTER_CHECKS
from ._due_claim_checks import DUE_CLAIM_CHECKS
from ._failures import named_failure
from ._feed_checks import FEED_CHECKS
from ._intake_checks import INTAKE_CHECKS
from ._store_checks import TARGETED_CHECKS

__all__ = ["check_ticket_store"]

_KIT = "check_ticket_store"


@contextmanager
def _fresh(make_store: Callable[[], TicketStore]) -> Iterator[TicketStore]:
    store = make_store()
    try:
        yield store
    finally:
        close = getattr(store, "close", None)
        if callable(close):
            close()


def _check_max_examples(max_examples: object) -> None:
    if max_examples is None:
        return
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 0:
        raise InvalidValueError("max_examples", max_examples, "must be None or an integer >= 0")


def check_ticket_store(
    make_store: Callable[[], TicketStore], *, max_examples: int | None = None
) -> None:
    """Prove that a :class:`~ticketflow.storage.TicketStore` implementation behaves correctly.

    Runs targeted checks (a stale version writes nothing, unknown ids, unique numbers, field
    values keep their types and filters compare types as well as values, paging,
    ``journal(after_version=...)``, the due index, refused changes, outbox leases and their
    expiry, two threads claiming at once, and, for a store that keeps memos
    (:class:`~ticketflow.storage.TicketMemos`), memos written with the snapshot, and for a
    store that intake can use (:class:`~ticketflow.storage.IntakeStore`), claims committed
    with the ticket and one winner among racing claims, near-duplicate keys replaced and
    dropped, and rejected-intake records kept, paged and settled, and for a store that keeps
    dead letters (:class:`~ticketflow.storage.DeadLetterStore`), dead letters never claimed,
    paged in order and re-sent, and for a store that leases due tickets
    (:class:`~ticketflow.storage.DueClaims`), claims in due order, never two live leases on a
    ticket (two threads claiming at once included), leases that lapse and leases a commit
    ends, and for a store with an event feed
    (:class:`~ticketflow.storage.EventFeed`), events in commit order, every event read
    exactly once page by page and by a reader following the cursor while four threads
    commit, cursors that read back from their text, and cursors of another store refused) and
    then a hypothesis state machine that applies random commits, reads, queries, due queries,
    outbox and due claims and feed reads to the store under test and to
    :class:`~ticketflow.storage.InMemoryTicketStore`, asserting that they answer alike.

    Every failure is an :class:`AssertionError` whose message starts with the check that
    failed, e.g. ``check_ticket_store[conflict_writes_nothing]: ...`` for a targeted check or
    ``check_ticket_store[stateful.query]: ...`` for a step of the state machine; an error the
    store raised unexpectedly is reported the same way, and chained as the ``__cause__``.

    Args:
        make_store: Returns a new, empty store each time it is called. If the store has a
            ``close()`` method it is called when a check is done with it.
        max_examples: How many state-machine runs (default: the active hypothesis profile's);
            ``0`` runs the targeted checks only, which need no hypothesis.

    Raises:
        AssertionError: The store misbehaved; the message names the check and says how.
        InvalidValueError: ``max_examples`` is not ``None`` or an integer >= 0.
        ModuleNotFoundError: The state machine is asked for and hypothesis is not installed
            (``pip install 'ticketflow[testing]'``); raised before any check runs.

    .. versionadded:: 0.1
    """
    _check_max_examples(max_examples)
    compare: Callable[..., None] | None = None
    if max_examples != 0:
        try:
            from ._store_machine import compare_with_the_reference  # noqa: PLC0415
        except ModuleNotFoundError as error:
            if error.name != "hypothesis":
                raise
            raise ModuleNotFoundError(
                "check_ticket_store's state machine needs hypothesis: install"
                " 'ticketflow[testing]', or pass max_examples=0 to run the targeted checks only",
                name="hypothesis",
            ) from error
        compare = compare_with_the_reference
    for check in (
        *TARGETED_CHECKS,
        *INTAKE_CHECKS,
        *DEAD_LETTER_CHECKS,
        *DUE_CLAIM_CHECKS,
        *FEED_CHECKS,
    ):
        name = check.__name__.removeprefix("_check_")
        with _fresh(make_store) as store:
            try:
                check(store)
            except Exception as error:  # a crashing store fails the check too
                raise named_failure(_KIT, name, error) from error
    if compare is not None:
        compare(make_store, max_examples=max_examples)
