"""How fast is intake?  Run: python benchmarks/intake.py.

Prints e-mails parsed per second for a 5 KB reply with quoted history (as plain text, and as
Gmail sends it: plain text and HTML alternatives), beside a plain 1 KB message as the
baseline, measured in the same run. Then the time of the slowest inputs we know of under the
default limits (the target: under a second each). Then ``Intake.ingest_email`` end to end on
SQLite (synchronous=NORMAL): new tickets, threaded replies and duplicates per second, beside
parsing the same messages alone. Last, the near-duplicate query at 100,000 indexed open tickets
beside brute force in the same run (``_intake_dedupe.py``).
"""

from __future__ import annotations

import gc
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _workload import sized

from ticketflow import Desk
from ticketflow.intake import (
    EmailLimits,
    InMemoryAttachmentSink,
    Intake,
    IntakeAction,
    MailIdentity,
    parse_email,
)
from ticketflow.storage import SQLiteTicketStore

RUNS = sized(7, 1)  # timing runs; the median is reported
LIMITS = EmailLimits()
HEAD = (
    "From: Alice Example <alice@example.com>\r\nTo: Support <support@example.com>\r\n"
    "Subject: Re: Parcel 42 is late\r\nDate: Mon, 2 Mar 2026 09:14:00 +0100\r\n"
    "Message-ID: <reply-1@mail.example.com>\r\nIn-Reply-To: <t-42.3@desk.example>\r\n"
    "References: <m-1@mail.example.com> <t-42.1@desk.example> <t-42.3@desk.example>\r\n"
    "MIME-Version: 1.0\r\n"
)
PARAGRAPH = (
    "We checked with the carrier again this morning: the parcel left the depot on Friday and "
    "should have been delivered on Saturday, but the tracking page still shows it in transit. "
)


def history(depth: int) -> str:
    """Return a thread of ``depth`` earlier messages, each quoted one level deeper."""
    text = ""
    for level in range(depth, 0, -1):
        quote = "> " * level
        text += (
            f"{quote}On Sun, Mar 1, 2026 at 10:0{level} AM Support <support@example.com> wrote:\r\n"
        )
        text += "".join(f"{quote}{PARAGRAPH}\r\n" for _ in range(3)) + f"{quote}\r\n"
    return text


def reply_plain() -> bytes:
    body = (
        "Hello,\r\n\r\nthe parcel is still not here. Could you ask the carrier again?\r\n\r\n"
        "Thanks,\r\nAlice\r\n\r\n" + history(7)
    )
    return (HEAD + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def reply_alternative() -> bytes:
    plain = "The parcel is still not here.\r\n\r\nAlice\r\n\r\n" + history(3)
    quoted = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(12))
    html = (
        '<div dir="ltr">The parcel is still not here.<br><br>Alice</div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Sun, Mar 1, 2026 at 10:00 AM '
        'Support &lt;support@example.com&gt; wrote:<br></div><blockquote class="gmail_quote" '
        'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">'
        f"{quoted}</blockquote></div>"
    )
    return (
        HEAD
        + 'Content-Type: multipart/alternative; boundary="000000000000a1b2c3"\r\n\r\n'
        + '--000000000000a1b2c3\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n'
        + plain
        + '\r\n--000000000000a1b2c3\r\nContent-Type: text/html; charset="UTF-8"\r\n'
        + "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + html.replace("=", "=3D")
        + "\r\n--000000000000a1b2c3--\r\n"
    ).encode()


def plain_1k() -> bytes:
    body = "Hello,\r\n\r\n" + PARAGRAPH * 4 + "\r\n\r\nAlice\r\n"
    return (HEAD + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()


def per_second(raw: bytes) -> float:
    """The median over RUNS runs of messages parsed per second."""
    number = max(1, int(sized(0.2, 0.002) / _once(raw)))  # about 0.2 s a run
    rates = []
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        for _ in range(number):
            parse_email(raw)
        rates.append(number / (time.perf_counter() - started))
    return statistics.median(rates)


def _once(raw: bytes) -> float:
    started = time.perf_counter()
    parse_email(raw)
    return max(time.perf_counter() - started, 1e-6)


ROOM = sized(LIMITS.max_bytes - 4096, 4096)
LINES = sized(LIMITS.max_lines - 100, 100)
H = b"From: a@example.com\r\nSubject: x\r\n"


def _deep_long_lines() -> bytes:
    deep = b"".join(
        b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
        for i in range(LIMITS.max_depth)
    )
    body = (b"-" * (ROOM // LINES - 2) + b"\r\n") * (LINES - 100)
    return H + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + deep + body


def _headers(pattern: bytes) -> bytes:
    value = (pattern * LIMITS.max_header_chars)[: LIMITS.max_header_chars]
    names = [b"From", b"To", b"Cc", b"Subject", b"Date", b"References", b"Content-Type"]
    return b"".join(n + b": " + value + b"\r\n" for n in names) + b"\r\nbody"


HOSTILE: dict[str, Callable[[], bytes]] = {
    "10 MB on one line": lambda: H + b"\r\n" + b"x" * ROOM,
    "200,000 short lines": lambda: H + b"\r\n" + b"On 2 Mar wrote:\r\n" * LINES,
    f"{LIMITS.max_depth}-deep multipart, 200,000 lines": _deep_long_lines,
    "100,000 empty parts": lambda: (
        H + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\n" * (LINES // 2)
    ),
    "10 MB of HTML tags": lambda: H + b"Content-Type: text/html\r\n\r\n" + b"<b><i>" * (ROOM // 6),
    "10 MB of unclosed HTML tags": lambda: (
        H + b"Content-Type: text/html\r\n\r\n" + b"<div" * (ROOM // 4)
    ),
    "7 headers of quotes": lambda: _headers(b'"a'),
    "7 headers of encoded words": lambda: _headers(b"=?utf-8?q?a "),
    "10 MB in an unknown charset": lambda: (
        H
        + b"Content-Type: text/plain; charset=x-none\r\n\r\n"
        + (b"\xff" * 76 + b"\r\n") * (ROOM // 78)
    ),
}


WORDS = (
    "parcel",
    "invoice",
    "printer",
    "label",
    "carrier",
    "pallet",
    "refund",
    "order",
    "warehouse",
    "driver",
    "depot",
    "scanner",
    "account",
    "password",
    "vpn",
    "laptop",
    "screen",
    "battery",
    "cable",
    "router",
    "network",
    "billing",
    "tax",
    "customs",
    "delivery",
    "pickup",
    "return",
    "damaged",
    "missing",
    "late",
    "broken",
    "wrong",
    "address",
    "phone",
    "email",
    "portal",
)


def _requests(count: int) -> list[bytes]:
    rng = random.Random(7)
    messages = []
    for number in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(60))
        messages.append(
            (
                f"From: Customer {number} <c{number}@example.com>\r\n"
                f"To: support@desk.example\r\nSubject: Request {number}: {words[:40]}\r\n"
                f"Message-ID: <r{number}@mail.example.com>\r\n"
                f"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\n{words}\r\n"
            ).encode()
        )
    return messages


def _replies(requests: list[bytes]) -> list[bytes]:
    return [
        (
            f"From: c{number}@example.com\r\nTo: support@desk.example\r\n"
            f"Subject: Re: request {number}\r\nMessage-ID: <re{number}@mail.example.com>\r\n"
            f"In-Reply-To: <r{number}@mail.example.com>\r\n\r\nStill waiting, thanks.\r\n\r\n"
            f"On Mon, 2 Mar 2026 at 09:00, Support <support@desk.example> wrote:\r\n> Hello\r\n"
        ).encode()
        for number in range(len(requests))
    ]


def _rate(messages: list[bytes], take: Callable[[bytes], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    for raw in messages:
        take(raw)
    return len(messages) / (time.perf_counter() - started)


def ingest_table(count: int = sized(400, 5)) -> None:
    """Print ingest_email end to end on SQLite, beside parse_email alone on the same mail."""
    requests = _requests(count)
    replies = _replies(requests)
    print(f"\ningest_email end to end on SQLite (synchronous=NORMAL), {count} messages each")
    print(f"{'step':52} {'e-mails/s':>10} {'us each':>8} {'vs parse':>9}")
    parse_rate = statistics.median(_rate(requests, parse_email) for _ in range(sized(3, 1)))
    print(f"{'parse_email alone (baseline)':52} {parse_rate:10,.0f} {1e6 / parse_rate:8.0f}")
    with tempfile.TemporaryDirectory() as scratch:
        store = SQLiteTicketStore(Path(scratch) / "intake.sqlite3", synchronous="NORMAL")
        with store:
            intake = Intake(
                Desk(store),
                identity=MailIdentity("support@desk.example", b"benchmark secret, 32 bytes long"),
                attachments=InMemoryAttachmentSink(),
            )
            outcomes: list[IntakeAction] = []

            def take(raw: bytes) -> None:
                outcomes.append(intake.ingest_email(raw).action)

            steps = (
                ("new tickets (exact and near dedupe checked)", requests, IntakeAction.CREATED),
                ("replies threaded by In-Reply-To", replies, IntakeAction.APPENDED),
                ("the same messages again (duplicates)", requests, IntakeAction.DUPLICATE),
            )
            for name, messages, expected in steps:
                outcomes.clear()
                rate = _rate(messages, take)
                if set(outcomes) != {expected}:
                    raise SystemExit(f"{name}: expected {expected}, got {set(outcomes)}")
                print(f"{name:52} {rate:10,.0f} {1e6 / rate:8.0f} {parse_rate / rate:8.1f}x")


def main() -> None:
    """Print the three tables."""
    print(f"parse_email on Python {platform.python_version()} ({sys.platform})\n")
    cases = {
        "plain 1 KB message (baseline)": plain_1k(),
        "5 KB reply with quoted history, text/plain": reply_plain(),
        "5 KB reply with quoted history, plain + HTML": reply_alternative(),
    }
    baseline = None
    print(f"{'message':48} {'bytes':>6} {'e-mails/s':>10} {'us each':>8} {'vs 1 KB':>8}")
    for name, raw in cases.items():
        rate = per_second(raw)
        baseline = baseline or rate
        print(f"{name:48} {len(raw):6d} {rate:10,.0f} {1e6 / rate:8.0f} {baseline / rate:7.1f}x")
        if not parse_email(raw).reply_text:
            raise SystemExit(f"{name}: no reply text read")
    print("\nslowest known inputs under the default limits (target: < 1 s each)")
    print(f"{'input':40} {'MB':>6} {'seconds':>8}")
    for name, build in HOSTILE.items():
        raw = build()
        seconds = min(_once(raw) for _ in range(sized(3, 1)))
        print(f"{name:40} {len(raw) / 1e6:6.2f} {seconds:8.3f}")
    ingest_table()
    print()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import _intake_dedupe  # noqa: PLC0415 - a table of its own, run last

    _intake_dedupe.main()


if __name__ == "__main__":
    main()
