"""A dispatcher process killed mid-delivery loses no message: at least once, same webhook-id."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _receiver import receiving
from _webhook_desk import SECRET, submit

from ticketflow.integrations import DispatchReport
from ticketflow.storage import SQLiteTicketStore
from ticketflow.webhooks import WebhookDispatcher, WebhookEndpoint, verify

CHILD = Path(__file__).with_name("_dispatcher_child.py")


@pytest.mark.slow
def test_a_dispatcher_killed_mid_delivery_leaves_the_message_for_the_next(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        submit(store, at=datetime.now(UTC) - timedelta(seconds=1))
    with receiving(["hang"]) as receiver:
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        with subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(CHILD), str(path), receiver.url],
            stdout=subprocess.PIPE,
            env=environment,
            cwd=CHILD.parent,
        ) as child:
            try:
                assert child.stdout is not None
                assert child.stdout.readline() == b"started\n"
                assert receiver.arrived.wait(30), "the child never delivered"
                child.send_signal(signal.SIGKILL)
                assert child.wait(30) == -signal.SIGKILL
            finally:
                if child.poll() is None:
                    child.kill()
        receiver.release()
        with SQLiteTicketStore(path) as store:
            endpoint = WebhookEndpoint(receiver.url, SECRET)
            dispatcher = WebhookDispatcher(store, [endpoint])
            now = datetime.now(UTC)
            assert dispatcher.run_once(now=now) == DispatchReport(0, 0, 0, 0), (
                "the dead dispatcher's lease still holds the message"
            )
            later = now + timedelta(minutes=1, seconds=1)
            assert dispatcher.run_once(now=later) == DispatchReport(1, 0, 0, 0)
            assert dispatcher.run_once(now=later + timedelta(days=1)).delivered == 0
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert (
        verify(second.headers, second.body, SECRET, now=later).msg_id == first.headers["webhook-id"]
    )
