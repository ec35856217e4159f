"""ticketflow: a typed, embeddable ticket lifecycle with a journal.

The names here are the public core; subpackages (``ticketflow.sla``, ``ticketflow.storage``,
``ticketflow.testing``) hold the rest.
"""

from ._actors import Actor as Actor
from ._actors import Role as Role
from ._clock import Clock as Clock
from ._clock import SystemClock as SystemClock
from ._desk import KEEP as KEEP
from ._desk import Comment as Comment
from ._desk import Desk as Desk
from ._desk import TicketView as TicketView
from ._desk import TickReport as TickReport
from ._events import CommentAdded as CommentAdded
from ._events import FieldsChanged as FieldsChanged
from ._events import SlaBreached as SlaBreached
from ._events import SlaMetric as SlaMetric
from ._events import SlaWarned as SlaWarned
from ._events import TicketAssigned as TicketAssigned
from ._events import TicketCategorized as TicketCategorized
from ._events import TicketCreated as TicketCreated
from ._events import TicketEvent as TicketEvent
from ._events import TicketPrioritized as TicketPrioritized
from ._events import TicketTagged as TicketTagged
from ._events import TicketTransitioned as TicketTransitioned
from ._fields import Fields as Fields
from ._fields import FieldValue as FieldValue
from ._journal import apply as apply
from ._journal import replay as replay
from ._serde import from_json as from_json
from ._serde import from_primitive as from_primitive
from ._serde import make_converter as make_converter
from ._serde import to_json as to_json
from ._serde import to_primitive as to_primitive
from ._status import TICKET_EDGES as TICKET_EDGES
from ._status import TicketStatus as TicketStatus
from ._ticket import Channel as Channel
from ._ticket import NewTicket as NewTicket
from ._ticket import Requester as Requester
from ._ticket import Ticket as Ticket
from ._ticket import TicketKind as TicketKind
from ._ticket import TicketLinks as TicketLinks
from ._workflow import ANY as ANY
from ._workflow import DEFAULT_WORKFLOW as DEFAULT_WORKFLOW
from ._workflow import Check as Check
from ._workflow import CheckResult as CheckResult
from ._workflow import Move as Move
from ._workflow import Workflow as Workflow
from ._workflow import transition as transition

__all__ = [
    "ANY",
    "DEFAULT_WORKFLOW",
    "KEEP",
    "TICKET_EDGES",
    "Actor",
    "Channel",
    "Check",
    "CheckResult",
    "Clock",
    "Comment",
    "CommentAdded",
    "Desk",
    "FieldValue",
    "Fields",
    "FieldsChanged",
    "Move",
    "NewTicket",
    "Requester",
    "Role",
    "SlaBreached",
    "SlaMetric",
    "SlaWarned",
    "SystemClock",
    "TickReport",
    "Ticket",
    "TicketAssigned",
    "TicketCategorized",
    "TicketCreated",
    "TicketEvent",
    "TicketKind",
    "TicketLinks",
    "TicketPrioritized",
    "TicketStatus",
    "TicketTagged",
    "TicketTransitioned",
    "TicketView",
    "Workflow",
    "apply",
    "from_json",
    "from_primitive",
    "make_converter",
    "replay",
    "to_json",
    "to_primitive",
    "transition",
]
