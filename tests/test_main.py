from __future__ import annotations

import subprocess
import sys

import pytest

from ticketflow.__main__ import main


def test_demo_prints_every_journal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "invalid_transition" in out
    assert out.count("created") >= 3


def test_module_runs_as_a_program() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "ticketflow", "demo"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["explode"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
