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
    assert "intake: created #3: new ticket from carol@example.com" in out
    assert "the description keeps 6 lines (the signature cut)" in out
    assert "Auto-Submitted: auto-replied" in out
    assert "intake: appended #3: a reply, threaded by its In-Reply-To/References" in out
    assert "public comment by customer:carol@example.com: 'The delivery address is" in out
    assert "intake: duplicate #3: this Message-ID was taken in before" in out
    assert "intake: linked #4: near duplicate of an open ticket (similarity 0.90)" in out
    assert "intake: created #5: new ticket from mallory@elsewhere.example" in out
    assert "intake: ignored record intake-" in out
    assert "automatic mail: auto_submitted" in out
    assert "refused (rejected, kept as a record): $.queue unknown_field, $.subject empty" in out
    assert "created #6: new ticket from frank@example.com on the web channel" in out
    assert "same idempotency key: duplicate #6" in out
    assert "triage #3: billing/tax, P2, finance/felix -> triaged" in out
    assert "triage #4: billing/tax, P2, finance/fiona -> triaged" in out  # turns kept by the store
    assert "priority: matrix: impact 3, urgency 3" in out
    assert "tier: level 3 -> 4: the customer's tier is gold" in out
    # #4 is linked to #3, as the journal shows
    assert "linked duplicate_of" in out
    # resolution: the definition of done, confirmation, AI suggestions, auto-close
    assert "#1 the customer replied while waiting: resume -> in_progress" in out
    assert "refused (done_criteria_not_met): ticket id0001 is not done: root_cause:" in out
    assert "evidence: needs 1 item(s) of evidence, has 0" in out
    assert "#1 the customer rejected the resolution: reopen -> in_progress, reopened 1x" in out
    assert "refused (confirmation_required): ticket id0001 cannot be closed" in out
    assert "#1 closed on the customer's confirmation: closed" in out
    assert "kept as a suggestion, the ticket stays in_progress" in out
    assert "#2 the suggestion accepted by bob: resolved" in out
    assert "resolution_answered system:auto-close          auto_closed by auto_close" in out
    # the CSAT request, a signed webhook verified by the receiver; the answer recorded once
    assert (
        "webhook ticket.csat_requested for #1 delivered to the survey service on 127.0.0.1:"
        " signature verified (webhook-id id0038)" in out
    )
    assert "webhook ticket.csat_requested for #2 delivered" in out
    assert "#1 CSAT 5/5 recorded (response survey-1); the same response again changes" in out
    assert "csat_recorded       system:csat                score 5 (survey-1)" in out
    # a problem behind the VAT incidents, resolved with them once its fix is verified
    assert "problem #7 'Austrian deliveries invoiced with German VAT' opened from #3, #4" in out
    assert "refused (fix_not_verified): problem id0091 cannot be resolved or closed yet" in out
    assert "#7 resolved with its incidents (#3 resolved, #4 resolved), then closed" in out
    # a worker, as `python -m ticketflow worker --once --dispatch` runs: the resolutions nobody
    # answered for 3 business days closed, the outbox delivered
    assert "worker demo-worker started: tick every 0:00:30, delivering the outbox" in out
    assert "resolution_answered 3," in out
    assert "0 failed, 0 without a handler, 0 dead letters" in out
    assert "worker demo-worker stopped" in out
    # analytics from the event feed
    assert "analytics: 117 events read from the feed; tickets by category:" in out
    assert "  billing/tax: 3" in out
    assert "SLA breaches by carrier: Speedy Cargo 1/1, Wilson 95% [0.21, 1.00]" in out
    assert "report: 7 tickets, backlog 2, SLA attainment 0.8, reopen rate 0.2" in out
    assert "desk.report.html: 4 charts, self-contained (no scripts)" in out


def test_demo_output_is_the_same_every_run(capsys: pytest.CaptureFixture[str]) -> None:
    main(["demo"])
    first = capsys.readouterr().out
    main(["demo"])
    assert capsys.readouterr().out == first


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
