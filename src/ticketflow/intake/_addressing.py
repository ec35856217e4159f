"""How the desk names and signs its mail, so that replies find their ticket again.

Three ways lead a reply back, checked in this order by :class:`~ticketflow.intake.Intake`:

1. **Message-IDs.** Every message the desk sends carries a Message-ID it can recognise,
   ``<tf.<number>.<version>.<mac>@<domain>>``, where the MAC is an HMAC-SHA256 over the ticket's
   id and the version with the host's secret: a reply's ``In-Reply-To`` or ``References``
   naming it leads to the ticket, and no one can forge one for a ticket they never got mail
   about. (Message-IDs the desk ingested are found through the store's claims.)
2. **Reply addresses.** ``support+t.<number>.<mac>@<domain>``, with an HMAC over the ticket's id,
   for clients that drop the threading headers.
3. **Subject tags.** ``[#1234]``: readable, but anyone can type one, so the service accepts it only
   from the ticket's requester or a participant.

The number in a token is only where to look; the MAC over the ticket's *id* decides.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Final

import attrs

from .._identity import same_mailbox
from .._ticket import Ticket
from .._values import check_int, check_text
from ..exceptions import InvalidValueError

__all__ = ["MailIdentity"]

_MAC_CHARS: Final = 16  # base32 characters: 80 bits
_MIN_SECRET: Final = 16
_TOKEN: Final = re.compile(r"\+t\.(\d{1,19})\.([a-z2-7]{16})\Z", re.IGNORECASE | re.ASCII)
_MESSAGE_ID: Final = re.compile(r"<tf\.(\d{1,19})\.(\d{1,19})\.([a-z2-7]{16})@([^<>@\s]+)>\Z")
_TAG: Final = re.compile(r"\[#(\d{1,19})\]")


def _desk_address(value: str) -> str:
    text = check_text("address", value, empty=False, single_line=True, max_length=254)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "+" in local or any(c.isspace() for c in text):
        raise InvalidValueError(
            "address", text, "must be the desk's own address, like support@desk.example"
        )
    return text


def _secret(value: bytes) -> bytes:
    given: object = value
    if type(given) is not bytes or len(given) < _MIN_SECRET:
        raise InvalidValueError(
            "secret", "<hidden>", f"must be bytes, at least {_MIN_SECRET} of them (random)"
        )
    return given


@attrs.frozen
class MailIdentity:
    """The desk's mail identity: its address, and the secret that signs its reply tokens.

    Args:
        address: The desk's address, e.g. ``support@desk.example`` (without a ``+`` part).
        secret: At least 16 random bytes, the same in every worker and kept across restarts
            (tokens signed with a lost secret no longer thread).

    Raises:
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.2
    """

    address: str = attrs.field(converter=_desk_address)
    secret: bytes = attrs.field(converter=_secret, repr=False)

    @property
    def domain(self) -> str:
        """The domain of :attr:`address`, which the desk's Message-IDs use too."""
        return self.address.rpartition("@")[2]

    def _mac(self, *parts: str) -> str:
        data = "\x00".join(parts).encode("utf-8", "surrogatepass")
        digest = hmac.new(self.secret, data, hashlib.sha256).digest()
        return base64.b32encode(digest).decode("ascii").lower()[:_MAC_CHARS]

    # -- reply addresses -----------------------------------------------------------------

    def reply_address(self, ticket: Ticket) -> str:
        """Return the ticket's signed reply address, ``support+t.<number>.<mac>@<domain>``."""
        ticket = _ticket(ticket)
        local, _, domain = self.address.rpartition("@")
        return f"{local}+t.{ticket.number}.{self._mac('reply', ticket.id)}@{domain}"

    def reply_token_number(self, address: str) -> int | None:
        """Return the ticket number an address's reply token names, unverified (or ``None``).

        Only an address at the desk's own mailbox counts; verify with :meth:`signs_reply`.
        """
        given: object = address
        if not isinstance(given, str):
            return None
        local, at, domain = address.rpartition("@")
        base, _, _ = self.address.rpartition("@")
        found = _TOKEN.search(local) if at else None
        if found is None or local[: found.start()].lower() != base.lower():
            return None
        if domain.lower() != self.domain.lower():
            return None
        return int(found.group(1))

    def signs_reply(self, address: str, ticket: Ticket) -> bool:
        """Return whether ``address`` is ``ticket``'s signed reply address."""
        ticket = _ticket(ticket)
        number = self.reply_token_number(address)
        if number != ticket.number:
            return False
        expected = self.reply_address(ticket)
        given = address.rpartition("@")[0].lower().encode("utf-8", "surrogatepass")
        return hmac.compare_digest(given, expected.rpartition("@")[0].lower().encode())

    # -- Message-IDs ---------------------------------------------------------------------

    def message_id(self, ticket: Ticket, version: int | None = None) -> str:
        """Return the stable Message-ID of the desk's message about ``ticket`` at ``version``.

        The same ticket and version always give the same id (a message sent twice is one
        message to the recipient's client); ``version`` defaults to the ticket's.
        """
        ticket = _ticket(ticket)
        at = ticket.version if version is None else check_int("version", version, minimum=1)
        mac = self._mac("message", ticket.id, str(at))
        return f"<tf.{ticket.number}.{at}.{mac}@{self.domain}>"

    def message_id_number(self, message_id: str) -> int | None:
        """Return the ticket number a desk Message-ID names, unverified (or ``None``)."""
        given: object = message_id
        if not isinstance(given, str):
            return None
        found = _MESSAGE_ID.match(message_id)
        if found is None or found.group(4).lower() != self.domain.lower():
            return None
        return int(found.group(1))

    def signs_message_id(self, message_id: str, ticket: Ticket) -> bool:
        """Return whether ``message_id`` is one the desk issued for ``ticket``."""
        ticket = _ticket(ticket)
        given: object = message_id
        if not isinstance(given, str):
            return False
        found = _MESSAGE_ID.match(message_id)
        if found is None or int(found.group(1)) != ticket.number:
            return False
        mac = self._mac("message", ticket.id, str(int(found.group(2))))
        return hmac.compare_digest(found.group(3), mac)

    # -- subjects and headers ------------------------------------------------------------

    def subject(self, ticket: Ticket, subject: str | None = None) -> str:
        """Return ``subject`` (default: the ticket's) tagged ``[#<number>]``, once."""
        ticket = _ticket(ticket)
        text = ticket.subject if subject is None else check_text("subject", subject)
        tag = f"[#{ticket.number}]"
        return text if tag in text else f"{tag} {text}".strip()

    def outbound_headers(
        self,
        ticket: Ticket,
        *,
        version: int | None = None,
        in_reply_to: str | None = None,
        automatic: bool = False,
    ) -> dict[str, str]:
        """Return the headers of a message the desk sends about ``ticket``.

        ``Message-ID`` is stable for the ticket and version; ``References`` starts with the
        desk's first message about the ticket and ends with ``in_reply_to`` (the customer's
        message being answered, if any), so clients thread every message of the ticket
        together; ``Reply-To`` is the signed reply address; the subject carries the tag.
        Automatic messages (acknowledgements, notifications) carry ``Auto-Submitted:
        auto-replied`` (RFC 3834) and ask Exchange not to auto-respond, so two robots never
        answer each other in a loop.

        Raises:
            InvalidValueError: ``in_reply_to`` is not a Message-ID in angle brackets, or
                ``automatic`` is not a bool.
        """
        ticket = _ticket(ticket)
        if type(automatic) is not bool:
            raise InvalidValueError("automatic", automatic, "must be True or False")
        references = [self.message_id(ticket, 1)]
        if in_reply_to is not None:
            text = check_text("in_reply_to", in_reply_to, single_line=True, max_length=998)
            if not (text.startswith("<") and text.endswith(">")) or " " in text:
                raise InvalidValueError("in_reply_to", text, "must be a Message-ID like <a@b>")
            references.append(text)
        headers = {
            "Message-ID": self.message_id(ticket, version),
            "References": " ".join(dict.fromkeys(references)),
            "Reply-To": self.reply_address(ticket),
            "Subject": self.subject(ticket),
        }
        if in_reply_to is not None:
            headers["In-Reply-To"] = references[-1]
        if automatic:
            headers["Auto-Submitted"] = "auto-replied"
            headers["X-Auto-Response-Suppress"] = "All"
        return headers

    def is_own_address(self, address: str) -> bool:
        """Return whether ``address`` is the desk's (with or without a reply token)."""
        return same_mailbox(address, self.address) or self.reply_token_number(address) is not None


def subject_tag_number(subject: str) -> int | None:
    """Return the number of the first ``[#<number>]`` tag in ``subject``, or ``None``."""
    given: object = subject
    found = _TAG.search(given) if isinstance(given, str) else None
    return None if found is None else int(found.group(1))


def _ticket(value: object) -> Ticket:
    if type(value) is not Ticket:
        raise InvalidValueError("ticket", value, "must be a Ticket")
    return value
