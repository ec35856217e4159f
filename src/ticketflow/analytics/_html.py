"""The report as one self-contained HTML page: inline CSS, charts as inline SVG, no scripts.

The charts are drawn by matplotlib (the ``ticketflow[report]`` extra) with its Agg backend
writing SVG; this module is imported only when HTML is asked for, and says which extra to
install when matplotlib is missing.
"""

from __future__ import annotations

import html
import importlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from ..exceptions import ConfigurationError, InvalidValueError
from ._report import Cell, Report, ReportTable, _show

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from numpy.typing import NDArray

__all__ = ["CAPTIONS", "EXTRA", "chart", "render", "require_matplotlib"]

EXTRA: Final = "ticketflow[report]"

_CSS: Final = """
body { font: 15px/1.45 system-ui, sans-serif; color: #1d2330; margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d7dbe3; }
p.scope { color: #556; margin-top: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr));
          gap: 1rem; }
figure { margin: 0; border: 1px solid #d7dbe3; border-radius: 6px; padding: .5rem; }
figure svg { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .2rem .7rem; border-bottom: 1px solid #e6e9ef; }
th { text-align: left; background: #f3f5f9; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


def require_matplotlib() -> None:
    """Check that matplotlib can be imported.

    Raises:
        ConfigurationError: It is missing; ``setting`` names the extra to install.
    """
    try:
        importlib.import_module("matplotlib")  # the optional extra, only for the charts
    except ImportError as error:
        raise ConfigurationError(
            EXTRA, f"the HTML report draws its charts with matplotlib: pip install '{EXTRA}'"
        ) from error


CAPTIONS: Final = {
    "backlog": "Backlog over time",
    "attainment": "SLA attainment by week",
    "drivers": "Top drivers (95 % Wilson interval)",
    "status": "Time in each status (median hours)",
}
"""The charts, by name, with their captions."""


def chart(report: Report, name: str) -> str:
    """Return the chart ``name`` of ``report`` as SVG text.

    Raises:
        InvalidValueError: There is no chart called ``name``.
        ConfigurationError: The ``ticketflow[report]`` extra (matplotlib) is missing.
    """
    if name not in CAPTIONS:
        raise InvalidValueError("name", name, f"must be one of {', '.join(CAPTIONS)}")
    require_matplotlib()
    if name == "backlog":
        return _backlog(report.table("backlog_by_week"))
    if name == "attainment":
        return _attainment(report.table("sla_by_week"))
    if name == "drivers":
        return _drivers(report.table("drivers"))
    return _status(report.table("time_in_status"))


def render(report: Report) -> str:
    """Return ``report`` as a self-contained HTML page.

    Raises:
        ConfigurationError: The ``ticketflow[report]`` extra (matplotlib) is missing.
    """
    charts = [(CAPTIONS[name], name, chart(report, name)) for name in CAPTIONS]
    when = "-" if report.as_of is None else report.as_of.isoformat(timespec="minutes")
    scope = "all tickets" if report.since is None else f"tickets created since {report.since}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ticketflow report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>ticketflow report</h1>",
        f'<p class="scope">{html.escape(scope)}, as of {html.escape(when)}</p>',
        '<section class="charts">',
    ]
    for caption, name, svg in charts:
        parts.append(
            f'<figure id="chart-{name}"><figcaption>{html.escape(caption)}</figcaption>'
            f"{svg}</figure>"
        )
    parts.append("</section>")
    parts.extend(_table(table) for table in report.tables)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _table(table: ReportTable) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = (
        "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in table.rows)
        or f'<tr><td colspan="{len(table.columns)}">nothing to show</td></tr>'
    )
    return (
        f'<h2 id="table-{table.name}">{html.escape(table.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _cell(cell: Cell) -> str:
    numeric = type(cell) in (int, float)
    return f"<td{' class=n' if numeric else ''}>{html.escape(_show(cell))}</td>"


def _svg(name: str, draw: Callable[[Axes], None]) -> str:
    # A Figure of its own, not pyplot's: no global backend switched, no figure left open.
    from matplotlib import rc_context  # noqa: PLC0415 - the extra, checked by render
    from matplotlib.figure import Figure  # noqa: PLC0415

    with rc_context({"svg.hashsalt": name, "svg.fonttype": "none", "font.size": 9}):
        figure = Figure(figsize=(6.4, 3.4))
        axes = figure.add_subplot()
        axes.spines[["top", "right"]].set_visible(False)
        draw(axes)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata=_NO_METADATA)
    text = out.getvalue()
    return text[text.index("<svg") :]


_NO_METADATA: Final = {"Date": None, "Creator": None, "Format": None, "Type": None}
"""No RDF block: the page needs no creator, date or format in each chart."""


def _empty(axes: Axes) -> None:
    axes.text(0.5, 0.5, "nothing to show yet", ha="center", va="center", color="#889")
    axes.set_xticks([])
    axes.set_yticks([])


def _days(table: ReportTable, column: int) -> NDArray[np.datetime64]:
    """Return the column's ISO dates as a NumPy array (which matplotlib plots as dates)."""
    import numpy as np  # noqa: PLC0415 - installed with matplotlib, the extra

    return np.array([str(row[column]) for row in table.rows], dtype="datetime64[D]")


def _backlog(table: ReportTable) -> str:
    def draw(axes: Axes) -> None:
        if not table.rows:
            _empty(axes)
            return
        weeks = _days(table, 0)
        axes.plot(weeks, [_number(row[1]) for row in table.rows], color="#3465a4", marker=".")
        axes.set_ylabel("open tickets")
        axes.set_ylim(bottom=0)
        axes.figure.autofmt_xdate()

    return _svg("backlog", draw)


def _attainment(table: ReportTable) -> str:
    def draw(axes: Axes) -> None:
        if not table.rows:
            _empty(axes)
            return
        weeks = _days(table, 0)
        rates = [100 * _number(row[3]) for row in table.rows]
        axes.plot(weeks, rates, color="#4e9a06", marker=".")
        axes.set_ylabel("attained, % of resolved")
        axes.set_ylim(0, 105)
        axes.figure.autofmt_xdate()

    return _svg("attainment", draw)


def _drivers(table: ReportTable) -> str:
    ranked = [row for row in table.rows if row[7] == "yes"][:10]

    def draw(axes: Axes) -> None:
        if not ranked:
            _empty(axes)
            return
        names = ["(none)" if row[0] is None else str(row[0]) for row in reversed(ranked)]
        rates = [100 * _number(row[3]) for row in reversed(ranked)]
        below = [r - 100 * _number(row[4]) for r, row in zip(rates, reversed(ranked), strict=True)]
        above = [100 * _number(row[5]) - r for r, row in zip(rates, reversed(ranked), strict=True)]
        axes.errorbar(
            rates, names, xerr=[below, above], fmt="o", color="#cc0000", ecolor="#888", capsize=3
        )
        axes.set_xlabel(f"{table.columns[0]}: rate of the outcome, %")
        axes.set_xlim(left=0)

    return _svg("drivers", draw)


def _status(table: ReportTable) -> str:
    def draw(axes: Axes) -> None:
        if not table.rows:
            _empty(axes)
            return
        names = [str(row[0]) for row in table.rows]
        axes.barh(names, [_number(row[2]) for row in table.rows], color="#75507b")
        axes.invert_yaxis()
        axes.set_xlabel("median hours (tickets that stood in it)")

    return _svg("status", draw)


def _number(cell: Cell) -> float:
    return float(cell) if isinstance(cell, int | float) else 0.0
