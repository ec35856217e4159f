"""Whatever bytes arrive, ``parse_email`` returns an ``InboundEmail`` or raises ``IntakeError``.

Nothing else escapes, and nothing takes long: each input is parsed within a generous bound.
Three sources of input: arbitrary bytes, corpus messages mutated, and MIME trees built from
hostile parts (encoded words in unknown charsets, RFC 2231 parameters, every transfer
encoding). The ``ci`` profile runs 10,000 examples over the three; ``dev`` runs its usual few.
"""

from __future__ import annotations

import time

import pytest
from _corpus import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow.intake import InboundEmail, IntakeError, parse_email

SEEDS = list(corpus().values())
PROFILE_EXAMPLES = settings().max_examples  # 50 in ci, 30 in dev
CI = settings.get_profile("dev").max_examples < PROFILE_EXAMPLES
BYTES_EXAMPLES = 4_500 if CI else PROFILE_EXAMPLES
MUTATED_EXAMPLES = 4_500 if CI else PROFILE_EXAMPLES
BUILT_EXAMPLES = 1_000 if CI else PROFILE_EXAMPLES  # each takes longer to generate
GENEROUS = 5.0  # seconds; the inputs here take milliseconds

TOKENS = [
    b"\r\n",
    b"\n\n",
    b"--",
    b"=?",
    b"?=",
    b"=?utf-8?q?=C3=A9?=",
    b"=?x-bad?b?////?=",
    b"Content-Type: multipart/mixed; boundary=m\n\n--m\n",
    b"Content-Type: message/rfc822\n\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"charset=unicode_escape",
    b"charset=utf-16",
    b"; charset*=a%00b''x",
    b"; boundary*=a%00b''x",
    b"; filename*=utf-8''%FF%FE",
    b"<blockquote>",
    b"<![CDATA[",
    b"(((((",
    b'"\\',
    b"\xff\xfe\x80",
    b"\x00",
    b"On Mon, 2 Mar 2026 Alice <a@b.c> wrote:\n> ",
]


def check(raw: bytes) -> None:
    started = time.perf_counter()
    outcome: InboundEmail | IntakeError
    try:
        outcome = parse_email(raw)
    except IntakeError as error:
        outcome = error
    assert time.perf_counter() - started < GENEROUS
    if isinstance(outcome, IntakeError):
        assert outcome.problems
    else:
        assert isinstance(outcome, InboundEmail)


@settings(max_examples=BYTES_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_an_email_or_an_intake_error(raw: bytes) -> None:
    check(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(max_size=16))
        elif kind == "repeat":
            data[at:at] = bytes(data[at : at + draw(st.integers(1, 64))]) * draw(st.integers(2, 40))
        else:
            del data[at:]
    return bytes(data)


@pytest.mark.no_cover  # thousands of messages: the corpus tests cover the same code, faster
@settings(max_examples=MUTATED_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_corpus_messages_give_an_email_or_an_intake_error(raw: bytes) -> None:
    check(raw)


CHARSETS = ["utf-8", "iso-8859-1", "koi8-r", "shift_jis", "iso-2022-jp", "utf-16", "utf-7"]
CHARSETS += ["x-bad", "base64", "unicode_escape", "", "utf-8*en", "a\x00b"]
TYPES = ["text/plain", "text/html", "application/pdf", "message/rfc822", "text/rfc822-headers"]
TYPES += ["message/delivery-status", "multipart/mixed", "multipart/alternative"]
TYPES += ["multipart/report", "multipart/digest", "bogus", "a/b/c"]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "weird"]
PARAMETERS = ["charset", "boundary", "name", "format", "delsp", "charset*", "name*", "filename*0*"]
HEADERS = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"]
HEADERS += ["Return-Path", "Auto-Submitted", "Precedence", "List-Id", "X-Autoreply"]
BODIES = [
    b"<p>x</p><blockquote>q</blockquote><!--",
    b"SGVsbG8=",
    b"=C3=A9=\r\n",
    b"begin 644 x\n#86)C\n`\nend\n",
    b"> quoted\r\nOn 2 Mar 2026 A <a@b.c> wrote:\r\n",
]


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    charset = draw(st.sampled_from(CHARSETS))
    payload = draw(st.text(alphabet="=_?ABCabc019+/ \t", max_size=20))
    return f"=?{charset}?{draw(st.sampled_from('qQbB'))}?{payload}?="


SPECIALS = st.sampled_from(['"', "(", ")", "<", ">", ",", ";", ":", "@", "\\", "\r\n ", "\n\t"])
VALUES = st.lists(st.one_of(st.text(max_size=30), encoded_words(), SPECIALS), max_size=8).map(
    "".join
)


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mime_parts(draw: st.DrawFn, depth: int) -> bytes:
    content_type = draw(st.sampled_from(TYPES))
    boundary = draw(st.sampled_from(["b1", "b2", "==x==", "", "a b"]))
    parameters = draw(st.lists(st.tuples(st.sampled_from(PARAMETERS), VALUES), max_size=3))
    head = f'Content-Type: {content_type}; boundary="{boundary}"'
    head += "".join(f"; {name}={value}" for name, value in parameters)
    if draw(st.booleans()):
        head += f"\r\nContent-Transfer-Encoding: {draw(st.sampled_from(ENCODINGS))}"
    if draw(st.booleans()):
        head += f"\r\nContent-Disposition: attachment; filename={draw(VALUES)}"
    body: bytes
    if content_type.startswith("multipart/") and depth < 4:
        children = draw(st.lists(mime_parts(depth + 1), max_size=3))
        body = b"".join(b"--" + _encoded(boundary) + b"\r\n" + c + b"\r\n" for c in children)
        if draw(st.booleans()):
            body += b"--" + _encoded(boundary) + b"--\r\n"
    elif content_type == "message/rfc822" and depth < 4:
        body = draw(built_messages(depth + 1))
    else:
        body = draw(st.binary(max_size=60) | st.sampled_from(BODIES))
    return _encoded(head) + b"\r\n\r\n" + body


@st.composite
def built_messages(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADERS), VALUES), max_size=8))
    return _encoded("".join(f"{n}: {v}\r\n" for n, v in headers)) + draw(mime_parts(depth))


@settings(
    max_examples=BUILT_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.no_cover  # as above
@given(built_messages())
def test_hostile_mime_trees_give_an_email_or_an_intake_error(raw: bytes) -> None:
    check(raw)
