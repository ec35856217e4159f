"""Intake: work arriving from outside, read into typed values.

``parse_email`` reads a raw e-mail into an :class:`InboundEmail`: headers decoded, the body as
text, the reply cut from its quoted history, attachments described, automatic mail recognised,
and every repair recorded. It is pure: no desk, no store, no clock.

``SimilaritySpec`` and ``NearDuplicateIndex`` find near duplicates among open tickets: word
shingles, MinHash signatures and banded LSH, with band keys a store can keep in the ticket's
commit (``SimilarityKeys``, ``NearDuplicateSource``, ``find_near_duplicates``).

``parse_form`` reads a web form's JSON payload into a ``NewTicket`` under a ``FormSpec``,
listing every problem at once in one ``IntakeError``; ``form_schema`` exports the same rules as
JSON Schema (2020-12) for front ends.

``Intake`` is the service over a :class:`~ticketflow.Desk`: ``ingest_email`` threads replies
(by Message-ID, a signed reply address, or a subject tag from a participant), catches exact and
near duplicates, ignores automatic mail and keeps whatever it does not take in as a
rejected-intake record; ``submit_form`` does the same for web forms with an idempotency key.
``MailIdentity`` names and signs the desk's outgoing mail so that replies find their ticket.

Import it as ``ticketflow.intake``; ``import ticketflow`` does not load it (nor the standard
library's ``email`` package).
"""

from .._public import publish as _publish
from ..exceptions import IntakeError as IntakeError
from ..exceptions import IntakeProblem as IntakeProblem
from ._address import MailAddress as MailAddress
from ._addressing import MailIdentity as MailIdentity
from ._auto import AutoReason as AutoReason
from ._compose import outbound_message as outbound_message
from ._email import parse_email as parse_email
from ._forms import FormSpec as FormSpec
from ._forms import parse_form as parse_form
from ._inbound import Attachment as Attachment
from ._inbound import EmailLimits as EmailLimits
from ._inbound import InboundEmail as InboundEmail
from ._outcome import IntakeAction as IntakeAction
from ._outcome import IntakeOutcome as IntakeOutcome
from ._outcome import NearDuplicateAction as NearDuplicateAction
from ._schema import form_schema as form_schema
from ._service import Intake as Intake
from ._similarity import MinHasher as MinHasher
from ._similarity import NearDuplicate as NearDuplicate
from ._similarity import NearDuplicateIndex as NearDuplicateIndex
from ._similarity import NearDuplicateSource as NearDuplicateSource
from ._similarity import SimilarityKeys as SimilarityKeys
from ._similarity import SimilaritySpec as SimilaritySpec
from ._similarity import estimated_jaccard as estimated_jaccard
from ._similarity import find_near_duplicates as find_near_duplicates
from ._similarity import shingles as shingles
from ._sink import AttachmentSink as AttachmentSink
from ._sink import DirectoryAttachmentSink as DirectoryAttachmentSink
from ._sink import InMemoryAttachmentSink as InMemoryAttachmentSink

__all__ = [
    "Attachment",
    "AttachmentSink",
    "AutoReason",
    "DirectoryAttachmentSink",
    "EmailLimits",
    "FormSpec",
    "InMemoryAttachmentSink",
    "InboundEmail",
    "Intake",
    "IntakeAction",
    "IntakeError",
    "IntakeOutcome",
    "IntakeProblem",
    "MailAddress",
    "MailIdentity",
    "MinHasher",
    "NearDuplicate",
    "NearDuplicateAction",
    "NearDuplicateIndex",
    "NearDuplicateSource",
    "SimilarityKeys",
    "SimilaritySpec",
    "estimated_jaccard",
    "find_near_duplicates",
    "form_schema",
    "outbound_message",
    "parse_email",
    "parse_form",
    "shingles",
]

_publish(globals(), __all__, __name__)
