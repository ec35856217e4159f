"""How fast are webhooks signed and verified?  Run: python benchmarks/webhooks.py.

Prints signatures signed and verified per second (the median of several runs) for a 600-byte
JSON body, beside ``standardwebhooks`` (the specification's reference package, when it is
installed: ``nox -s bench`` installs it) and a bare ``hmac`` baseline measured in the same
run. Target: at least as fast as the reference.

The reference verifies with ``json_parse=False`` (ours does not parse either) and, as ours
does when given no ``now``, reads the system clock for every message. Verification here is
given two secrets, the signer's second, as during a rotation; a third row gives one secret.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import hmac
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from _workload import sized

from ticketflow.webhooks import WebhookSecret, sign, verify

RUNS = sized(7, 1)  # timing runs; the median is reported
MESSAGES = sized(5_000, 20)  # per run
SECRET = WebhookSecret(bytes(range(32)))
OLD = WebhookSecret(bytes(range(100, 132)))
BODY_TEXT = json.dumps(
    {
        "type": "ticket.csat_requested",
        "timestamp": "2026-03-02T09:00:00Z",
        "data": {
            "ticket_id": "7f3c2a9e5b1d4c8f9a0e6b2d4f8c1a3e",
            "number": 4242,
            "requester": {"email": "alice@example.com", "name": "Alice Example"},
            "subject": "Parcel 42 is late",
            "survey_url": "https://desk.example/csat/7f3c2a9e5b1d4c8f9a0e6b2d4f8c1a3e",
            "closed_at": "2026-03-02T08:59:58Z",
            "padding": "x" * 260,
        },
    }
)
BODY = BODY_TEXT.encode()


def rate(work: Callable[[int], None]) -> float:
    """Return the median messages per second of ``work(n)`` over :data:`RUNS` runs."""
    rates = []
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        work(MESSAGES)
        rates.append(MESSAGES / (time.perf_counter() - started))
    return statistics.median(rates)


def messages(count: int) -> list[dict[str, str]]:
    """Return ``count`` signed headers, stamped now, each with its own id."""
    sent = int(time.time())
    return [
        {
            "webhook-id": f"msg_{n:08d}",
            "webhook-timestamp": str(sent),
            "webhook-signature": sign(SECRET, f"msg_{n:08d}", sent, BODY),
        }
        for n in range(count)
    ]


def ours_sign(count: int) -> None:
    """Sign ``count`` messages with ticketflow."""
    sent = int(time.time())
    for n in range(count):
        sign(SECRET, f"msg_{n:08d}", sent, BODY)


def bare_sign(count: int) -> None:
    """Sign ``count`` messages with hmac and base64 alone: no checks at all."""
    sent = int(time.time())
    for n in range(count):
        content = f"msg_{n:08d}.{sent}.".encode() + BODY
        "v1," + base64.b64encode(hmac.new(SECRET.key, content, hashlib.sha256).digest()).decode()


def timed_apart(work: Callable[[list[dict[str, str]]], None]) -> Callable[[int], None]:
    """Return work whose messages are signed before the clock starts."""

    def run(count: int) -> None:
        work(PREPARED[:count])

    return run


PREPARED: list[dict[str, str]] = []


def ours_verify_two(prepared: list[dict[str, str]]) -> None:
    """Verify with two secrets, the signer's second, as during a rotation."""
    two = [OLD, SECRET]
    for headers in prepared:
        verify(headers, BODY, two)


def ours_verify_one(prepared: list[dict[str, str]]) -> None:
    """Verify with the signer's secret alone."""
    for headers in prepared:
        verify(headers, BODY, SECRET)


def bare_verify(prepared: list[dict[str, str]]) -> None:
    """Verify with hmac alone: no parsing, no checks of any kind."""
    for headers in prepared:
        content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + BODY
        expected = hmac.new(SECRET.key, content, hashlib.sha256).digest()
        given = base64.b64decode(headers["webhook-signature"].partition(",")[2])
        hmac.compare_digest(expected, given)


def reference_rows() -> list[tuple[str, float]]:
    """Return the reference package's rows, or none if it is not installed."""
    try:
        import standardwebhooks  # noqa: PLC0415 - optional: measured only where installed
    except ImportError:
        print("standardwebhooks is not installed: the reference rows are left out\n")
        return []
    reference = standardwebhooks.Webhook(SECRET.text)

    def reference_sign(count: int) -> None:
        moment = datetime.fromtimestamp(int(time.time()), UTC)
        for n in range(count):
            reference.sign(f"msg_{n:08d}", moment, BODY_TEXT)

    def reference_verify(prepared: list[dict[str, str]]) -> None:
        for headers in prepared:
            reference.verify(BODY, headers, json_parse=False)

    return [
        ("sign: standardwebhooks (reference)", rate(reference_sign)),
        ("verify: standardwebhooks, one secret (reference)", rate(timed_apart(reference_verify))),
    ]


def main() -> None:
    """Print the table."""
    print(f"webhooks on Python {platform.python_version()} ({sys.platform})")
    print(f"{len(BODY)}-byte body, {MESSAGES:,} messages a run, median of {RUNS} runs\n")
    PREPARED.extend(messages(MESSAGES))
    rows = [
        ("sign: ticketflow", rate(ours_sign)),
        ("sign: bare hmac (baseline)", rate(bare_sign)),
        ("verify: ticketflow, two secrets (rotation)", rate(timed_apart(ours_verify_two))),
        ("verify: ticketflow, one secret", rate(timed_apart(ours_verify_one))),
        ("verify: bare hmac (baseline)", rate(timed_apart(bare_verify))),
        *reference_rows(),
    ]
    print(f"{'step':50} {'messages/s':>11} {'us each':>8}")
    for name, per_second in sorted(rows, key=lambda row: row[0].startswith("verify")):
        print(f"{name:50} {per_second:11,.0f} {1e6 / per_second:8.1f}")


if __name__ == "__main__":
    main()
