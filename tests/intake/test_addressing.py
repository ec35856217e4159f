"""The desk's mail identity: signed Message-IDs and reply addresses, subject tags, headers.

A token names a ticket's number only as a hint; the MAC over the ticket's id with the host's
secret decides, so a token is worthless for any other ticket, secret or domain.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _hostile import hostile_values
from ticketflow import InvalidValueError, Requester, Ticket, TicketflowError
from ticketflow.intake import AutoReason, MailIdentity, parse_email
from ticketflow.testing import tickets

SECRET = b"addressing-tests-secret-01234567"
DESK = MailIdentity("support@desk.example", SECRET)
OTHER_SECRET = MailIdentity("support@desk.example", b"another-secret-entirely-00000000")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
TICKET = Ticket(
    id="3f2a",
    number=42,
    subject="Parcel late",
    requester=Requester("alice@example.com"),
    created_at=T0,
    updated_at=T0,
    version=3,
)
TWIN = attrs.evolve(TICKET, id="another-desks-ticket")
"""The same number on another ticket (another desk, a restored backup): a token is not its."""


def _flip(mac: str) -> str:
    return ("b" if mac[0] == "a" else "a") + mac[1:]


# -- the identity itself ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["", "support", "@desk.example", "support@", "support+x@desk.example", "a b@c"]
)
def test_an_address_that_is_not_a_plain_mailbox_is_refused(address: str) -> None:
    with pytest.raises(InvalidValueError):
        MailIdentity(address, SECRET)


@pytest.mark.parametrize("secret", [b"", b"short", "a text secret of length", bytearray(32)])
def test_a_secret_that_is_not_16_bytes_or_more_is_refused(secret: object) -> None:
    with pytest.raises(InvalidValueError) as raised:
        MailIdentity("support@desk.example", secret)  # type: ignore[arg-type]
    assert "short" not in str(raised.value), "the secret is never shown"


def test_the_secret_is_not_in_the_repr() -> None:
    assert SECRET.decode() not in repr(DESK)
    assert DESK.domain == "desk.example"


# -- Message-IDs --------------------------------------------------------------------------------


def test_a_message_id_is_stable_per_ticket_and_version() -> None:
    issued = DESK.message_id(TICKET)
    assert re.fullmatch(r"<tf\.42\.3\.[a-z2-7]{16}@desk\.example>", issued)
    assert DESK.message_id(TICKET) == issued
    assert DESK.message_id(TICKET, 3) == issued
    assert DESK.message_id(TICKET, 4) != issued
    assert DESK.message_id_number(issued) == TICKET.number
    assert DESK.signs_message_id(issued, TICKET)
    assert DESK.signs_message_id(DESK.message_id(TICKET, 1), TICKET)


def test_a_message_id_signs_only_its_ticket_under_its_secret() -> None:
    issued = DESK.message_id(TICKET)
    assert not DESK.signs_message_id(issued, TWIN)
    assert not OTHER_SECRET.signs_message_id(issued, TICKET)
    mac = issued.split(".")[3].partition("@")[0]
    assert not DESK.signs_message_id(issued.replace(mac, _flip(mac)), TICKET)


@pytest.mark.parametrize(
    "message_id",
    [
        "<tf.42.3.aaaaaaaaaaaaaaaa@elsewhere.example>",
        "<tf.42.3.aaaaaaaaaaaaaaaa@desk.example",
        "tf.42.3.aaaaaaaaaaaaaaaa@desk.example",
        "<tf.42.aaaaaaaaaaaaaaaa@desk.example>",
        "<tf.42.3.AAAAAAAAAAAAAAAA1@desk.example>",
        "<c1@example.com>",
        "",
    ],
)
def test_a_message_id_not_in_the_desks_form_names_no_ticket(message_id: str) -> None:
    assert DESK.message_id_number(message_id) is None
    assert not DESK.signs_message_id(message_id, TICKET)


# -- reply addresses ----------------------------------------------------------------------------


def test_a_reply_address_is_signed_for_its_ticket() -> None:
    address = DESK.reply_address(TICKET)
    assert re.fullmatch(r"support\+t\.42\.[a-z2-7]{16}@desk\.example", address)
    assert DESK.reply_token_number(address) == TICKET.number
    assert DESK.signs_reply(address, TICKET)
    local, _, domain = address.rpartition("@")
    assert DESK.signs_reply(f"{local}@{domain.upper()}", TICKET), "a domain has no case"
    assert DESK.is_own_address(address)


def test_a_reply_address_signs_only_its_ticket_under_its_secret() -> None:
    address = DESK.reply_address(TICKET)
    assert not DESK.signs_reply(address, TWIN)
    assert not OTHER_SECRET.signs_reply(address, TICKET)
    local, _, domain = address.rpartition("@")
    assert not DESK.signs_reply(f"{local[:-16]}{_flip(local[-16:])}@{domain}", TICKET)


@pytest.mark.parametrize(
    "address",
    [
        "support+t.42.aaaaaaaaaaaaaaaa@elsewhere.example",
        "sales+t.42.aaaaaaaaaaaaaaaa@desk.example",
        "xsupport+t.42.aaaaaaaaaaaaaaaa@desk.example",
        "support+t.42@desk.example",
        "support+t.x.aaaaaaaaaaaaaaaa@desk.example",
        "support@desk.example",
        "",
    ],
)
def test_an_address_not_in_the_desks_form_names_no_ticket(address: str) -> None:
    assert DESK.reply_token_number(address) is None
    assert not DESK.signs_reply(address, TICKET)


@pytest.mark.parametrize(
    ("address", "own"),
    [
        ("support@desk.example", True),
        ("SUPPORT@Desk.Example", True),
        ("support+t.1.aaaaaaaaaaaaaaaa@desk.example", True),
        ("support@elsewhere.example", False),
        ("alice@desk.example", False),
    ],
)
def test_the_desks_own_addresses_are_recognised(address: str, own: bool) -> None:
    assert DESK.is_own_address(address) is own


@given(ticket=tickets())
def test_every_ticket_gets_a_message_id_and_reply_address_that_lead_back_to_it(
    ticket: Ticket,
) -> None:
    issued = DESK.message_id(ticket)
    assert DESK.message_id_number(issued) == ticket.number
    assert DESK.signs_message_id(issued, ticket)
    address = DESK.reply_address(ticket)
    assert DESK.reply_token_number(address) == ticket.number
    assert DESK.signs_reply(address, ticket)
    other = attrs.evolve(ticket, id=ticket.id + "x")
    assert not DESK.signs_message_id(issued, other)
    assert not DESK.signs_reply(address, other)


# -- subjects and outbound headers --------------------------------------------------------------


def test_a_subject_is_tagged_once() -> None:
    assert DESK.subject(TICKET) == "[#42] Parcel late"
    assert DESK.subject(TICKET, "Re: [#42] Parcel late") == "Re: [#42] Parcel late"
    assert DESK.subject(TICKET, "Update") == "[#42] Update"


def test_outbound_headers_thread_every_message_of_the_ticket() -> None:
    headers = DESK.outbound_headers(TICKET, in_reply_to="<c1@example.com>")
    assert headers["Message-ID"] == DESK.message_id(TICKET)
    assert headers["References"] == f"{DESK.message_id(TICKET, 1)} <c1@example.com>"
    assert headers["In-Reply-To"] == "<c1@example.com>"
    assert headers["Reply-To"] == DESK.reply_address(TICKET)
    assert headers["Subject"] == "[#42] Parcel late"
    assert "Auto-Submitted" not in headers
    plain = DESK.outbound_headers(TICKET, version=1)
    assert plain["References"] == plain["Message-ID"] == DESK.message_id(TICKET, 1)
    assert "In-Reply-To" not in plain


def test_automatic_outbound_mail_is_marked_so_that_robots_do_not_answer_it() -> None:
    headers = DESK.outbound_headers(TICKET, automatic=True)
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["X-Auto-Response-Suppress"] == "All"
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    raw = f"From: {DESK.address}\r\nTo: alice@example.com\r\n{raw}\r\nReceived.\r\n"
    parsed = parse_email(raw.encode())
    assert parsed.auto is AutoReason.AUTO_SUBMITTED
    assert parsed.message_id == headers["Message-ID"]


@pytest.mark.parametrize("in_reply_to", ["c1@example.com", "<a b@c>", "<a@b>\r\nBcc: x@y", ""])
def test_an_in_reply_to_that_is_not_a_message_id_is_refused(in_reply_to: str) -> None:
    with pytest.raises(InvalidValueError):
        DESK.outbound_headers(TICKET, in_reply_to=in_reply_to)


@pytest.mark.parametrize("automatic", [1, "yes", None])
def test_automatic_must_be_a_bool(automatic: object) -> None:
    with pytest.raises(InvalidValueError):
        DESK.outbound_headers(TICKET, automatic=automatic)  # type: ignore[arg-type]


@given(value=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.binary(max_size=5)))
def test_a_ticket_argument_that_is_no_ticket_is_refused(value: Any) -> None:
    for call in (DESK.message_id, DESK.reply_address, DESK.subject, DESK.outbound_headers):
        with pytest.raises(InvalidValueError):
            call(value)


_METHODS: dict[str, tuple[int, tuple[str, ...]]] = {
    # method: (positional arguments, keyword arguments)
    "reply_address": (1, ()),
    "reply_token_number": (1, ()),
    "signs_reply": (2, ()),
    "message_id": (2, ()),
    "message_id_number": (1, ()),
    "signs_message_id": (2, ()),
    "subject": (2, ()),
    "outbound_headers": (1, ("version", "in_reply_to", "automatic")),
    "is_own_address": (1, ()),
}


def test_every_public_method_is_fuzzed() -> None:
    public = {name for name in dir(MailIdentity) if not name.startswith("_")}
    assert public - {"address", "secret", "domain"} == _METHODS.keys()


@pytest.mark.parametrize("method", sorted(_METHODS))
@given(data=st.data())
def test_every_method_answers_hostile_arguments_or_raises_a_ticketflow_error(
    method: str, data: st.DataObject
) -> None:
    call = getattr(DESK, method)
    positional, keywords = _METHODS[method]
    some = st.sampled_from(
        [TICKET, DESK.reply_address(TICKET), DESK.message_id(TICKET), 1, True, "<a@b>"]
    )
    args = [data.draw(some | hostile_values, label=f"arg{n}") for n in range(positional)]
    kwargs = data.draw(
        st.fixed_dictionaries({}, optional=dict.fromkeys(keywords, some | hostile_values)),
        label="kwargs",
    )
    with contextlib.suppress(TicketflowError):
        call(*args, **kwargs)
