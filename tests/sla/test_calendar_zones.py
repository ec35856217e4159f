"""Where zones change offset, as the calendar learns it, against zoneinfo itself.

The calendar probes a zone every three days from 1800 to 2100 and copies fourteen model years
for every later year.  That is exact because of three facts about the tz database, checked here
for every zone installed: no offset changes before 1800; from 2100 on a year changes offset at
the same moments as its model year; and no offset leaves and returns within three days (the
shortest excursions are checked where they happen).  Years after the last transition a zone's
TZif data lists copy their model years too, once checked against the zone: also checked here,
for every zone, and for a zone whose data lies.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import cast
from zoneinfo import TZPATH, ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.sla import _calendar as calendar_module
from ticketflow.sla._calendar import (
    _FIRST_PROBED_YEAR,
    _FIRST_RULE_YEAR,
    _MODEL_YEARS,
    _listed_until,
    _offsets_of,
    _tzif_data,
    _year_kind,
    _year_start,
    _ZoneOffsets,
)

SECOND = timedelta(seconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = sorted(available_timezones())


def zoneinfo_offset(zone: ZoneInfo, seconds: int) -> int:
    """Return the zone's offset at a POSIX time, in seconds, straight from zoneinfo."""
    offset = (EPOCH + seconds * SECOND).astimezone(zone).utcoffset()
    assert offset is not None
    return offset // SECOND


def test_the_model_years_cover_every_kind_of_year() -> None:
    assert len(_MODEL_YEARS) == 14
    assert all(_FIRST_RULE_YEAR <= year <= _FIRST_RULE_YEAR + 28 for year in _MODEL_YEARS.values())
    assert all(_year_kind(year) == kind for kind, year in _MODEL_YEARS.items())


def test_no_zone_changes_offset_before_the_first_probed_year() -> None:
    rng = random.Random(1800)
    first = _year_start(_FIRST_PROBED_YEAR)
    earliest = _year_start(1) + 86_400  # zones east of UTC cannot show the first UTC day
    differing = [
        key
        for key in ZONES
        if any(
            zoneinfo_offset(ZoneInfo(key), rng.randrange(earliest, first))
            != zoneinfo_offset(ZoneInfo(key), first)
            for _ in range(20)
        )
    ]
    assert differing == []


def test_every_zone_agrees_with_zoneinfo_in_the_years_copied_from_models() -> None:
    rng = random.Random(2100)
    latest = _year_start(9999) + 300 * 86_400
    wrong: list[tuple[str, int]] = []
    for key in ZONES:
        zone = ZoneInfo(key)
        offsets = _offsets_of(zone)
        instants = [rng.randrange(_year_start(_FIRST_RULE_YEAR), latest) for _ in range(20)]
        for year in (rng.randrange(_FIRST_RULE_YEAR + 29, 9999) for _ in range(3)):
            # Either side of every change the copy has, to the second.
            for change in offsets.year(year).instants:
                instants += [change - 1, change]
        wrong += [
            (key, seconds)
            for seconds in instants
            if offsets.offset_at(seconds) != zoneinfo_offset(zone, seconds)
        ]
    assert wrong == []


@pytest.mark.parametrize(
    ("key", "year"),
    [
        ("Africa/Freetown", 1939),  # back after four days: the shortest excursion there is
        ("Asia/Gaza", 2040),  # listed a week apart, up to 2087
        ("America/Boa_Vista", 2000),
        ("Europe/Berlin", 1945),  # double summer time: four changes
        ("Africa/Niamey", 1960),  # a change at 1 January, 00:00 UTC exactly
        ("Africa/Casablanca", 2087),  # the last change the database lists
    ],
)
def test_the_offset_is_right_every_half_hour_and_at_every_change(key: str, year: int) -> None:
    zone = ZoneInfo(key)
    offsets = _offsets_of(zone)
    first, last = _year_start(year), _year_start(year + 1)
    wrong = [
        seconds
        for seconds in range(first - 1800, last + 1800, 1800)
        if offsets.offset_at(seconds) != zoneinfo_offset(zone, seconds)
    ]
    for instant, before, after in offsets.changes(first - 1, last):
        assert zoneinfo_offset(zone, instant - 1) == before
        assert zoneinfo_offset(zone, instant) == after
    assert wrong == []


def test_a_change_at_the_start_of_a_utc_year_is_reported_with_that_year() -> None:
    offsets = _offsets_of(ZoneInfo("Africa/Niamey"))
    new_year = _year_start(1960)
    assert list(offsets.changes(new_year - 86_400, new_year + 86_400)) == [(new_year, 0, 3600)]


def test_every_change_found_from_1800_to_2100_is_one_zoneinfo_makes() -> None:
    rng = random.Random(1834)
    keys = {*rng.sample(ZONES, 30), "America/New_York", "Europe/Moscow", "Asia/Kolkata"}
    first, last = _year_start(_FIRST_PROBED_YEAR), _year_start(_FIRST_RULE_YEAR)
    wrong: list[tuple[str, int]] = []
    for key in sorted(keys):
        zone = ZoneInfo(key)
        offsets = _offsets_of(zone)
        previous = first
        for instant, before, after in offsets.changes(first, last):
            # Exactly here, and nothing else between this change and the one before.
            middle = (previous + instant) // 2
            if (zoneinfo_offset(zone, instant - 1), zoneinfo_offset(zone, instant)) != (
                before,
                after,
            ) or zoneinfo_offset(zone, middle) != before:
                wrong.append((key, instant))
            previous = instant
    assert wrong == []


class TwoStepsInADay(tzinfo):
    """UTC, then an hour ahead from 2030-03-01 00:00 UTC, then two from 12:00 the same day.

    No zone in the database changes twice within three days; the probing copes if one does.
    """

    def fromutc(self, dt: datetime) -> datetime:
        first = dt.replace(year=2030, month=3, day=1, hour=0, minute=0, second=0, microsecond=0)
        if dt < first:
            return dt
        return dt + (2 if dt >= first.replace(hour=12) else 1) * timedelta(hours=1)

    def utcoffset(self, dt: datetime | None) -> timedelta:  # noqa: ARG002 - only fromutc is asked
        return timedelta(0)

    def dst(self, dt: datetime | None) -> timedelta:  # noqa: ARG002
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:  # noqa: ARG002
        return "two-steps"


def test_two_changes_between_two_probes_are_both_found() -> None:
    offsets = _ZoneOffsets(cast("ZoneInfo", TwoStepsInADay()))
    first = _year_start(2030) + 59 * 86_400  # 1 March
    assert list(offsets.changes(_year_start(2030), _year_start(2031))) == [
        (first, 0, 3600),
        (first + 12 * 3600, 3600, 7200),
    ]


def test_each_zone_copies_its_model_years_after_the_last_transition_its_data_lists() -> None:
    rng = random.Random(2038)
    wrong: list[tuple[str, int]] = []
    ruled = 0
    for key in ZONES:
        offsets = _ZoneOffsets(ZoneInfo(key))
        first = offsets._rule_from
        if first < _FIRST_RULE_YEAR:
            ruled += 1
        years = {first, first + 1, rng.randrange(first, _FIRST_RULE_YEAR + 1), _FIRST_RULE_YEAR - 1}
        for year in sorted(years & set(range(first, _FIRST_RULE_YEAR))):
            copy, probed = offsets.year(year), offsets._probe(year)
            if (copy.offset, copy.instants, copy.offsets) != (
                probed.offset,
                probed.instants,
                probed.offsets,
            ):
                wrong.append((key, year))
    assert wrong == []
    assert ruled > len(ZONES) // 2  # the system's data is read, not ignored


def test_a_zone_built_from_another_zones_data_is_probed_up_to_2100() -> None:
    # Morocco lists changes up to 2087; Berlin's data says its rule holds from 2038.
    with _tzif_path("Africa/Casablanca").open("rb") as file:
        zone = ZoneInfo.from_file(file, key="Europe/Berlin")
    offsets = _ZoneOffsets(zone)
    assert offsets._rule_from == _FIRST_RULE_YEAR
    wrong = [
        (year, seconds)
        for year in (2040, 2060, 2087)
        for seconds in range(_year_start(year), _year_start(year + 1), 6 * 3600)
        if offsets.offset_at(seconds) != zoneinfo_offset(zone, seconds)
    ]
    assert wrong == []


def test_a_copied_year_the_zone_disagrees_with_is_probed_after_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if New York's data ended in 1969: 1980 changed offset on other days than its model.
    monkeypatch.setattr(calendar_module, "_rule_from", lambda zone: 1970)  # noqa: ARG005
    zone = ZoneInfo("America/New_York")
    offsets = _ZoneOffsets(zone)
    assert offsets._rule_from == 1970
    wrong = [
        seconds
        for seconds in range(_year_start(1980), _year_start(1981), 3600)
        if offsets.offset_at(seconds) != zoneinfo_offset(zone, seconds)
    ]
    assert wrong == []
    assert offsets._rule_from == _FIRST_RULE_YEAR


def _tzif_path(key: str) -> Path:
    for root in TZPATH:
        path = Path(root).joinpath(*key.split("/"))
        if path.is_file():
            return path
    pytest.skip("the tz database is not installed as files")


@pytest.mark.parametrize(
    "key", [None, "", "/etc/passwd", "../zoneinfo/UTC", "Europe//Berlin", "No/Such_Zone", 7]
)
def test_a_key_that_names_no_tzif_file_gives_no_data(key: object) -> None:
    assert _tzif_data(key) is None


def test_a_zone_without_a_key_is_probed_up_to_2100() -> None:
    with _tzif_path("Europe/Berlin").open("rb") as file:
        zone = ZoneInfo.from_file(file)
    assert _ZoneOffsets(zone)._rule_from == _FIRST_RULE_YEAR


def test_the_32_bit_block_of_version_1_data_is_read_as_well() -> None:
    data = _tzif_data("America/New_York")
    assert data is not None
    assert _listed_until(data) == 2038
    version_1 = data[:4] + b"\0" + data[5:]
    assert _listed_until(version_1) == 2038  # its 32-bit times end in 2037 as well


@given(st.binary(max_size=200) | st.builds(lambda tail: b"TZif2" + tail, st.binary(max_size=200)))
def test_any_bytes_give_a_year_between_the_first_probed_and_the_first_rule_year(
    data: bytes,
) -> None:
    assert _FIRST_PROBED_YEAR <= _listed_until(data) <= _FIRST_RULE_YEAR


def test_truncated_or_damaged_data_gives_the_first_rule_year() -> None:
    data = _tzif_data("Europe/Berlin")
    assert data is not None
    assert _listed_until(data[:60]) == _FIRST_RULE_YEAR
    assert _listed_until(data[: len(data) // 2]) == _FIRST_RULE_YEAR
    assert _listed_until(b"TZiX" + data[4:]) == _FIRST_RULE_YEAR


@given(st.text())
def test_a_zone_built_from_a_file_under_any_key_is_probed_up_to_2100(key: str) -> None:
    zone = ZoneInfo.from_file(io.BytesIO(_tzif_path("Europe/Berlin").read_bytes()), key=key)
    assert _ZoneOffsets(zone)._rule_from == _FIRST_RULE_YEAR
    data = _tzif_data(key)  # whatever the key names, never an error
    assert data is None or isinstance(data, bytes)
