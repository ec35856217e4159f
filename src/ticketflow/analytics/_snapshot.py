"""A snapshot of what analytics has read: the cursor and every ticket's facts, as JSON text.

So that a process that keeps figures up to date can stop and go on later without reading the
whole feed again. The facts depend on how durations were measured (the calendar), which
statuses count as done and closed, and the zone of the periods: a snapshot carries a
fingerprint of those settings and is refused under others, rather than mixing two measures.

Reading is strict: the text comes from outside (a file, a database), so every part is checked
as it is read, and a damaged snapshot raises :class:`InvalidValueError` naming where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, Final

from .._events import SlaMetric
from .._fields import FieldValue, check_field_value
from .._values import check_enum, check_int, check_name, check_optional_name
from ..exceptions import InvalidValueError
from ..sla._calendar import BusinessCalendar
from ..storage._feed import FeedCursor
from ._facts import Facts, Folder, Overtime, Span

__all__ = ["FORMAT", "dump", "fingerprint", "load"]

FORMAT: Final = "ticketflow.analytics/2"  # 2: final resolution and SLA overtime
_MAX_US: Final = timedelta.max // timedelta(microseconds=1)


def fingerprint(
    calendar: BusinessCalendar | None,
    done: frozenset[str],
    closed: frozenset[str],
    tz: tzinfo,
    pauses: Mapping[SlaMetric, frozenset[str]],
) -> str:
    """Return a stable digest of the settings the facts were measured under."""
    if calendar is None:
        measured = "wall"
    else:
        spec = calendar._spec  # noqa: SLF001 - the calendar's whole configuration, in the package
        measured = repr(
            (
                str(spec.tz),
                spec.weekly,
                sorted(spec.holidays),
                sorted(spec.closures),
                sorted(spec.openings),
            )
        )
    paused = sorted((metric.value, sorted(statuses)) for metric, statuses in pauses.items())
    text = json.dumps([measured, sorted(done), sorted(closed), str(tz), paused])
    return hashlib.sha256(text.encode()).hexdigest()


def _us(value: timedelta | None) -> int | None:
    return None if value is None else value // timedelta(microseconds=1)


def _facts(facts: Facts) -> list[object]:
    return [
        facts.created_at.isoformat(),
        facts.day.isoformat(),
        facts.status,
        facts.since.isoformat(),
        facts.kind,
        facts.channel,
        facts.category,
        facts.priority,
        facts.queue,
        facts.assignee,
        facts.fields,
        _us(facts.first_response),
        _us(facts.resolution),
        facts.staff_replies,
        facts.reopens,
        sorted(metric.value for metric in facts.breaches),
        facts.csat,
        {status: _us(spent) for status, spent in facts.in_status.items()},
        [
            [start.isoformat(), None if end is None else end.isoformat()]
            for start, end in facts.open_spans
        ],
        _us(facts.final_resolution),
        None if facts.answered_at is None else facts.answered_at.isoformat(),
        {
            metric.value: [_us(spent), None if since is None else since.isoformat(), met]
            for metric, (spent, since, met) in facts.overtime.items()
        },
    ]


def dump(folder: Folder, cursor: FeedCursor | None, settings: str) -> str:
    """Return the snapshot of ``folder`` read up to ``cursor``."""
    latest = folder.latest
    return json.dumps(
        {
            "format": FORMAT,
            "settings": settings,
            "cursor": None if cursor is None else cursor.text,
            "latest": None if latest is None else latest.isoformat(),
            "tickets": {ticket_id: _facts(facts) for ticket_id, facts in folder.tickets.items()},
        },
        separators=(",", ":"),
    )


def _fail(field: str, value: object, problem: str) -> InvalidValueError:
    return InvalidValueError(f"snapshot.{field}", value, problem)


def _instant(field: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise _fail(field, value, "must be an ISO 8601 instant")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(field, value, "must be an ISO 8601 instant") from None
    if parsed.utcoffset() is None:
        raise _fail(field, value, "must have a UTC offset")
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _fail(field, value, "is out of range in UTC") from None


def _span(field: str, value: object) -> timedelta | None:
    if value is None:
        return None
    return timedelta(microseconds=check_int(f"snapshot.{field}", value, minimum=0, maximum=_MAX_US))


def _count(field: str, value: object) -> int:
    return check_int(f"snapshot.{field}", value, minimum=0)


def _mapping(field: str, value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise _fail(field, value, "must be a JSON object")
    return value


def _list(field: str, value: object, length: int | None = None) -> list[object]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        shape = "a JSON array" if length is None else f"a JSON array of {length} items"
        raise _fail(field, value, f"must be {shape}")
    return value


def _ticket(where: str, value: object) -> Facts:
    (
        created,
        day,
        status,
        since,
        kind,
        channel,
        category,
        priority,
        queue,
        assignee,
        fields,
        first_response,
        resolution,
        staff_replies,
        reopens,
        breaches,
        csat,
        in_status,
        open_spans,
        final_resolution,
        answered_at,
        overtime,
    ) = _list(where, value, 22)
    facts = Facts.__new__(Facts)
    facts.created_at = _instant(f"{where}[0]", created)
    if not isinstance(day, str):
        raise _fail(f"{where}[1]", day, "must be an ISO 8601 date")
    try:
        facts.day = date.fromisoformat(day)
    except ValueError:
        raise _fail(f"{where}[1]", day, "must be an ISO 8601 date") from None
    facts.status = check_name(f"snapshot.{where}[2]", status)
    facts.since = _instant(f"{where}[3]", since)
    facts.kind = check_name(f"snapshot.{where}[4]", kind)
    facts.channel = check_name(f"snapshot.{where}[5]", channel)
    facts.category = check_optional_name(f"snapshot.{where}[6]", category)
    facts.priority = check_optional_name(f"snapshot.{where}[7]", priority)
    facts.queue = check_optional_name(f"snapshot.{where}[8]", queue)
    facts.assignee = check_optional_name(f"snapshot.{where}[9]", assignee)
    facts.fields = _fields(f"{where}[10]", fields)
    facts.first_response = _span(f"{where}[11]", first_response)
    facts.resolution = _span(f"{where}[12]", resolution)
    facts.staff_replies = _count(f"{where}[13]", staff_replies)
    facts.reopens = _count(f"{where}[14]", reopens)
    facts.breaches = frozenset(
        check_enum(f"snapshot.{where}[15]", metric, SlaMetric)
        for metric in _list(f"{where}[15]", breaches)
    )
    facts.csat = (
        None if csat is None else check_int(f"snapshot.{where}[16]", csat, minimum=1, maximum=5)
    )
    facts.in_status = {}
    for name, spent in _mapping(f"{where}[17]", in_status).items():
        checked = _span(f"{where}[17].{check_name(f'snapshot.{where}[17]', name)}", spent)
        if checked is None:
            raise _fail(f"{where}[17].{name}", spent, "must be a number of microseconds")
        facts.in_status[name] = checked
    spans: list[Span] = []
    for index, span in enumerate(_list(f"{where}[18]", open_spans)):
        start, end = _list(f"{where}[18][{index}]", span, 2)
        begun = _instant(f"{where}[18][{index}][0]", start)
        ended = None if end is None else _instant(f"{where}[18][{index}][1]", end)
        spans.append((begun, ended))
    facts.open_spans = tuple(spans)
    facts.final_resolution = _span(f"{where}[19]", final_resolution)
    facts.answered_at = None if answered_at is None else _instant(f"{where}[20]", answered_at)
    facts.overtime = _overtime(f"{where}[21]", overtime)
    return facts


def _overtime(where: str, value: object) -> dict[SlaMetric, Overtime]:
    found: dict[SlaMetric, Overtime] = {}
    for name, item in _mapping(where, value).items():
        clock = check_enum(f"snapshot.{where}", name, SlaMetric)
        spent, since, met = _list(f"{where}.{clock.value}", item, 3)
        measured = _span(f"{where}.{clock.value}[0]", spent)
        if measured is None:
            raise _fail(f"{where}.{clock.value}[0]", spent, "must be a number of microseconds")
        if type(met) is not bool:
            raise _fail(f"{where}.{clock.value}[2]", met, "must be true or false")
        running = None if since is None else _instant(f"{where}.{clock.value}[1]", since)
        found[clock] = (measured, running, met)
    return found


def _fields(where: str, value: object) -> dict[str, FieldValue]:
    return {
        check_name(f"snapshot.{where}", name): check_field_value(f"snapshot.{where}.{name}", item)
        for name, item in _mapping(where, value).items()
    }


def load(
    text: object,
    settings: str,
    make_folder: Callable[[], Folder],
) -> tuple[Folder, FeedCursor | None]:
    """Return the folder and cursor a snapshot holds.

    Raises:
        InvalidValueError: ``text`` is not a snapshot (field ``snapshot``), was taken under
            other settings (``snapshot.settings``), or a part is damaged (``snapshot.<where>``).
    """
    if not isinstance(text, str | bytes):
        raise InvalidValueError("snapshot", text, "must be the text Analytics.snapshot returned")
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidValueError("snapshot", _short(text), "is not JSON") from None
    top: Mapping[str, object] | None = data if isinstance(data, dict) else None
    if top is None or top.get("format") != FORMAT:
        raise InvalidValueError("snapshot", _short(text), f"is not a {FORMAT} snapshot")
    if top.get("settings") != settings:
        raise _fail(
            "settings",
            top.get("settings"),
            "the snapshot was taken with another calendar, done or closed statuses, or zone",
        )
    cursor_text = top.get("cursor")
    cursor = None if cursor_text is None else _cursor(cursor_text)
    folder = make_folder()
    latest = top.get("latest")
    folder.latest = None if latest is None else _instant("latest", latest)
    for ticket_id, facts in _mapping("tickets", top.get("tickets")).items():
        where = f"tickets.{check_name('snapshot.tickets', ticket_id)}"
        folder.tickets[ticket_id] = _ticket(where, facts)
    return folder, cursor


def _cursor(value: object) -> FeedCursor:
    try:
        return FeedCursor.parse(value)  # type: ignore[arg-type]
    except InvalidValueError as error:
        raise _fail("cursor", error.value, error.problem) from None


def _short(text: str | bytes) -> str | bytes:
    return text if len(text) <= 80 else text[:77]  # noqa: PLR2004
