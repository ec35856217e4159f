"""What ``parse_email`` refuses, what it cuts, and that hostile input stays fast.

Over-limit input is refused with an ``IntakeError`` naming the limit; everything else that is
too much is cut and recorded as a defect. The worst inputs we know of under the default limits
each parse within a generous bound (the target is a second; ``benchmarks/intake.py`` prints
the measured times).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from ticketflow.exceptions import InvalidValueError
from ticketflow.intake import EmailLimits, InboundEmail, IntakeError, parse_email

HEAD = b"From: alice@example.com\r\nTo: support@example.com\r\nSubject: Limits\r\n"


def codes(email: InboundEmail) -> set[str]:
    return {defect.code for defect in email.defects}


def refused(raw: object, limits: EmailLimits | None = None) -> tuple[str, str]:
    with pytest.raises(IntakeError) as caught:
        parse_email(raw, limits=limits or EmailLimits())  # type: ignore[arg-type]
    (problem,) = caught.value.problems
    assert caught.value.code == "invalid_intake"
    return problem.path, problem.code


def test_only_bytes_are_read() -> None:
    assert refused("From: a@b.c\n\nhi") == ("raw", "wrong_type")
    assert parse_email(bytearray(HEAD + b"\r\nhi")).text == "hi"
    assert parse_email(memoryview(HEAD + b"\r\nhi")).text == "hi"


def test_empty_input_is_refused() -> None:
    assert refused(b"") == ("raw", "empty")
    assert refused(b" \r\n\r\n ") == ("raw", "empty")


def test_input_without_any_header_field_is_not_an_email() -> None:
    assert refused(b"just some words\nand more\n") == ("header", "not_an_email")
    assert refused(b"\x00\xff\xfe garbage") == ("header", "not_an_email")


def test_a_message_over_the_size_limit_is_refused() -> None:
    raw = HEAD + b"\r\n" + b"x" * 1000
    assert refused(raw, EmailLimits(max_bytes=1000)) == ("raw", "too_large")
    assert parse_email(raw, limits=EmailLimits(max_bytes=len(raw))).text == "x" * 1000


def test_a_header_block_over_its_limit_is_refused() -> None:
    raw = HEAD + b"X-Padding: " + b"y" * 2000 + b"\r\n\r\nbody"
    assert refused(raw, EmailLimits(max_header_bytes=2000)) == ("header", "headers_too_large")


def test_too_many_lines_are_refused_before_parsing() -> None:
    raw = HEAD + b"\r\n" + b"\n" * 5000
    assert refused(raw, EmailLimits(max_lines=5000)) == ("raw", "too_many_lines")


def test_limits_are_checked_when_built() -> None:
    with pytest.raises(InvalidValueError, match=r"limits\.max_depth"):
        EmailLimits(max_depth=0)
    with pytest.raises(InvalidValueError, match=r"limits\.max_text_chars"):
        EmailLimits(max_text_chars=2**21)
    with pytest.raises(InvalidValueError, match="limits"):
        parse_email(HEAD, limits="strict")  # type: ignore[arg-type]


def test_a_long_header_field_is_cut_and_recorded() -> None:
    raw = HEAD.replace(b"Subject: Limits", b"Subject: " + b"word " * 100) + b"\r\nbody"
    email = parse_email(raw, limits=EmailLimits(max_header_chars=100))
    assert email.subject == ("word " * 20).strip()
    assert codes(email) == {"header_too_long"}


def test_parts_past_the_limit_are_left_out_and_parsing_stops() -> None:
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(1, 11)
    )
    raw = HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"
    email = parse_email(raw, limits=EmailLimits(max_parts=4))
    assert email.text == "part 1\n\npart 2\n\npart 3"
    assert codes(email) == {"too_many_parts"}
    assert parse_email(raw).text.count("part") == 10


def test_parts_nested_past_the_depth_limit_are_left_out() -> None:
    raw = HEAD + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in range(1, 6):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (depth - 1, depth)
    raw += b"--b5\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b5--\r\n"
    assert parse_email(raw).text == "deep"
    shallow = parse_email(raw, limits=EmailLimits(max_depth=3))
    assert shallow.text == ""
    assert "too_deep" in codes(shallow)


def test_body_text_past_the_limit_is_cut() -> None:
    email = parse_email(HEAD + b"\r\n" + b"a" * 500, limits=EmailLimits(max_text_chars=100))
    assert email.text == "a" * 100
    assert codes(email) == {"text_too_long"}


def test_html_past_the_limit_is_cut_before_it_is_converted() -> None:
    raw = HEAD + b"Content-Type: text/html\r\n\r\n<p>" + b"b" * 500 + b"</p>"
    email = parse_email(raw, limits=EmailLimits(max_html_chars=103))
    assert email.text == "b" * 100
    assert codes(email) == {"html_too_long"}


def test_recipients_past_the_limit_are_left_out() -> None:
    to = b", ".join(b"r%d@example.com" % i for i in range(10))
    raw = b"From: a@example.com\r\nTo: " + to + b"\r\n\r\nhi"
    email = parse_email(raw, limits=EmailLimits(max_recipients=3))
    assert [r.address for r in email.to] == ["r0@example.com", "r1@example.com", "r2@example.com"]
    assert codes(email) == {"address_left_out"}


def test_references_keep_the_root_and_the_latest() -> None:
    refs = b" ".join(b"<m%d@example.com>" % i for i in range(10))
    raw = b"From: a@example.com\r\nReferences: " + refs + b"\r\n\r\nhi"
    email = parse_email(raw, limits=EmailLimits(max_references=4))
    assert email.references == (
        "<m0@example.com>",
        "<m7@example.com>",
        "<m8@example.com>",
        "<m9@example.com>",
    )
    assert codes(email) == {"too_many_references"}


def test_importing_ticketflow_loads_neither_email_nor_intake() -> None:
    code = (
        "import sys, ticketflow\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'email' or 'intake' in m))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# The worst inputs we know of, each at the default limits (10 MiB, 200,000 lines, 256 KiB of
# HTML): what each stresses is in its name.
LIMITS = EmailLimits()
ROOM = LIMITS.max_bytes - 4096
LINES = LIMITS.max_lines - 100


def _html(pattern: bytes) -> bytes:
    return HEAD + b"Content-Type: text/html\r\n\r\n" + (pattern * (ROOM // len(pattern)))


def _deep_long_lines() -> bytes:
    deep = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(LIMITS.max_depth)
    )
    width = ROOM // LINES
    body = (b"-" * (width - 2) + b"\r\n") * (LINES - 100)
    return HEAD + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + deep + body


def _headers(pattern: bytes) -> bytes:
    value = (pattern * LIMITS.max_header_chars)[: LIMITS.max_header_chars]
    names = [b"From", b"To", b"Cc", b"Subject", b"Date", b"References", b"Content-Type"]
    return b"".join(name + b": " + value + b"\r\n" for name in names) + b"\r\nbody"


WORST: dict[str, Callable[[], bytes]] = {
    "one_long_line": lambda: HEAD + b"\r\n" + b"x" * ROOM,
    "white_space": lambda: HEAD + b"\r\n" + b" " * ROOM,
    "short_lines": lambda: HEAD + b"\r\n" + b"On 2 Mar wrote:\r\n" * LINES,
    "flowed": lambda: (
        HEAD
        + b"Content-Type: text/plain; format=flowed\r\n\r\n"
        + (b"y" * (ROOM // LINES - 3) + b" \r\n") * LINES
    ),
    "deep_nesting_long_lines": _deep_long_lines,
    "many_parts": lambda: (
        HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\n" * (LINES // 2)
    ),
    "html_tags": lambda: _html(b"<b><i>"),
    "html_unclosed_tags": lambda: _html(b"<div"),
    "html_unclosed_comments": lambda: _html(b"<!--"),
    "quotes_in_headers": lambda: _headers(b'"a'),
    "comments_in_headers": lambda: _headers(b"(("),
    "encoded_words_in_headers": lambda: _headers(b"=?utf-8?q?a "),
    "undecodable_bytes": lambda: (
        HEAD
        + b"Content-Type: text/plain; charset=x-none\r\n\r\n"
        + (b"\xff" * 76 + b"\r\n") * (ROOM // 78)
    ),
}


@pytest.mark.parametrize("case", sorted(WORST))
def test_the_worst_known_inputs_parse_quickly(case: str) -> None:
    raw = WORST[case]()
    assert len(raw) <= LIMITS.max_bytes
    started = time.perf_counter()
    parse_email(raw)
    assert time.perf_counter() - started < 5.0  # generous: the target is one second
