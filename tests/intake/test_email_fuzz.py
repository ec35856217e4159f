"""Whatever bytes arrive, ``parse_email`` returns an ``InboundEmail`` or raises ``IntakeError``.

Nothing else escapes, and nothing takes long: each input is parsed within a generous bound.
The ``ci`` profile runs 10,000 examples over the two tests below; ``dev`` runs its usual few.
"""

from __future__ import annotations

import time

from _corpus import corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketflow.intake import InboundEmail, IntakeError, parse_email

SEEDS = list(corpus().values())
PROFILE_EXAMPLES = settings().max_examples  # 150 in ci, 30 in dev
PER_TEST = 5_000 if PROFILE_EXAMPLES >= 150 else PROFILE_EXAMPLES
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


@settings(max_examples=PER_TEST, suppress_health_check=[HealthCheck.too_slow])
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


@settings(max_examples=PER_TEST, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_corpus_messages_give_an_email_or_an_intake_error(raw: bytes) -> None:
    check(raw)
