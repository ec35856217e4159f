"""Outbound mail the desk sends about a ticket, built so that replies come back to it."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from .._ticket import Ticket
from .._values import check_text
from ..exceptions import InvalidValueError
from ._addressing import MailIdentity

__all__ = ["outbound_message"]


def outbound_message(
    identity: MailIdentity,
    ticket: Ticket,
    *,
    to: str,
    body: str,
    in_reply_to: str | None = None,
    automatic: bool = False,
    version: int | None = None,
) -> EmailMessage:
    """Return a message about ``ticket`` to ``to``, ready for ``smtplib.send_message``.

    It carries the headers of :meth:`MailIdentity.outbound_headers`: a stable ``Message-ID``
    for the ticket and version, ``References`` and ``In-Reply-To`` so clients thread it, the
    signed ``Reply-To`` and the ``[#n]`` subject tag so the answer finds the ticket, and for
    automatic messages (acknowledgements, notifications) ``Auto-Submitted: auto-replied``. Send
    an acknowledgement only where :attr:`IntakeOutcome.acknowledge` says so: never to automatic
    mail, whose sender is a robot that may answer back.

    Raises:
        InvalidValueError: An argument is not of its kind (``to`` must be one address).

    .. versionadded:: 0.2
    """
    if type(identity) is not MailIdentity:
        raise InvalidValueError("identity", identity, "must be a MailIdentity")
    recipient = check_text("to", to, empty=False, single_line=True, max_length=254)
    if "@" not in recipient or "," in recipient:
        raise InvalidValueError("to", recipient, "must be one e-mail address")
    text = check_text("body", body)
    headers = identity.outbound_headers(
        ticket, version=version, in_reply_to=in_reply_to, automatic=automatic
    )
    message = EmailMessage(policy=SMTP)
    message["From"] = identity.address
    message["To"] = recipient
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    return message
