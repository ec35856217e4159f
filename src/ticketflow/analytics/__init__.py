"""Analytics: metrics and drivers of a desk, from its store's event feed.

:class:`Analytics` reads the feed (every ticket's events, in commit order) from its cursor
and keeps a few facts per ticket; :meth:`Analytics.metric` answers volume, backlog, response
and resolution times (median and 90th percentile, in business time with a calendar), time in
each status, SLA breaches and attainment, reopen rate, first-contact resolution and CSAT,
grouped by any dimension and by creation period; :meth:`Analytics.drivers` ranks the values of
a dimension by how much they drive a bad outcome; :class:`Report` gathers the headline, the
drivers and weekly trends into tables for the terminal, CSV, JSON and an HTML page with charts
(``python -m ticketflow report``). It reads; it never writes a ticket.

Everything is loaded on first use (``from ticketflow.analytics import Analytics``), all of it
at once: ``import ticketflow`` does not import analytics at all.

.. versionadded:: 0.2
"""

import typing

from .._public import load_lazily as _load_lazily

if typing.TYPE_CHECKING:
    from ._analytics import Analytics as Analytics
    from ._drivers import Driver as Driver
    from ._drivers import DriverTable as DriverTable
    from ._drivers import Outcome as Outcome
    from ._report import Report as Report
    from ._report import ReportTable as ReportTable
    from ._tables import Metric as Metric
    from ._tables import MetricRow as MetricRow
    from ._tables import MetricTable as MetricTable
    from ._tables import Period as Period

__all__ = [
    "Analytics",
    "Driver",
    "DriverTable",
    "Metric",
    "MetricRow",
    "MetricTable",
    "Outcome",
    "Period",
    "Report",
    "ReportTable",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "Analytics": "._analytics",
    "Driver": "._drivers",
    "DriverTable": "._drivers",
    "Metric": "._tables",
    "MetricRow": "._tables",
    "MetricTable": "._tables",
    "Outcome": "._drivers",
    "Period": "._tables",
    "Report": "._report",
    "ReportTable": "._report",
}


def __getattr__(name: str) -> object:
    return _load_lazily(globals(), _LAZY, __all__, __name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
