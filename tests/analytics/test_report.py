"""The report's tables on a hand-computed desk; text, CSV and JSON; the command end to end."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from _journals import TicketJournal
from _logistics import generate

from ticketflow import TicketStatus
from ticketflow.__main__ import main
from ticketflow.analytics import Analytics, Report, ReportTable
from ticketflow.exceptions import ConfigurationError, InvalidValueError
from ticketflow.sla import BusinessCalendar, SlaMetric
from ticketflow.storage import InMemoryTicketStore, SQLiteTicketStore

S = TicketStatus
H = timedelta(hours=1)
MON = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def small_desk() -> Analytics:
    """Three tickets; the figures each table must show are worked out in the comments."""
    store = InMemoryTicketStore()
    # A: answered after 2 h, resolved at 4 h (one staff reply), closed at 5 h, CSAT 5.
    a = TicketJournal("A", MON, number=1, category="delivery", fields={"carrier": "acme"})
    a.walk(MON + H, S.TRIAGED, S.IN_PROGRESS).comment(MON + 2 * H)
    a.move(S.RESOLVED, MON + 4 * H).move(S.CLOSED, MON + 5 * H).csat(MON + 6 * H, 5)
    # B (created at 1 h): answered after 2 h, resolution clock breached, resolved after 9 h,
    # reopened an hour later and resolved again: in progress 8 h + 1 h.
    b = TicketJournal("B", MON + H, number=2, category="billing", fields={"carrier": "bolt"})
    b.walk(MON + 2 * H, S.TRIAGED, S.IN_PROGRESS).comment(MON + 3 * H)
    b.breach(MON + 8 * H, SlaMetric.RESOLUTION).move(S.RESOLVED, MON + 10 * H)
    b.move(S.IN_PROGRESS, MON + 11 * H, reopen=True).move(S.RESOLVED, MON + 12 * H)
    # C, a week later: never answered, its first-response clock breached 2 h on; still open.
    later = MON + timedelta(days=8)
    c = TicketJournal("C", later, number=3, category="delivery", fields={"carrier": "acme"})
    c.breach(later + 2 * H, SlaMetric.FIRST_RESPONSE)
    for journal in (a, b, c):
        journal.commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    return analytics


@pytest.fixture
def report() -> Report:
    return Report.build(small_desk(), by="carrier", min_count=1)


def test_headline_has_each_figure(report: Report) -> None:
    rows = {row[0]: row[1:] for row in report.table("headline").rows}
    assert rows["volume"] == (3.0, "tickets", 3)
    assert rows["backlog"] == (1.0, "tickets", 1)
    assert rows["backlog age, median"] == (2.0, "hours", 1)  # C, 2 h old at the last event
    assert rows["time to first response, median"] == (2.0, "hours", 2)
    assert rows["time to resolution, median"] == (6.5, "hours", 2)  # 4 h and 9 h
    assert rows["time to resolution, p90"] == (8.5, "hours", 2)  # 4 + 0.9 * 5
    assert rows["time to final resolution, median"] == (7.5, "hours", 2)  # 4 h and 11 h
    # B ran 2 h past its resolution deadline; C's first response is due at the last event.
    assert rows["SLA breach minutes, total"] == (120.0, "minutes", 2)
    assert rows["SLA breach minutes, median"] == (60.0, "minutes", 2)
    assert rows["SLA attainment"] == (0.5, "rate", 2)  # B breached its resolution clock
    assert rows["SLA breaches"] == (2.0, "tickets", 3)
    assert rows["reopen rate"] == (0.5, "rate", 2)
    assert rows["first-contact resolution"] == (0.5, "rate", 2)  # B was reopened
    assert rows["CSAT, average"] == (5.0, "score 1-5", 1)
    assert rows["CSAT response rate"] == (1.0, "rate", 1)  # A is the one closed ticket


def test_drivers_rank_by_the_lower_bound(report: Report) -> None:
    drivers = report.table("drivers")
    assert drivers.columns[0] == "carrier"
    assert [row[:3] for row in drivers.rows] == [("bolt", 1, 1), ("acme", 2, 1)]
    bolt = drivers.records()[0]
    assert bolt["low"] == 0.2065
    assert bolt["high"] == 1.0
    assert bolt["ranked"] == "yes"


def test_a_dimension_named_like_a_figure_keeps_its_column_apart() -> None:
    drivers = Report.build(small_desk(), by="rate", min_count=1).table("drivers")
    assert drivers.columns[:3] == ("group", "tickets", "hits")
    assert drivers.rows[0][:2] == (None, 3)  # no ticket has a field called rate


def test_time_in_status_and_weekly_tables(report: Report) -> None:
    in_status = {row[0]: row[1:] for row in report.table("time_in_status").rows}
    assert in_status["in_progress"] == (2, 6.0, 8.4, 12.0)  # A 3 h, B 9 h
    assert in_status["new"][0] == 3
    assert "pending_customer" not in in_status  # nobody waited on a customer
    # Nothing is open at the end of the first week; C is at the last event.
    assert report.table("backlog_by_week").rows == (("2026-03-02", 0), ("2026-03-09", 1))
    assert report.table("sla_by_week").rows == (("2026-03-02", 2, 1, 0.5),)


def test_a_host_status_a_ticket_is_in_is_shown() -> None:
    store = InMemoryTicketStore()
    waiting = TicketJournal("V", MON, number=1)
    waiting.walk(MON + H, S.TRIAGED, S.IN_PROGRESS).move("pending_vendor", MON + 2 * H)
    waiting.comment(MON + 5 * H, public=False)
    waiting.commit(store)
    analytics = Analytics(store)
    analytics.refresh()
    shown = {row[0]: row[1:] for row in Report.build(analytics).table("time_in_status").rows}
    assert shown["pending_vendor"] == (1, 3.0, 3.0, 3.0)  # up to the last event
    chosen = Report.build(analytics, statuses=["pending_vendor"]).table("time_in_status")
    assert [row[0] for row in chosen.rows] == ["pending_vendor"]


def test_since_reports_later_tickets_and_the_backlog_from_then() -> None:
    later = Report.build(small_desk(), since=date(2026, 3, 9))
    assert later.table("headline").rows[0] == ("volume", 1.0, "tickets", 1)
    assert later.table("backlog_by_week").rows == (("2026-03-09", 1),)
    assert later.table("sla_by_week").rows == ()


def test_text_csv_and_json_carry_every_table(report: Report) -> None:
    text = report.to_full_text()
    for table in report.tables:
        assert table.title in text
    assert "time to resolution, median" in report.to_text()
    assert "Backlog" not in report.to_text()  # the short text: headline and drivers
    tables = report.to_csv()
    assert list(tables) == [t.name for t in report.tables]
    read = list(csv.reader(io.StringIO(tables["sla_by_week"])))
    assert read == [["week", "resolved", "attained", "attainment"], ["2026-03-02", "2", "1", "0.5"]]
    document = json.loads(report.to_json())
    assert document["by"] == "carrier"
    assert document["as_of"] == "2026-03-10T11:00:00+00:00"
    assert set(document["tables"]) == {t.name for t in report.tables}
    assert document["tables"]["drivers"]["rows"][1]["carrier"] == "acme"


def test_an_empty_store_reports_nothing_without_failing() -> None:
    empty = Analytics(InMemoryTicketStore())
    report = Report.build(empty)
    assert report.as_of is None
    assert report.table("backlog_by_week").rows == ()
    assert "(nothing to show)" in report.to_full_text()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"analytics": object()}, "analytics"),
        ({"since": datetime(2026, 3, 2, tzinfo=UTC)}, "since"),
        ({"by": ""}, "by"),
        ({"min_count": 0}, "min_count"),
        ({"statuses": "new"}, "statuses"),
        ({"statuses": ["new", 3]}, "statuses[1]"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments: dict[str, object], field: str) -> None:
    given: dict[str, object] = {"analytics": small_desk(), **arguments}
    with pytest.raises(InvalidValueError) as caught:
        Report.build(**given)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_table_checks_its_shape(report: Report) -> None:
    with pytest.raises(InvalidValueError, match="rows\\[0\\]"):
        ReportTable("t", "T", ("a", "b"), [("only one",)])
    with pytest.raises(InvalidValueError, match="columns"):
        ReportTable("t", "T", ("a", "a"), [])
    with pytest.raises(InvalidValueError, match="name"):
        ReportTable("not a name", "T", ("a",), [])
    with pytest.raises(InvalidValueError, match="rows\\[0\\]"):
        ReportTable("t", "T", ("a",), [(object(),)])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError) as caught:
        report.table("nope")
    assert caught.value.field == "name"


def test_html_without_the_extra_is_a_configuration_error(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(ConfigurationError) as caught:
        report.to_html()
    assert caught.value.setting == "ticketflow[report]"
    with pytest.raises(ConfigurationError):
        report.to_svg("drivers")
    assert "pip install 'ticketflow[report]'" in str(caught.value)


def _need_matplotlib() -> None:
    try:
        import matplotlib as mpl  # noqa: F401, PLC0415
    except ImportError:  # pragma: no cover - the test session installs the extra
        if CI:
            pytest.fail("CI must install the ticketflow[report] extra")
        pytest.skip("the ticketflow[report] extra (matplotlib) is not installed")


def test_html_is_self_contained(report: Report) -> None:
    _need_matplotlib()
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "<metadata" not in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?[a-z]+:|url\((?!#)|@import", page)
    assert page.count("<svg") == 4
    for table in report.tables:
        assert f'id="table-{table.name}"' in page


def test_each_chart_is_svg_of_its_own(report: Report) -> None:
    _need_matplotlib()
    for name in ("backlog", "attainment", "drivers", "status"):
        svg = report.to_svg(name)
        assert svg.startswith("<svg")
        assert svg.rstrip().endswith("</svg>")
        assert "nothing to show yet" not in svg
    assert "bolt" in report.to_svg("drivers")
    with pytest.raises(InvalidValueError) as caught:
        report.to_svg("pie")
    assert caught.value.field == "name"


def test_html_of_an_empty_store_says_so_in_each_chart() -> None:
    _need_matplotlib()
    page = Report.build(Analytics(InMemoryTicketStore())).to_html()
    assert page.count("nothing to show yet") == 4
    assert page.count("nothing to show</td>") == 4  # every table but the headline


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        generate(store, 300)
    return path


def test_the_command_prints_and_writes_every_output(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _need_matplotlib()
    page, tables = tmp_path / "out" / "r.html", tmp_path / "out" / "r.csv"
    page.parent.mkdir()
    assert main(["report", "--db", str(db), "--by", "carrier", "--html", str(page)]) == 0
    out, err = capsys.readouterr()
    assert "Drivers of sla_breach by carrier" in out
    assert "north" in out
    assert f"wrote {page}" in err
    assert "reading" not in err
    assert page.read_text(encoding="utf-8").count("<svg") == 4
    assert main(["report", "--db", str(db), "--csv", str(tables), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["tables"]["headline"]["rows"][0]["tickets"] == 300
    written = sorted(p.name for p in tables.parent.glob("r.*.csv"))
    assert written == [f"r.{name}.csv" for name in sorted(document["tables"])]


def test_the_command_since_filters(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--db", str(db), "--since", "2026-12-01", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["since"] == "2026-12-01"
    assert 0 < document["tables"]["headline"]["rows"][0]["tickets"] < 300


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        (["--since", "yesterday"], 2, "--since: 'yesterday' is not a date"),
        (["--by", ""], 2, "by"),
    ],
)
def test_the_command_refuses_bad_arguments(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str], status: int, message: str
) -> None:
    assert main(["report", "--db", str(db), *extra]) == status
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err


def test_a_missing_database_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    assert main(["report", "--db", str(missing)]) == 2
    assert "no database file" in capsys.readouterr().err
    assert not missing.exists()  # read, never created


def test_a_file_that_is_no_store_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(["report", "--db", str(junk)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_the_command_without_the_extra_exits_3(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    page = tmp_path / "r.html"
    assert main(["report", "--db", str(db), "--html", str(page)]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "ticketflow[report]" in err
    assert not page.exists()


def test_progress_goes_to_stderr_when_asked(db: Path) -> None:
    from ticketflow.analytics._report_cli import report  # noqa: PLC0415

    printed: list[str] = []
    warned: list[str] = []
    assert report(db, write=printed.append, warn=warned.append, progress=True) == 0
    assert any("read" in line and "events" in line for line in warned)
    assert any("backlog over" in line and "weeks" in line for line in warned)
    assert len(printed) == 1


def _headline(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    document = json.loads(capsys.readouterr().out)
    return {row["figure"]: row["value"] for row in document["tables"]["headline"]["rows"]}


def test_the_command_measures_business_time_from_hours_or_a_host_calendar(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = "time to resolution, median"
    assert main(["report", "--db", str(db), "--json"]) == 0
    wall = _headline(capsys)
    hours = ["--hours", "mon-fri=09:00-12:00,13:00-17:00", "--tz", "Europe/Berlin"]
    assert main(["report", "--db", str(db), "--json", *hours, "--holiday", "2026-12-25"]) == 0
    business = _headline(capsys)
    in_wall, in_business = wall[figure], business[figure]
    assert isinstance(in_wall, float)
    assert isinstance(in_business, float)
    assert in_business < in_wall  # nights and weekends do not count
    # The host's own calendar, by MODULE:ATTR (or a callable returning one): the same figures.
    (tmp_path / "host_calendar.py").write_text(
        "from datetime import date\n"
        "from ticketflow.sla import BusinessCalendar\n"
        "CAL = BusinessCalendar.weekly(tz='Europe/Berlin',"
        " hours={'mon-fri': ['09:00-12:00', '13:00-17:00']}, holidays=[date(2026, 12, 25)])\n"
        "def make():\n"
        "    return CAL\n"
        "NOT_ONE = 3\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for spec in ("host_calendar:CAL", "host_calendar:make"):
        assert main(["report", "--db", str(db), "--json", "--calendar", spec]) == 0
        assert _headline(capsys) == business


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--hours", "mon-fri 09:00-17:00"], "--hours: 'mon-fri 09:00-17:00' is not DAYS="),
        (["--hours", "mon-fri=25:00-26:00"], "--hours: "),
        (["--hours", "moon=09:00-17:00"], "--hours: "),
        (["--hours", "mon=09:00-17:00", "--tz", "Mars/Olympus"], "--hours: "),
        (["--tz", "Mars/Olympus"], "tz"),
        (["--hours", "mon=09:00-17:00", "--holiday", "xmas"], "--holiday: 'xmas' is not a date"),
        (["--holiday", "2026-12-25"], "--holiday: give the open hours too"),
        (["--calendar", "nowhere"], "--calendar: 'nowhere' is not MODULE:ATTR"),
        (["--calendar", "no_such_module_here:CAL"], "--calendar: cannot import"),
        (["--calendar", "json:__name__"], "is a str, not a BusinessCalendar"),
        (["--calendar", "ticketflow.sla:BusinessCalendar"], "failed: TypeError"),
        (["--calendar", "x:y", "--hours", "mon=09:00-17:00"], "not both"),
    ],
)
def test_the_command_refuses_a_calendar_it_cannot_use(
    db: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["report", "--db", str(db), *extra]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err


def test_analytics_say_their_zone_and_calendar() -> None:
    calendar = BusinessCalendar.always("Asia/Tokyo")
    analytics = Analytics(InMemoryTicketStore(), calendar=calendar)
    assert (analytics.tz.key, analytics.calendar) == ("Asia/Tokyo", calendar)
    assert Analytics(InMemoryTicketStore(), tz="Europe/Berlin").tz.key == "Europe/Berlin"
    assert Analytics(InMemoryTicketStore()).calendar is None
