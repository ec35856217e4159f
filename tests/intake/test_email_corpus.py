"""Each tricky message under ``tests/data/email`` parses to what the table says.

A row names a file and the fields it is checked on; ``defects`` is always checked (the codes
of what was repaired, exactly), every other field where the row gives it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from _corpus import corpus

from ticketflow.intake import Attachment, AutoReason, InboundEmail, MailAddress, parse_email

MESSAGES = corpus()
ALICE = MailAddress("alice@example.com", "Alice Example")
MONDAY = datetime(2026, 3, 2, 8, 14, tzinfo=UTC)


def _attachment(name: str | None, content_type: str, size: int) -> tuple[str | None, str, int]:
    return (name, content_type, size)


EXPECTED: dict[str, dict[str, Any]] = {
    "plain_utf8": {
        "sender": ALICE,
        "subject": "Parcel 42 is late",
        "date": MONDAY,
        "message_id": "<plain_utf8@example.com>",
        "text": "My parcel 42 has not arrived. Können Sie helfen?\n\nAlice\n",
        "reply_text": "My parcel 42 has not arrived. Können Sie helfen?\n\nAlice",
        "defects": set(),
    },
    "broken_boundary": {
        "text_contains": "The boundary in the body is not the declared one.",
        "defects": {
            "start_boundary_not_found",
            "multipart_invariant_violation",
            "missing_boundary",
        },
    },
    "missing_boundary_parameter": {
        "text": "There is no boundary parameter at all.\n",
        "defects": {
            "no_boundary_in_multipart",
            "multipart_invariant_violation",
            "missing_boundary",
        },
    },
    "missing_close_boundary": {
        "text": "The closing boundary never comes.",
        "defects": {"close_boundary_not_found"},
    },
    "unknown_charset": {
        "text": "Café crème \u2013 UTF-8 under an unknown label.\n",
        "defects": {"charset_fallback"},
    },
    "utf8_label_on_latin1": {"text": "Café au lait, 20 €.\n", "defects": {"charset_fallback"}},
    "mixed_encodings": {
        "subject": "Café und Grüße aus München",
        "text": "UTF-8: Grüße. Latin-1: Grüße.\n",
        "defects": {"charset_fallback"},
    },
    "eight_bit_headers_utf8": {
        "subject": "Résumé für Müller",
        "cc": (MailAddress("juergen@example.de", "Jürgen Müller"),),
        "defects": set(),
    },
    "eight_bit_headers_latin1": {
        "subject": "Grüße aus Köln",
        "text": "Raw Latin-1 in headers and body: äöü.\n",
        "defects": set(),
    },
    "deeply_nested": {
        "text": "Top level text.",
        "defects": {"too_deep"},
        "attachments": (),
    },
    "huge_header_field": {
        "subject_length": 998,
        "subject_starts": "cafécafé",
        "defects": {"header_too_long", "subject_too_long"},
    },
    "many_received_headers": {"subject": "Many hops", "defects": set()},
    "headers_only_no_body": {"text": "", "reply_text": "", "defects": set()},
    "empty_body": {"text": "", "reply_text": "", "attachments": (), "defects": set()},
    "html_only": {
        "text": "Hello,\nthe status page (https://status.example.com/42) says delivered.\n"
        "- Parcel 42\n- Parcel 43",
        "defects": set(),
    },
    "html_reply_gmail": {
        "text": "Still not here.\n\nOn Sun, Mar 1, 2026 at 10:00 AM Support <support@example.com>"
        " wrote:\n> We shipped it.\n> Support",
        "reply_text": "Still not here.",
        "defects": set(),
    },
    "html_reply_outlook": {
        "text": "Thank you, that works.\nFrom: Support <support@example.com>\n"
        "Sent: Monday, March 2, 2026 9:14 AM\nTo: Alice Example <alice@example.com>\n"
        "Subject: Parcel 42\nWe shipped it.",
        "reply_text": "Thank you, that works.",
        "defects": set(),
    },
    "html_reply_iphone_german": {
        "reply_text": "Danke, angekommen.",
        "text_contains": "> Wir haben es verschickt.",
        "defects": set(),
    },
    "alternative_prefers_plain": {"text": "Plain version.", "defects": set()},
    "attachments_only": {
        "text": "",
        "attachments": (_attachment("invoice.pdf", "application/pdf", 28),),
        "defects": set(),
    },
    "attachment_rfc2231_name": {
        "text": "My CV is attached.",
        "attachments": (_attachment("Résumé Alice.pdf", "application/octet-stream", 5),),
        "defects": set(),
    },
    "attachment_encoded_word_name": {
        "attachments": (_attachment("Schadenäst.png", "image/png", 8),),
        "defects": set(),
    },
    "attachment_path_name": {
        "text": "",
        "attachments": (_attachment("notes.txt", "text/plain", 5),),
        "defects": set(),
    },
    "forwarded_inline": {
        "text_contains": "Your parcel is delayed.",
        "reply_text": "Please look at this one.",
        "defects": set(),
    },
    "forwarded_attached": {
        "text": "Forwarding the carrier's mail.",
        "attachments": (_attachment("carrier.eml", "message/rfc822", 175),),
        "defects": set(),
    },
    "auto_submitted": {"auto": AutoReason.AUTO_SUBMITTED, "defects": set()},
    "auto_submitted_no": {"auto": None, "defects": set()},
    "empty_return_path": {
        "auto": AutoReason.EMPTY_RETURN_PATH,
        "reply_text": "Sent with a null envelope sender.",
        "defects": set(),
    },
    "precedence_bulk": {"auto": AutoReason.PRECEDENCE, "defects": set()},
    "precedence_junk": {"auto": AutoReason.PRECEDENCE, "defects": set()},
    "precedence_list": {"auto": AutoReason.PRECEDENCE, "defects": set()},
    "x_autoreply": {"auto": AutoReason.X_AUTOREPLY, "defects": set()},
    "x_autorespond": {"auto": AutoReason.X_AUTORESPOND, "defects": set()},
    "x_auto_response_suppress": {"auto": AutoReason.X_AUTO_RESPONSE_SUPPRESS, "defects": set()},
    "list_id": {"auto": AutoReason.LIST, "subject": "[users] Question", "defects": set()},
    "bounce_delivery_status": {
        "auto": AutoReason.DELIVERY_REPORT,
        "sender": MailAddress("MAILER-DAEMON@mx.example.com", "Mail Delivery System"),
        "text": "Your message could not be delivered to nobody@example.net.",
        "attachments": (
            _attachment(None, "message/delivery-status", 155),
            _attachment(None, "text/rfc822-headers", 69),
        ),
        "defects": set(),
    },
    "bounce_plain_qmail": {
        "auto": AutoReason.EMPTY_RETURN_PATH,
        "message_id": None,
        "defects": set(),
    },
    "read_receipt": {
        "auto": AutoReason.DELIVERY_REPORT,
        "text": "Your message was displayed.",
        "attachments": (_attachment(None, "message/disposition-notification", 153),),
        "defects": set(),
    },
    "base64_bad_padding": {"text": "Hello, wörld!", "defects": set()},
    "quoted_printable_latin1": {
        "text": "Die Lieferung für Straße 5 ist verspätet. Ein sehr langer Satz, der umgebrochen"
        " wurde.\n",
        "defects": set(),
    },
    "crlf_in_encoded_subject": {"subject": "first line Bcc: evil@example.net", "defects": set()},
    "no_from": {"sender": None, "defects": {"missing_sender"}},
    "from_without_address": {"sender": None, "date": None, "defects": {"missing_sender"}},
    "unreadable_date": {"date": None, "defects": {"invalid_date"}},
    "date_minus_0000": {"date": datetime(2026, 3, 2, 9, 14, tzinfo=UTC), "defects": set()},
    "group_and_bad_recipients": {
        "to": (),
        "cc": (
            MailAddress("bob@example.org", "Bob"),
            MailAddress("carol@example.net", "Carol C."),
        ),
        "defects": {"address_left_out"},
    },
    "format_flowed": {
        "text": "This paragraph was soft-wrapped by the client, and joins again.\n\n"
        "> Quoted text that flows on.\n",
        "reply_text": "This paragraph was soft-wrapped by the client, and joins again.",
        "defects": set(),
    },
    "iso_2022_jp": {"subject": "こんにちは", "text": "お問い合わせです。\n", "defects": set()},
    "non_text_codec_charset": {
        "text": "Not an escape: \\ud800 stays as written.\n",
        "defects": {"charset_fallback"},
    },
    "message_id_without_brackets": {
        "message_id": "<bare-id@example.com>",
        "in_reply_to": "<a@desk.example>",
        "references": ("<r1@desk.example>", "<r2@desk.example>", "<r3@desk.example>"),
        "defects": set(),
    },
    "nul_and_controls": {"subject": "Con trol s", "defects": set()},
    "top_level_attachment": {
        "text": "",
        "attachments": (_attachment("logs.zip", "application/zip", 5),),
        "defects": set(),
    },
    "mbox_from_line": {"sender": MailAddress("alice@example.com"), "defects": set()},
}


def test_the_corpus_has_at_least_forty_messages_and_each_is_in_the_table() -> None:
    assert len(MESSAGES) >= 40
    assert set(MESSAGES) == set(EXPECTED)


def _check(email: InboundEmail, expected: dict[str, Any]) -> None:
    for field, value in expected.items():
        if field == "defects":
            assert {d.code for d in email.defects} == value, email.defects
        elif field == "attachments":
            shown = tuple((a.name, a.content_type, a.size) for a in email.attachments)
            assert shown == value
        elif field == "text_contains":
            assert value in email.text
        elif field == "subject_length":
            assert len(email.subject) == value
        elif field == "subject_starts":
            assert email.subject.startswith(value)
        else:
            assert getattr(email, field) == value, field


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_parses_as_expected(name: str) -> None:
    _check(parse_email(MESSAGES[name]), EXPECTED[name])


def test_every_attachment_is_hashed() -> None:
    email = parse_email(MESSAGES["attachments_only"])
    assert email.attachments == (
        Attachment(
            "invoice.pdf",
            "application/pdf",
            28,
            "5d8db25d4e9cb4524d2024759f56239e4ef3601be6153059b575d0479b4de2f7",
        ),
    )
