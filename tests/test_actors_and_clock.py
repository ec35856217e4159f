from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow import Actor, Clock, Role, SystemClock
from ticketflow.exceptions import InvalidValueError, NaiveDatetimeError
from ticketflow.testing import FrozenClock


def test_actor_factories_set_the_role() -> None:
    assert [
        a.role
        for a in (
            Actor.customer("c"),
            Actor.agent("a"),
            Actor.supervisor("s"),
            Actor.system(),
            Actor.ai("gpt"),
        )
    ] == list(Role)
    assert str(Actor.agent("bob")) == "agent:bob"


def test_actor_needs_an_id() -> None:
    with pytest.raises(InvalidValueError):
        Actor.agent("")


def test_unknown_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="wizard"):
        Actor("wizard", "x")


def test_system_clock_is_aware_utc() -> None:
    clock: Clock = SystemClock()
    assert clock.now().tzinfo is UTC
    assert repr(clock) == "SystemClock()"


def test_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(hours=1)) == datetime(2026, 1, 1, 1, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock.now().year == 2027
    assert "2027" in repr(clock)
    assert isinstance(clock, Clock)


def test_frozen_clock_never_goes_backward_or_naive() -> None:
    clock = FrozenClock()
    with pytest.raises(ValueError, match="backward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(NaiveDatetimeError):
        FrozenClock(datetime(2026, 1, 1))  # noqa: DTZ001
