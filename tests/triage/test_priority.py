"""Priority: GLPI's matrix, monotone by rule; ordered modifiers within their floors and caps."""

from __future__ import annotations

import pytest
from _triage import ticket
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import Requester, Ticket
from ticketflow.exceptions import InvalidValueError
from ticketflow.integrations import Account, InMemoryCrm
from ticketflow.triage import (
    DEFAULT_MATRIX,
    PriorityDecision,
    PriorityMatrix,
    PriorityModifier,
    PriorityPolicy,
    PriorityStep,
    field_modifier,
    keyword_modifier,
    priority_policy,
    tier_modifier,
    vip_modifier,
)

GLPI = [[1, 1, 2, 2, 2], [1, 2, 2, 3, 3], [2, 2, 3, 4, 4], [2, 3, 4, 4, 5], [2, 3, 4, 5, 5]]


@pytest.mark.parametrize("urgency", range(1, 6))
@pytest.mark.parametrize("impact", range(1, 6))
def test_the_default_matrix_is_glpis(impact: int, urgency: int) -> None:
    level = GLPI[urgency - 1][impact - 1]
    assert DEFAULT_MATRIX.level(impact, urgency) == level
    assert DEFAULT_MATRIX.label(level) == f"P{6 - level}"


def test_the_highest_cell_is_p1_and_the_lowest_p5() -> None:
    policy = priority_policy()
    assert policy.prioritize(ticket(impact=5, urgency=5)).label == "P1"
    assert policy.prioritize(ticket(impact=1, urgency=1)).label == "P5"


def test_missing_impact_and_urgency_take_the_defaults_and_say_so() -> None:
    decision = priority_policy(default_impact=4, default_urgency=2).prioritize(ticket(urgency=5))
    assert (decision.impact, decision.urgency, decision.assumed) == (4, 5, frozenset({"impact"}))
    assert decision.base == decision.level == 5
    assert "impact assumed" in decision.explain()


_levels = st.integers(1, 5)


@given(impact=_levels, urgency=_levels, more_impact=_levels, more_urgency=_levels)
def test_raising_impact_or_urgency_never_lowers_the_priority(
    impact: int, urgency: int, more_impact: int, more_urgency: int
) -> None:
    low = DEFAULT_MATRIX.level(impact, urgency)
    high = DEFAULT_MATRIX.level(max(impact, more_impact), max(urgency, more_urgency))
    assert high >= low


@st.composite
def monotone_cells(draw: st.DrawFn) -> list[list[int]]:
    cells: list[list[int]] = []
    for u in range(5):
        row: list[int] = []
        for i in range(5):
            lowest = max([1] + row[-1:] + ([cells[u - 1][i]] if u else []))
            row.append(draw(st.integers(lowest, 5)))
        cells.append(row)
    return cells


@given(cells=monotone_cells(), swap=st.tuples(st.integers(0, 4), st.integers(0, 3)))
def test_a_matrix_that_is_not_monotone_is_refused(
    cells: list[list[int]], swap: tuple[int, int]
) -> None:
    assert PriorityMatrix(cells).cells == tuple(map(tuple, cells))
    u, i = swap
    if cells[u][i] < cells[u][i + 1]:
        cells[u][i], cells[u][i + 1] = cells[u][i + 1], cells[u][i]
        with pytest.raises(InvalidValueError):
            PriorityMatrix(cells)


@pytest.mark.parametrize(
    ("cells", "labels"),
    [
        (GLPI[:4], ("P5", "P4", "P3", "P2", "P1")),
        ([*GLPI[:4], [2, 3, 4, 5]], ("P5", "P4", "P3", "P2", "P1")),
        (GLPI, ("low", "high")),
        (GLPI, ("P1", "P1", "P2", "P3", "P4")),
        (GLPI, ("P1",)),
        (GLPI, "P5P4P3P2P1"),
        ("cells", ("P5", "P4", "P3", "P2", "P1")),
        ([[0, 1, 1, 1, 1], *GLPI[1:]], ("P5", "P4", "P3", "P2", "P1")),
    ],
)
def test_a_malformed_matrix_is_refused(cells: object, labels: object) -> None:
    with pytest.raises(InvalidValueError):
        PriorityMatrix(cells, labels)


def test_modifiers_apply_in_order_and_each_step_is_explained() -> None:
    contracts = InMemoryCrm({"@acme.com": Account(account_id="acme", sla_tier="gold")})
    policy = priority_policy(
        modifiers=[
            tier_modifier({"gold": 1}, contracts),
            vip_modifier(["CEO@acme.com"]),
            keyword_modifier(["outage"], steps=0, floor=4),
            field_modifier("env", "test", steps=-2, floor=2),
        ]
    )
    decision = policy.prioritize(ticket("Portal outage", email="ceo@ACME.com", impact=1, urgency=1))
    assert [(s.modifier, s.before, s.after) for s in decision.steps] == [
        ("tier", 1, 2),
        ("vip", 2, 3),
        ("keywords", 3, 4),
    ]
    assert decision.label == "P2"
    assert "the customer's tier is gold" in decision.explain()
    lowered = policy.prioritize(ticket("hello", fields={"env": "test"}, impact=5, urgency=5))
    assert [(s.before, s.after) for s in lowered.steps] == [(5, 3)]


def test_a_raising_modifier_never_lowers_a_ticket_above_its_cap() -> None:
    policy = priority_policy(modifiers=[vip_modifier(["a@example.com"], cap=3)])
    decision = policy.prioritize(ticket(email="a@example.com", impact=5, urgency=5))
    assert [(s.before, s.after) for s in decision.steps] == [(5, 5)]
    assert decision.level == 5


def test_a_failing_tier_lookup_is_recorded_and_changes_nothing() -> None:
    def down(_: Requester) -> str | None:
        raise ConnectionError("CRM unreachable")

    decision = priority_policy(modifiers=[tier_modifier({"gold": 1}, down)]).prioritize(
        ticket(impact=3, urgency=3)
    )
    (step,) = decision.steps
    assert (step.before, step.after) == (3, 3)
    assert "lookup failed" in step.why
    assert "CRM unreachable" in step.why


def test_a_tier_lookup_that_answers_nonsense_is_an_invalid_value() -> None:
    policy = priority_policy(modifiers=[tier_modifier({"gold": 1}, lambda _: 42)])  # type: ignore[arg-type, return-value]
    with pytest.raises(InvalidValueError):
        policy.prioritize(ticket())


def test_vips_are_compared_as_mailboxes() -> None:
    policy = priority_policy(modifiers=[vip_modifier(["Boss@Example.COM"])])
    assert policy.prioritize(ticket(email="boss@example.com")).steps
    assert not policy.prioritize(ticket(email="bos@example.com")).steps
    folded = priority_policy(modifiers=[vip_modifier(["straße@example.com"])])
    assert not folded.prioritize(ticket(email="strasse@example.com")).steps


class _Rogue:
    def __init__(self, step: object) -> None:
        self.step = step

    def modify(self, _: Ticket, __: int, ___: int) -> object:
        return self.step


@pytest.mark.parametrize(
    "answer",
    [
        3,
        "P1",
        PriorityStep("rogue", 1, 5, "starts elsewhere"),
        PriorityStep("rogue", 3, 9, "past the top"),
    ],
)
def test_a_host_modifier_must_answer_a_step_from_the_level_it_was_given(answer: object) -> None:
    policy = priority_policy(modifiers=[_Rogue(answer)])  # type: ignore[list-item]
    with pytest.raises(InvalidValueError):
        policy.prioritize(ticket(impact=3, urgency=3))


@pytest.mark.parametrize(
    "build",
    [
        lambda: vip_modifier("boss@example.com"),
        lambda: vip_modifier(["not an address"]),
        lambda: vip_modifier(["a@example.com"], floor=4, cap=2),
        lambda: vip_modifier(["a@example.com"], steps=0),
        lambda: vip_modifier(["a@example.com"], steps=11),
        lambda: keyword_modifier([]),
        lambda: field_modifier("env", []),
        lambda: tier_modifier({"gold": "up"}, lambda _: None),  # type: ignore[dict-item]
        lambda: tier_modifier({"gold": 1}, "crm"),  # type: ignore[arg-type]
        lambda: priority_policy(modifiers=[object()]),  # type: ignore[list-item]
        lambda: priority_policy(matrix=GLPI),  # type: ignore[arg-type]
        lambda: priority_policy(default_impact=0),
    ],
)
def test_malformed_modifiers_and_policies_are_refused(build: object) -> None:
    with pytest.raises(InvalidValueError):
        build()  # type: ignore[operator]


def test_a_decision_whose_steps_do_not_chain_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        PriorityDecision(
            impact=3,
            urgency=3,
            base=3,
            steps=(PriorityStep("a", 2, 4, "why"),),
            level=4,
            label="P2",
        )


def test_the_built_ins_are_what_they_say() -> None:
    assert isinstance(priority_policy(), PriorityPolicy)
    assert isinstance(vip_modifier(["a@example.com"]), PriorityModifier)


# -- floors and caps ------------------------------------------------------------------------------


@st.composite
def bounded(draw: st.DrawFn) -> tuple[int, int, int | None]:
    floor = draw(st.integers(1, 5))
    cap = draw(st.none() | st.integers(floor, 5))
    steps = draw(st.integers(-5, 5).filter(lambda s: s != 0 or floor > 1 or cap is not None))
    return steps, floor, cap


@given(bounds=bounded(), impact=_levels, urgency=_levels)
def test_a_modifier_moves_only_its_way_and_only_into_its_floor_and_cap(
    bounds: tuple[int, int, int | None], impact: int, urgency: int
) -> None:
    steps, floor, cap = bounds
    policy = priority_policy(
        modifiers=[keyword_modifier(["outage"], steps=steps, floor=floor, cap=cap)]
    )
    decision = policy.prioritize(ticket("outage", impact=impact, urgency=urgency))
    (step,) = decision.steps
    if step.after != step.before:
        assert floor <= step.after <= (5 if cap is None else cap)
    if steps > 0:
        assert step.after >= step.before
    if steps < 0:
        assert step.after <= step.before
    assert 1 <= decision.level <= 5


@given(
    modifiers=st.lists(bounded(), max_size=4),
    impact=_levels,
    urgency=_levels,
    more_impact=_levels,
    more_urgency=_levels,
)
def test_with_modifiers_raising_impact_or_urgency_never_lowers_the_priority(
    modifiers: list[tuple[int, int, int | None]],
    impact: int,
    urgency: int,
    more_impact: int,
    more_urgency: int,
) -> None:
    policy = priority_policy(
        modifiers=[
            keyword_modifier(["outage"], steps=s, floor=f, cap=c, name=f"m{n}")
            for n, (s, f, c) in enumerate(modifiers)
        ]
    )
    low = policy.prioritize(ticket("outage", impact=impact, urgency=urgency))
    high = policy.prioritize(
        ticket("outage", impact=max(impact, more_impact), urgency=max(urgency, more_urgency))
    )
    assert high.level >= low.level
