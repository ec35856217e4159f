"""The pieces of e-mail reading, one behaviour each: decoding, addresses, HTML, automatic
mail, flowed text, and the value types' own checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ticketflow.exceptions import IntakeProblem, InvalidValueError
from ticketflow.intake import Attachment, AutoReason, InboundEmail, MailAddress, parse_email
from ticketflow.intake._address import read_addresses
from ticketflow.intake._decode import charset_codec, decode_bytes, decode_words, one_line
from ticketflow.intake._flowed import unflow
from ticketflow.intake._html import html_to_text


def message(headers: str, body: str = "body") -> bytes:
    return (f"From: alice@example.com\r\n{headers}\r\n\r\n{body}").encode()


# Decoding


def test_adjacent_encoded_words_join_without_the_space_between() -> None:
    assert decode_words("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab"
    assert decode_words("=?utf-8?q?a?= plain =?utf-8?q?b?=") == "a plain b"


def test_a_character_split_across_encoded_words_survives() -> None:
    # "é" is C3 A9 in UTF-8; some clients cut words between the two bytes.
    assert decode_words("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=") == "café"


def test_an_undecodable_encoded_word_is_kept_as_written() -> None:
    assert decode_words("=?utf-8?b?!!!?= x") == "=?utf-8?b?!!!?= x"
    assert decode_words("=?utf-8?b?YQ?=") == "a"  # missing padding is repaired


def test_an_encoded_word_in_an_unknown_charset_keeps_every_byte() -> None:
    assert decode_words("=?x-unknown?q?caf=E9?=") == "café"


def test_non_text_codecs_are_no_charsets() -> None:
    for label in ["base64", "zlib", "unicode_escape", "raw-unicode-escape", "idna", "rot13"]:
        assert charset_codec(label) is None, label
    assert charset_codec(' "UTF-8" ') == "utf-8"
    assert charset_codec("utf-8*en") == "utf-8"
    assert charset_codec("x" * 100) is None
    assert charset_codec("utf\x008") is None


def test_decoding_never_fails_and_says_how_it_read_the_bytes() -> None:
    assert decode_bytes(b"caf\xc3\xa9", "utf-8") == ("café", None)
    assert decode_bytes(b"caf\xe9", "iso-8859-1") == ("café", None)
    text, how = decode_bytes(b"caf\xe9 \x80", "utf-8")
    assert text == "café €"
    assert how is not None
    text, how = decode_bytes(b"\x81\x8d", None)
    assert text == "\x81\x8d"  # Windows-1252 leaves these undefined: read as Latin-1
    assert how is not None
    assert decode_bytes(b"+2AA-", "utf-7") == ("\ufffd", None)  # UTF-7 can say lone surrogates


def test_one_line_takes_out_every_line_break_and_control() -> None:
    assert one_line(" a\r\nb\u2028c\x00d\te ") == "a b c d e"


# Addresses


def test_address_lists_split_only_at_top_level_commas() -> None:
    found, left_out = read_addresses(
        '"Doe, Jane" <jane@example.com>, bob@example.org (Bob, B.), <carol@example.net>',
        limit=10,
    )
    assert found == [
        MailAddress("jane@example.com", "Doe, Jane"),
        MailAddress("bob@example.org", "Bob, B."),
        MailAddress("carol@example.net"),
    ]
    assert left_out == []


def test_group_syntax_source_routes_and_mailto_are_read() -> None:
    found, _ = read_addresses(
        "Team: a@example.com, <@relay.example:b@example.com>; <mailto:c@example.com>", limit=10
    )
    assert [a.address for a in found] == ["a@example.com", "b@example.com", "c@example.com"]


def test_the_display_name_is_decoded_and_unquoted() -> None:
    found, _ = read_addresses(r'"Ren\"ee =?utf-8?q?M=C3=BCller?=" <r@example.com>', limit=1)
    assert found == [MailAddress("r@example.com", 'Ren"ee Müller')]


def test_a_display_name_that_hides_another_address_does_not_win() -> None:
    found, _ = read_addresses('"boss@example.com" <mallory@evil.example>', limit=1)
    assert found[0].address == "mallory@evil.example"


def test_an_overlong_display_name_is_cut() -> None:
    found, _ = read_addresses(f'"{"n" * 400}" <n@example.com>', limit=1)
    assert found[0].name is not None
    assert len(found[0].name) == 256


def test_entries_that_are_no_address_are_reported() -> None:
    found, left_out = read_addresses("not an address, <>, @, x@", limit=10)
    assert found == []
    assert len(left_out) == 4


def test_a_mail_address_is_checked_when_built() -> None:
    with pytest.raises(InvalidValueError, match="address"):
        MailAddress("no-at-sign")
    with pytest.raises(InvalidValueError, match="name"):
        MailAddress("a@example.com", "two\nlines")


# HTML


def test_html_keeps_what_a_reader_sees() -> None:
    html = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Title</h1><p>One&nbsp;<b>two</b></p><table><tr><td>a</td><td>b</td></tr></table>"
        '<img src="x.png" alt="logo"><hr><pre>keep</pre><script>x()</script>'
        '<div style="DISPLAY : none">no</div><p hidden>no</p><noscript>no</noscript>'
        "</body></html>"
    )
    assert html_to_text(html) == "Title\nOne two\na b\n[logo]\n----\nkeep"


def test_html_links_keep_their_target() -> None:
    html = (
        '<a href="https://x.example/1">docs</a> '
        '<a href="https://x.example/2">https://x.example/2</a> <a href="#top">top</a>'
    )
    assert html_to_text(html) == "docs (https://x.example/1) https://x.example/2 top"


def test_html_quotes_become_angle_quotes() -> None:
    assert html_to_text("new<blockquote>old<blockquote>older</blockquote></blockquote>") == (
        "new\n> old\n> > older"
    )


def test_broken_html_is_read_as_browsers_read_it() -> None:
    assert html_to_text("<div><p>open</div> stray</span> <b>bold") == "open\nstray bold"
    assert html_to_text("a <div b <!-- c") == "a <div b <!-- c"
    assert html_to_text("x <![CDATA[ y ]]> z") == "x <![CDATA[ y ]]> z"


# Automatic mail


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated", AutoReason.AUTO_SUBMITTED),
        ("Auto-Submitted: auto-replied; owner-email=x@y.z", AutoReason.AUTO_SUBMITTED),
        ("Auto-Submitted: No (a person)", None),
        ("Return-Path: <>", AutoReason.EMPTY_RETURN_PATH),
        ("Return-Path: < >", AutoReason.EMPTY_RETURN_PATH),
        ("Return-Path: <bounce@example.com>", None),
        ("X-Autoreply: yes", AutoReason.X_AUTOREPLY),
        ("X-Autoreply: no", None),
        ("X-Autorespond: vacation", AutoReason.X_AUTORESPOND),
        ("X-Auto-Response-Suppress: OOF, AutoReply", AutoReason.X_AUTO_RESPONSE_SUPPRESS),
        ("X-Auto-Response-Suppress: None", None),
        ("Precedence: BULK", AutoReason.PRECEDENCE),
        ("Precedence: first-class", None),
        ("List-Id: <users.example.org>", AutoReason.LIST),
        ("Content-Type: multipart/report; report-type=delivery-status", AutoReason.DELIVERY_REPORT),
        ("Precedence: list\r\nAuto-Submitted: auto-replied", AutoReason.AUTO_SUBMITTED),
        ("Subject: I am out of office", None),
    ],
)
def test_automatic_mail_is_recognised(headers: str, reason: AutoReason | None) -> None:
    assert parse_email(message(headers)).auto == reason


# Flowed text


def test_flowed_lines_join_at_each_quote_depth() -> None:
    text = "one \ntwo\n> three \n> four\n>> five\n -- \n-- \nsig"
    assert unflow(text, delsp=False) == "one two\n> three four\n>> five\n-- \n-- \nsig"
    assert unflow("ab \ncd", delsp=True) == "abcd"
    assert unflow("dangling ", delsp=False) == "dangling "


# The value types


def email(**changes: object) -> InboundEmail:
    fields: dict[str, object] = {
        "message_id": "<m@example.com>",
        "in_reply_to": None,
        "references": (),
        "sender": MailAddress("a@example.com"),
        "to": (),
        "cc": (),
        "subject": "s",
        "date": None,
        "text": "t",
        "reply_text": "t",
        "attachments": (),
        "auto": None,
        "defects": (),
    }
    fields.update(changes)
    return InboundEmail(**fields)  # type: ignore[arg-type]


def test_an_inbound_email_holds_only_what_stores_can_keep() -> None:
    assert email(date=datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=2)))).date == (
        datetime(2026, 3, 2, 8, tzinfo=UTC)
    )
    assert email(auto="list").auto is AutoReason.LIST
    for field, value in [
        ("subject", "two\nlines"),
        ("text", "\ud800"),
        ("date", datetime(2026, 3, 2)),  # noqa: DTZ001 - naive on purpose
        ("sender", "a@example.com"),
        ("to", ["a@example.com"]),
        ("attachments", ["a.pdf"]),
        ("defects", ["bad"]),
        ("auto", "maybe"),
        ("message_id", ""),
        ("references", ["<a@b>", ""]),
    ]:
        with pytest.raises(InvalidValueError):
            email(**{field: value})


def test_an_attachment_is_checked_when_built() -> None:
    digest = "0" * 64
    assert Attachment(None, "image/png", 0, digest).name is None
    with pytest.raises(InvalidValueError, match="sha256"):
        Attachment("a", "image/png", 0, "XYZ")
    with pytest.raises(InvalidValueError, match="size"):
        Attachment("a", "image/png", -1, digest)


def test_defects_say_where_what_and_why() -> None:
    raw = message("Content-Type: text/plain; charset=x-nothing", "caf\xe9")
    (defect,) = parse_email(raw).defects
    assert defect == IntakeProblem(
        "message",
        "charset_fallback",
        "unknown charset 'x-nothing' read as UTF-8, other bytes as Windows-1252",
    )


@pytest.mark.parametrize(
    "parameter",
    ["charset*=a%00b''x", "boundary*=a%00b''x", "name*=x%00y''a%FFb", "format*=a%00''flowed"],
)
def test_a_parameter_that_cannot_be_read_is_a_parameter_not_given(parameter: str) -> None:
    email = parse_email(message(f"Content-Type: text/plain; {parameter}", "hi"))
    assert email.text == "hi"
