"""The HTML report opened in headless Chromium: it loads cleanly and every chart is drawn.

The screenshot is kept at ``build/report.png`` (the CI artifact). Under ``CI=true`` a missing
Chromium fails the test: ``.ci/run`` installs it from the distribution's packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _logistics import PLANTED, generate

from ticketflow.__main__ import main
from ticketflow.storage import SQLiteTicketStore

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHARTS = ("backlog", "attainment", "drivers", "status")
COMPLAINTS = re.compile(r"Uncaught|CONSOLE[:(]\d+|ERR_FILE_NOT_FOUND")
"""What Chromium logs on stderr for a script error, a console message or a missing file."""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:  # pragma: no cover - depends on the machine
        if CI:
            pytest.fail("CI must have chromium: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _run(browser: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the browser found on PATH, our own page
        [
            browser,
            "--headless",
            "--no-sandbox",  # CI containers run as root
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_the_report_page_loads_in_chromium_with_every_chart(tmp_path: Path) -> None:
    if not CI:
        pytest.importorskip("matplotlib")
    browser = _chromium()
    db = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(db) as store:
        generate(store, 1500)
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(db), "--by", "carrier", "--html", str(page)]) == 0
    url = page.as_uri()

    dumped = _run(browser, "--dump-dom", url)
    assert dumped.returncode == 0, dumped.stderr
    dom = dumped.stdout
    assert "<title>ticketflow report</title>" in dom
    assert "<script" not in dom
    # No page error and nothing on the console (the page has no scripts).
    assert not COMPLAINTS.search(dumped.stderr), dumped.stderr
    for chart in CHARTS:
        figure = re.search(rf'<figure id="chart-{chart}">(.*?)</figure>', dom, re.DOTALL)
        assert figure is not None, chart
        drawn = figure.group(1)
        assert drawn.count("<svg") == 1, chart
        assert "nothing to show yet" not in drawn, chart
        paths = re.findall(r'<path[^>]* d="M[^"]+"', drawn)
        assert len(paths) >= 5, (chart, len(paths))  # the axes and ticks, and the data
    assert f">{PLANTED}<" in dom  # the planted carrier is in the drivers' chart and table

    shot = ROOT / "build" / "report.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    taken = _run(browser, f"--screenshot={shot}", "--window-size=1280,2600", url)
    assert taken.returncode == 0, taken.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page with charts, not a blank one


@pytest.mark.slow
def test_the_log_check_catches_a_page_error(tmp_path: Path) -> None:
    # The control for the check above: a page whose script fails is caught.
    browser = _chromium()
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missingFunction();</script></body></html>")
    dumped = _run(browser, "--dump-dom", bad.as_uri())
    assert COMPLAINTS.search(dumped.stderr), dumped.stderr
