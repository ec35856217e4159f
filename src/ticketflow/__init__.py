"""ticketflow: a typed, embeddable ticket lifecycle with a journal.

The names here are the public core; subpackages (``ticketflow.sla``, ``ticketflow.storage``,
``ticketflow.testing``) hold the rest.
"""

from ._access import DEFAULT_COMMAND_ROLES as DEFAULT_COMMAND_ROLES
from ._actors import Actor as Actor
from ._actors import Role as Role
from ._clock import Clock as Clock
from ._clock import SystemClock as SystemClock
from ._commands import KEEP as KEEP
from ._desk import DEFAULT_CLOCK_SKEW as DEFAULT_CLOCK_SKEW
from ._desk import Desk as Desk
from ._draft import Decide as Decide
from ._draft import Draft as Draft
from ._due import DueCheckpoint as DueCheckpoint
from ._due import DueWork as DueWork
from ._due import IncrementalDueWork as IncrementalDueWork
from ._due import TickReport as TickReport
from ._events import CommentAdded as CommentAdded
from ._events import CsatRecorded as CsatRecorded
from ._events import DecisionExplained as DecisionExplained
from ._events import FieldsChanged as FieldsChanged
from ._events import FixVerified as FixVerified
from ._events import IncidentLinkChanged as IncidentLinkChanged
from ._events import LinkKind as LinkKind
from ._events import ProblemAspect as ProblemAspect
from ._events import ProblemUpdated as ProblemUpdated
from ._events import ResolutionAnswered as ResolutionAnswered
from ._events import ResolutionRecorded as ResolutionRecorded
from ._events import SlaBreached as SlaBreached
from ._events import SlaMetric as SlaMetric
from ._events import SlaWarned as SlaWarned
from ._events import SuggestionReviewed as SuggestionReviewed
from ._events import TicketAssigned as TicketAssigned
from ._events import TicketCategorized as TicketCategorized
from ._events import TicketCreated as TicketCreated
from ._events import TicketEvent as TicketEvent
from ._events import TicketLinked as TicketLinked
from ._events import TicketPrioritized as TicketPrioritized
from ._events import TicketTagged as TicketTagged
from ._events import TicketTransitioned as TicketTransitioned
from ._events import VerificationMethod as VerificationMethod
from ._fields import Fields as Fields
from ._fields import FieldValue as FieldValue
from ._identity import same_mailbox as same_mailbox
from ._journal import apply as apply
from ._journal import replay as replay
from ._public import publish as _publish
from ._resolution import CriterionVerdict as CriterionVerdict
from ._resolution import Resolution as Resolution
from ._resolution import ResolutionAnswer as ResolutionAnswer
from ._resolution import ResolutionSource as ResolutionSource
from ._retry import retrying as retrying
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
from ._visibility import Comment as Comment
from ._visibility import TicketView as TicketView
from ._workflow import DEFAULT_WORKFLOW as DEFAULT_WORKFLOW
from ._workflow import STAFF as STAFF
from ._workflow import Check as Check
from ._workflow import CheckResult as CheckResult
from ._workflow import Move as Move
from ._workflow import Workflow as Workflow
from ._workflow import transition as transition
from ._workflow_definition import ANY as ANY
from .exceptions import AccessDeniedError as AccessDeniedError
from .exceptions import CalendarError as CalendarError
from .exceptions import CheckFailedError as CheckFailedError
from .exceptions import CheckFailure as CheckFailure
from .exceptions import ClockSkewError as ClockSkewError
from .exceptions import ConfigurationError as ConfigurationError
from .exceptions import ConfirmationRequiredError as ConfirmationRequiredError
from .exceptions import ConflictError as ConflictError
from .exceptions import DeserializationError as DeserializationError
from .exceptions import DoneCriteriaNotMetError as DoneCriteriaNotMetError
from .exceptions import FixNotVerifiedError as FixNotVerifiedError
from .exceptions import IntakeError as IntakeError
from .exceptions import IntakeProblem as IntakeProblem
from .exceptions import InvalidTransitionError as InvalidTransitionError
from .exceptions import InvalidValueError as InvalidValueError
from .exceptions import JournalError as JournalError
from .exceptions import NaiveDatetimeError as NaiveDatetimeError
from .exceptions import NotATicketflowStoreError as NotATicketflowStoreError
from .exceptions import PermissionDeniedError as PermissionDeniedError
from .exceptions import PluginError as PluginError
from .exceptions import SchemaVersionError as SchemaVersionError
from .exceptions import StoreError as StoreError
from .exceptions import TaxonomyError as TaxonomyError
from .exceptions import TicketflowError as TicketflowError
from .exceptions import TicketNotFoundError as TicketNotFoundError
from .exceptions import UnknownCategoryError as UnknownCategoryError
from .exceptions import UnknownStrategyError as UnknownStrategyError
from .exceptions import WebhookDeliveryError as WebhookDeliveryError
from .exceptions import WebhookVerificationError as WebhookVerificationError
from .exceptions import WorkflowDefinitionError as WorkflowDefinitionError

__all__ = [
    "ANY",
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_COMMAND_ROLES",
    "DEFAULT_WORKFLOW",
    "KEEP",
    "STAFF",
    "TICKET_EDGES",
    "AccessDeniedError",
    "Actor",
    "CalendarError",
    "Channel",
    "Check",
    "CheckFailedError",
    "CheckFailure",
    "CheckResult",
    "Clock",
    "ClockSkewError",
    "Comment",
    "CommentAdded",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConflictError",
    "CriterionVerdict",
    "CsatRecorded",
    "Decide",
    "DecisionExplained",
    "DeserializationError",
    "Desk",
    "DoneCriteriaNotMetError",
    "Draft",
    "DueCheckpoint",
    "DueWork",
    "FieldValue",
    "Fields",
    "FieldsChanged",
    "FixNotVerifiedError",
    "FixVerified",
    "IncidentLinkChanged",
    "IncrementalDueWork",
    "IntakeError",
    "IntakeProblem",
    "InvalidTransitionError",
    "InvalidValueError",
    "JournalError",
    "LinkKind",
    "Move",
    "NaiveDatetimeError",
    "NewTicket",
    "NotATicketflowStoreError",
    "PermissionDeniedError",
    "PluginError",
    "ProblemAspect",
    "ProblemUpdated",
    "Requester",
    "Resolution",
    "ResolutionAnswer",
    "ResolutionAnswered",
    "ResolutionRecorded",
    "ResolutionSource",
    "Role",
    "SchemaVersionError",
    "SlaBreached",
    "SlaMetric",
    "SlaWarned",
    "StoreError",
    "SuggestionReviewed",
    "SystemClock",
    "TaxonomyError",
    "TickReport",
    "Ticket",
    "TicketAssigned",
    "TicketCategorized",
    "TicketCreated",
    "TicketEvent",
    "TicketKind",
    "TicketLinked",
    "TicketLinks",
    "TicketNotFoundError",
    "TicketPrioritized",
    "TicketStatus",
    "TicketTagged",
    "TicketTransitioned",
    "TicketView",
    "TicketflowError",
    "UnknownCategoryError",
    "UnknownStrategyError",
    "VerificationMethod",
    "WebhookDeliveryError",
    "WebhookVerificationError",
    "Workflow",
    "WorkflowDefinitionError",
    "apply",
    "from_json",
    "from_primitive",
    "make_converter",
    "replay",
    "retrying",
    "same_mailbox",
    "to_json",
    "to_primitive",
    "transition",
]

_publish(globals(), __all__, __name__)
