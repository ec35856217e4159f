from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ticketflow.__main__ import main
from ticketflow.storage import SQLiteTicketStore


def test_demo_runs_the_whole_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "refused (invalid_transition)" in out
    assert "sla_breached" in out
    assert "service credit" in out
    assert "(exactly once)" in out
    assert "every journal replays to its snapshot" in out
    assert "from carol@example.com -> #3" in out
    assert "(8 lines in, 6 kept without the signature)" in out
    assert "near duplicate of #3 (similarity 0.90): #4 linked duplicate_of #3" in out
    assert "is automatic mail (auto_submitted): no ticket" in out
    assert "refused (invalid_intake): $.queue unknown_field, $.subject empty" in out
    assert "accepted -> #5 'Where is order 7790?' on the web channel" in out


def test_demo_keeps_its_database_when_given_a_path(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    lines: list[str] = []
    from ticketflow.__main__ import demo  # noqa: PLC0415

    assert demo(db, write=lines.append) == 0
    with SQLiteTicketStore(db) as store:
        assert store.get_by_number(1).subject == "Parcel 42 late"


def test_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ticketflow", "demo"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "reopened desk.sqlite3" in result.stdout


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["explode"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
