"""Storage: the :class:`TicketStore` protocol and the reference stores.

The stores themselves are loaded on first use (``ticketflow.storage.SQLiteTicketStore``, or
``from ticketflow.storage import SQLiteTicketStore``), so ``import ticketflow``, which needs
only the protocol, does not import ``sqlite3`` or the in-memory store's indexes. So are the
parts the core does not use: the event feed, dead letters and round-robin turns.
"""

import importlib
import typing

from .._public import publish as _publish
from ._band_keys import SimilarityKeys as SimilarityKeys
from ._change import Change as Change
from ._due_claims import DueClaims as DueClaims
from ._outbox import LeasedMessage as LeasedMessage
from ._outbox import OutboxMessage as OutboxMessage
from ._protocol import DueEntry as DueEntry
from ._protocol import Page as Page
from ._protocol import TicketMemos as TicketMemos
from ._protocol import TicketQuery as TicketQuery
from ._protocol import TicketStore as TicketStore
from ._received import IntakeStore as IntakeStore
from ._received import RejectedIntake as RejectedIntake

if typing.TYPE_CHECKING:
    from ._dead_letters import DeadLetter as DeadLetter
    from ._dead_letters import DeadLetterStore as DeadLetterStore
    from ._feed import EventFeed as EventFeed
    from ._feed import FeedCursor as FeedCursor
    from ._feed import FeedEntry as FeedEntry
    from ._feed import FeedPage as FeedPage
    from ._memory import InMemoryTicketStore as InMemoryTicketStore
    from ._postgres import PostgresTicketStore as PostgresTicketStore
    from ._rotation import RotationStore as RotationStore
    from ._sqlite import SQLiteTicketStore as SQLiteTicketStore

__all__ = [
    "Change",
    "DeadLetter",
    "DeadLetterStore",
    "DueClaims",
    "DueEntry",
    "EventFeed",
    "FeedCursor",
    "FeedEntry",
    "FeedPage",
    "InMemoryTicketStore",
    "IntakeStore",
    "LeasedMessage",
    "OutboxMessage",
    "Page",
    "PostgresTicketStore",
    "RejectedIntake",
    "RotationStore",
    "SQLiteTicketStore",
    "SimilarityKeys",
    "TicketMemos",
    "TicketQuery",
    "TicketStore",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "DeadLetter": "._dead_letters",
    "DeadLetterStore": "._dead_letters",
    "EventFeed": "._feed",
    "FeedCursor": "._feed",
    "FeedEntry": "._feed",
    "FeedPage": "._feed",
    "RotationStore": "._rotation",
    "InMemoryTicketStore": "._memory",
    "PostgresTicketStore": "._postgres",
    "SQLiteTicketStore": "._sqlite",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    loaded = {name: getattr(importlib.import_module(module_name, __name__), name)}
    _publish(loaded, [name], __name__)
    # Bound once published: later lookups do not come here, and no thread sees it unpublished.
    globals().update(loaded)
    return loaded[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


_publish(globals(), [name for name in __all__ if name not in _LAZY], __name__)
