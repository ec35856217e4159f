"""Storage: the :class:`TicketStore` protocol and the reference stores."""

from .._public import publish as _publish
from ._change import Change as Change
from ._memory import InMemoryTicketStore as InMemoryTicketStore
from ._outbox import LeasedMessage as LeasedMessage
from ._outbox import OutboxMessage as OutboxMessage
from ._protocol import DueEntry as DueEntry
from ._protocol import Page as Page
from ._protocol import TicketMemos as TicketMemos
from ._protocol import TicketQuery as TicketQuery
from ._protocol import TicketStore as TicketStore
from ._sqlite import SQLiteTicketStore as SQLiteTicketStore

__all__ = [
    "Change",
    "DueEntry",
    "InMemoryTicketStore",
    "LeasedMessage",
    "OutboxMessage",
    "Page",
    "SQLiteTicketStore",
    "TicketMemos",
    "TicketQuery",
    "TicketStore",
]

_publish(globals(), __all__, __name__)
