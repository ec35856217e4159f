"""Intake: work arriving from outside, read into typed values.

``parse_email`` reads a raw e-mail into an :class:`InboundEmail`: headers decoded, the body as
text, the reply cut from its quoted history, attachments described, automatic mail recognised,
and every repair recorded. It is pure: no desk, no store, no clock.

Import it as ``ticketflow.intake``; ``import ticketflow`` does not load it (nor the standard
library's ``email`` package).
"""

from .._public import publish as _publish
from ..exceptions import IntakeError as IntakeError
from ..exceptions import IntakeProblem as IntakeProblem
from ._address import MailAddress as MailAddress
from ._auto import AutoReason as AutoReason
from ._email import parse_email as parse_email
from ._forms import FormSpec as FormSpec
from ._forms import parse_form as parse_form
from ._inbound import Attachment as Attachment
from ._inbound import EmailLimits as EmailLimits
from ._inbound import InboundEmail as InboundEmail
from ._schema import form_schema as form_schema

__all__ = [
    "Attachment",
    "AutoReason",
    "EmailLimits",
    "FormSpec",
    "InboundEmail",
    "IntakeError",
    "IntakeProblem",
    "MailAddress",
    "form_schema",
    "parse_email",
    "parse_form",
]

_publish(globals(), __all__, __name__)
