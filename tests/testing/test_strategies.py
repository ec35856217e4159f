from __future__ import annotations

import itertools

import pytest
from hypothesis import given

from ticketflow import DEFAULT_WORKFLOW, Workflow
from ticketflow.testing import actors, field_maps, histories, statuses, valid_paths

CUSTOM = Workflow(
    statuses=["open", "review", "done"],
    edges={"open": ["review"], "review": ["open", "done"]},
    initial=["open"],
)


@given(valid_paths())
def test_valid_paths_follow_the_edges(path: list[str]) -> None:
    assert path[0] in DEFAULT_WORKFLOW.initial
    for source, target in itertools.pairwise(path):
        assert DEFAULT_WORKFLOW.can(source, target)


@given(valid_paths(workflow=CUSTOM, min_size=2, max_size=6))
def test_valid_paths_of_a_custom_workflow(path: list[str]) -> None:
    assert 2 <= len(path) <= 6 or path[-1] in CUSTOM.terminal
    assert all(CUSTOM.can(a, b) for a, b in itertools.pairwise(path))


@given(statuses(workflow=CUSTOM))
def test_statuses_come_from_the_workflow(status: str) -> None:
    assert status in CUSTOM.statuses


@pytest.mark.parametrize(
    "call",
    [
        lambda: valid_paths(min_size=0),
        lambda: valid_paths(min_size=3, max_size=2),
        lambda: histories(max_events=0),
        lambda: field_maps(max_size=-1),
        lambda: actors(roles=()),
    ],
)
def test_bad_arguments_are_rejected_at_once(call: object) -> None:
    with pytest.raises(ValueError, match="must"):
        call()  # type: ignore[operator]
