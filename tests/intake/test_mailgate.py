"""``python -m ticketflow mailgate``: exit 0 when handled, 75 when the MTA must retry."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ticketflow.intake._mailgate import EX_OK, EX_TEMPFAIL, mailgate
from ticketflow.storage import SQLiteTicketStore

SECRET = {"TICKETFLOW_MAIL_SECRET": "a secret of 24 bytes ok", "PATH": os.environ["PATH"]}

REQUEST = b"""\
From: Carol <carol@example.com>
To: support@desk.example
Subject: Pallet arrived damaged
Message-ID: <pallet-1@example.com>
Content-Type: text/plain

The pallet for order 7781 arrived with a broken corner.
"""

REPLY = b"""\
From: carol@example.com
To: support@desk.example
Subject: Re: Pallet arrived damaged
Message-ID: <pallet-2@example.com>
In-Reply-To: <pallet-1@example.com>

Photos are attached to the portal now.
"""


def _gate(db: Path, raw: bytes, **options: object) -> tuple[int, list[str], list[str]]:
    out: list[str] = []
    err: list[str] = []
    status = mailgate(
        db,
        stdin=io.BytesIO(raw),
        write=out.append,
        warn=err.append,
        environ=options.pop("environ", SECRET),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    return status, out, err


def test_a_message_is_created_then_a_duplicate_then_a_reply_appends(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    assert _gate(db, REQUEST) == (EX_OK, ["created #1: new ticket from carol@example.com"], [])
    status, out, _ = _gate(db, REQUEST)
    assert (status, out[0].split(":")[0]) == (EX_OK, "duplicate #1")
    status, out, _ = _gate(db, REPLY, as_json=True)
    assert status == EX_OK
    answer = json.loads(out[0])
    assert answer["action"] == "appended"
    assert answer["threaded_by"] == "header"
    assert answer["ticket_number"] == 1
    with SQLiteTicketStore(db) as store:
        assert store.get_by_number(1).version == 4
    assert any((tmp_path / "desk.sqlite3.attachments").rglob("*")), "the raw bytes are kept"


def test_unreadable_and_automatic_mail_is_handled_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    status, out, _ = _gate(db, b"", as_json=True)
    assert status == EX_OK
    assert json.loads(out[0])["action"] == "rejected"
    auto = b"From: a@example.com\nAuto-Submitted: auto-replied\nSubject: away\n\nI am away.\n"
    status, out, _ = _gate(db, auto)
    assert status == EX_OK
    assert out[0].startswith("ignored record ")
    with SQLiteTicketStore(db) as store:
        assert [r.raw for r in store.rejected()] == [b"", auto]


def test_a_busy_store_answers_tempfail_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    SQLiteTicketStore(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        status, out, err = _gate(db, REQUEST, timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (status, out) == (EX_TEMPFAIL, [])
    assert "try again later" in err[0]
    assert _gate(db, REQUEST)[0:2] == (EX_OK, ["created #1: new ticket from carol@example.com"])


def test_an_unreachable_store_or_missing_secret_answers_tempfail(tmp_path: Path) -> None:
    missing = tmp_path / "no such directory" / "desk.sqlite3"
    status, _, err = _gate(missing, REQUEST)
    assert status == EX_TEMPFAIL
    assert "StoreError" in err[0]
    status, _, err = _gate(tmp_path / "desk.sqlite3", REQUEST, environ={})
    assert status == EX_TEMPFAIL
    assert "TICKETFLOW_MAIL_SECRET" in err[0]
    status, _, err = _gate(tmp_path / "desk.sqlite3", REQUEST, desk_factory="builtins:repr")
    assert status == EX_TEMPFAIL
    assert "must be a Desk" in err[0]


def test_the_host_builds_its_own_desk(tmp_path: Path) -> None:
    status, out, err = _gate(tmp_path / "d.sqlite3", REQUEST, desk_factory="ticketflow:Desk")
    assert (status, err) == (EX_OK, [])
    assert out[0].startswith("created #1")


@pytest.mark.parametrize("as_json", [False, True])
def test_the_command_line_reads_stdin_and_exits_with_the_status(
    tmp_path: Path, as_json: bool
) -> None:
    command = [sys.executable, "-m", "ticketflow", "mailgate", "--db", str(tmp_path / "d.db")]
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, *(["--json"] if as_json else [])],
        input=REQUEST,
        capture_output=True,
        env=SECRET,
        check=False,
        timeout=60,
    )
    assert result.returncode == EX_OK, result.stderr
    text = result.stdout.decode()
    if as_json:
        assert json.loads(text)["action"] == "created"
    else:
        assert text == "created #1: new ticket from carol@example.com\n"
    result = subprocess.run(  # noqa: S603
        command, input=REQUEST, capture_output=True, env={}, check=False, timeout=60
    )
    assert result.returncode == EX_TEMPFAIL
