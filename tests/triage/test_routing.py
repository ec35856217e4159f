"""Routing: rules to a queue; round robin, least loaded and skills to an agent; chains.

No router ever names an agent who is unavailable, at capacity, off shift, outside the queue,
or lacks a skill or the language the ticket needs.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pytest
from _triage import T0, TAXONOMY, ticket
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import Ticket
from ticketflow.exceptions import InvalidValueError, UnknownCategoryError
from ticketflow.sla import BusinessCalendar
from ticketflow.triage import (
    Agent,
    InMemoryRoundRobinCursor,
    Needs,
    RoundRobinCursor,
    RouteContext,
    RouteDecision,
    Router,
    RouteRule,
    chain_router,
    least_loaded_router,
    round_robin_router,
    rule_router,
    skills_router,
)

OFFICE = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]})


def agent(name: str, queues: Sequence[str] = ("l1",), **more: object) -> Agent:
    return Agent(id=name, queues=queues, **more)  # type: ignore[arg-type]


def context(*agents: Agent, loads: dict[str, int] | None = None, hours: int = 2) -> RouteContext:
    return RouteContext(at=T0 + timedelta(hours=hours), agents=agents, loads=loads or {})


# -- rules ----------------------------------------------------------------------------------------


def test_the_first_matching_rule_names_the_queue() -> None:
    router = rule_router(
        [
            RouteRule(
                name="acme-late",
                queue="carriers",
                categories=["delivery/late"],
                fields={"carrier": "ACME"},
            ),
            RouteRule(name="delivery", queue="logistics", categories=["delivery"]),
            RouteRule(name="money", queue="finance", categories=["billing"]),
        ],
        default_queue="l1",
    )
    empty = context()
    assert router.route(ticket(category="delivery/late", fields={"carrier": "ACME"}), empty) == (
        RouteDecision("carriers", None, "rule acme-late sends it to carriers")
    )
    assert router.route(ticket(category="delivery/lost"), empty).queue == "logistics"
    assert router.route(ticket(category="billing/refund"), empty).queue == "finance"
    assert router.route(ticket(category="outage"), empty).queue == "l1"
    assert router.route(ticket(), empty).queue == "l1"


def test_without_a_default_the_ticket_keeps_its_queue() -> None:
    router = rule_router([RouteRule(name="money", queue="finance", categories=["billing"])])
    assert router.route(ticket(queue="l2"), context()).queue == "l2"


def test_a_taxonomy_checks_rule_categories_and_supplies_parents() -> None:
    with pytest.raises(UnknownCategoryError):
        rule_router([RouteRule(name="x", queue="q", categories=["complaints"])], taxonomy=TAXONOMY)
    router = rule_router(
        [RouteRule(name="d", queue="q", categories=["delivery"])], taxonomy=TAXONOMY
    )
    assert router.route(ticket(category="delivery/late"), context()).queue == "q"


# -- picking agents -------------------------------------------------------------------------------


def test_least_loaded_picks_the_fewest_open_tickets_then_the_id() -> None:
    router = least_loaded_router()
    agents = (agent("carol"), agent("bob"), agent("alice"))
    assert router.route(
        ticket(queue="l1"), context(*agents, loads={"alice": 3, "bob": 1, "carol": 1})
    ) == (RouteDecision("l1", "bob", "least loaded in l1: bob (1 open of 10)"))


def test_nobody_at_capacity_unavailable_or_off_shift_gets_a_ticket() -> None:
    agents = (
        agent("alice", capacity=2),
        agent("bob", available=False),
        agent("carol", hours=OFFICE),
        agent("dave", queues=["l2"]),
    )
    # 2026-03-02 is a Monday: 11:00 UTC is open in Berlin, 20:00 UTC is not.
    at_night = context(*agents, loads={"alice": 2}, hours=11)
    decision = least_loaded_router().route(ticket(queue="l1"), at_night)
    assert decision.assignee is None
    assert decision.queue == "l1"
    assert (
        decision.reason
        == "no agent of 3 in l1 fits: 1 at capacity, 1 off shift, 1 unavailable; it waits"
    )
    in_office = context(*agents, loads={"alice": 2}, hours=2)
    assert least_loaded_router().route(ticket(queue="l1"), in_office).assignee == "carol"


def test_skills_and_language_come_from_fields_and_tags() -> None:
    agents = (
        agent("alice", skills=["sap"], languages=["EN"]),
        agent("bob", skills=["sap", "api", "de-law"], languages=["de", "en"]),
        agent("carol", skills=["sap", "api"], languages=["de"]),
    )
    router = skills_router()
    needs_api = ticket(queue="l1", fields={"skills": "sap, api"})
    assert router.route(needs_api, context(*agents)).assignee == "carol"
    needs_german = ticket(queue="l1", tags=frozenset({"skill:sap"}), fields={"language": "DE"})
    assert router.route(needs_german, context(*agents)).assignee == "carol"
    assert (
        router.route(ticket(queue="l1", fields={"language": "en"}), context(*agents)).assignee
        == "alice"
    )
    nobody = router.route(ticket(queue="l1", fields={"skills": "cobol"}), context(*agents))
    assert nobody.assignee is None
    assert "needs cobol" in nobody.reason


def test_needs_can_be_read_from_other_places_or_nowhere() -> None:
    needs = Needs(skills_field="expertise", skill_tag_prefix=None, language_field=None)
    assert needs.of(
        ticket(fields={"expertise": "sap", "language": "de"}, tags=frozenset({"skill:x"}))
    ) == (
        frozenset({"sap"}),
        None,
    )


def test_a_reason_listing_many_needs_is_cut_to_one_line() -> None:
    tags = frozenset(f"skill:{n:03}{'x' * 200}" for n in range(60))
    decision = skills_router().route(ticket(queue="l1", tags=tags), context(agent("alice")))
    assert decision.assignee is None
    assert len(decision.reason) == 4096
    assert decision.reason.endswith("...")


def test_a_picker_without_a_queue_says_so() -> None:
    decision = round_robin_router(InMemoryRoundRobinCursor()).route(ticket(), context(agent("a")))
    assert decision == RouteDecision(None, None, "no queue to pick an agent in")


def test_a_queue_without_agents_waits() -> None:
    decision = least_loaded_router().route(ticket(queue="l9"), context(agent("a")))
    assert decision == RouteDecision("l9", None, "queue l9 has no agents: it waits unassigned")


def test_round_robin_takes_turns_in_id_order() -> None:
    router = round_robin_router(InMemoryRoundRobinCursor())
    roster = context(agent("carol"), agent("alice"), agent("bob"))
    picks = [router.route(ticket(queue="l1"), roster).assignee for _ in range(5)]
    assert picks == ["alice", "bob", "carol", "alice", "bob"]


def test_round_robin_skips_who_left_and_resumes_after_the_last_pick() -> None:
    cursor = InMemoryRoundRobinCursor()
    assert cursor.next("l1", ["alice", "bob", "carol"]) == "alice"
    assert cursor.next("l1", ["carol", "dave"]) == "carol"
    assert cursor.next("l1", ["alice", "bob", "carol", "dave"]) == "dave"
    assert cursor.last("l1") == "dave"
    assert cursor.last("l2") is None


@pytest.mark.parametrize("eligible", [[], ["b", "a"], ["a", "a"], "ab", [1], None])
def test_a_cursor_refuses_what_is_not_sorted_distinct_ids(eligible: object) -> None:
    with pytest.raises(InvalidValueError):
        InMemoryRoundRobinCursor().next("l1", eligible)  # type: ignore[arg-type]


def test_the_in_memory_cursor_is_fair_across_threads() -> None:
    cursor = InMemoryRoundRobinCursor()
    ids = [f"agent{n}" for n in range(7)]
    picks: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [cursor.next("l1", ids) for _ in range(700)]
        with lock:
            picks.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(Counter(picks).values()) == {400}


class _Rogue:
    def next(self, _: str, __: Sequence[str]) -> str:
        return "mallory"


def test_a_cursor_that_names_someone_not_offered_is_an_invalid_value() -> None:
    router = round_robin_router(_Rogue())
    with pytest.raises(InvalidValueError):
        router.route(ticket(queue="l1"), context(agent("alice")))


# -- chains ---------------------------------------------------------------------------------------


def test_a_chain_picks_in_the_queue_the_rules_chose_and_falls_back() -> None:
    router = chain_router(
        [
            rule_router(
                [RouteRule(name="d", queue="logistics", categories=["delivery"])],
                default_queue="l1",
            ),
            skills_router(),
            least_loaded_router(),
        ]
    )
    roster = context(
        agent("alice", queues=["logistics"], skills=["sap"]), agent("bob", queues=["l1"])
    )
    decision = router.route(ticket(category="delivery/late"), roster)
    assert (decision.queue, decision.assignee) == ("logistics", "alice")
    assert decision.reason.startswith("rule d sends it to logistics; best skill fit in logistics")
    nobody = router.route(ticket(category="delivery", fields={"skills": "api"}), roster)
    assert (nobody.queue, nobody.assignee) == ("logistics", None)
    assert nobody.reason.count("no agent of 1 in logistics fits") == 2


class _Reckless:
    def route(self, _: Ticket, __: RouteContext) -> RouteDecision:
        return RouteDecision("l1", "bob", "bob is always free")


def test_a_chain_refuses_a_host_router_that_names_someone_who_may_not_take_it() -> None:
    router = chain_router([_Reckless()])
    with pytest.raises(InvalidValueError, match="unavailable"):
        router.route(ticket(), context(agent("bob", available=False)))
    with pytest.raises(InvalidValueError, match="not an agent of the queue"):
        router.route(ticket(), context(agent("bob", queues=["l2"])))
    assert router.route(ticket(), context(agent("bob"))).assignee == "bob"


@pytest.mark.parametrize(
    "build",
    [
        lambda: chain_router([]),
        lambda: chain_router([object()]),  # type: ignore[list-item]
        lambda: round_robin_router(object()),  # type: ignore[arg-type]
        lambda: least_loaded_router(needs="skills"),  # type: ignore[arg-type]
        lambda: rule_router([RouteRule(name="a", queue="q"), RouteRule(name="a", queue="r")]),
        lambda: rule_router(["q"]),  # type: ignore[list-item]
        lambda: RouteRule(name="a", queue="q", categories="delivery"),
        lambda: RouteContext(at=T0, agents=[agent("a"), agent("a")]),
        lambda: RouteContext(at=T0, agents=[agent("a")], loads={"a": -1}),
        lambda: RouteContext(at=T0.replace(tzinfo=None), agents=[]),
        lambda: Agent(id="a", queues="l1"),
        lambda: Agent(id="a", queues=["l1"], capacity=-1),
        lambda: Agent(id="a", queues=["l1"], hours="09:00-17:00"),  # type: ignore[arg-type]
    ],
)
def test_malformed_routing_configuration_is_refused(build: object) -> None:
    with pytest.raises(InvalidValueError):
        build()  # type: ignore[operator]


def test_the_built_ins_are_what_they_say() -> None:
    assert isinstance(least_loaded_router(), Router)
    assert isinstance(InMemoryRoundRobinCursor(), RoundRobinCursor)


# -- properties -----------------------------------------------------------------------------------

_ids = st.sampled_from([f"a{n}" for n in range(8)])
_queues = st.sampled_from(["l1", "l2", "l3"])
_skills = st.sampled_from(["sap", "api", "law"])


@st.composite
def rosters(draw: st.DrawFn) -> RouteContext:
    ids = draw(st.lists(_ids, unique=True, max_size=8))
    agents = [
        Agent(
            id=name,
            queues=draw(st.frozensets(_queues, min_size=1)),
            skills=draw(st.frozensets(_skills)),
            languages=draw(st.frozensets(st.sampled_from(["de", "en"]))),
            capacity=draw(st.integers(0, 4)),
            available=draw(st.booleans()),
            hours=draw(st.none() | st.just(OFFICE)),
        )
        for name in ids
    ]
    loads = {name: draw(st.integers(0, 5)) for name in ids if draw(st.booleans())}
    return RouteContext(
        at=T0 + timedelta(hours=draw(st.integers(0, 30))), agents=agents, loads=loads
    )


@st.composite
def needy_tickets(draw: st.DrawFn) -> Ticket:
    fields: dict[str, str] = {}
    skills = draw(st.frozensets(_skills, max_size=2))
    if skills:
        fields["skills"] = ",".join(sorted(skills))
    if draw(st.booleans()):
        fields["language"] = draw(st.sampled_from(["de", "en"]))
    return ticket(queue=draw(st.none() | _queues), fields=fields)


def _routers() -> list[Router]:
    return [
        round_robin_router(InMemoryRoundRobinCursor()),
        least_loaded_router(),
        skills_router(),
        chain_router([skills_router(), round_robin_router(InMemoryRoundRobinCursor())]),
        chain_router(
            [
                rule_router([RouteRule(name="x", queue="l2", fields={"language": "de"})]),
                least_loaded_router(),
            ]
        ),
    ]


def _may_take(
    roster: RouteContext, queue: str, name: str, needs: tuple[frozenset[str], str | None]
) -> bool:
    (found,) = [a for a in roster.agents if a.id == name]
    skills, language = needs
    return (
        queue in found.queues
        and found.available
        and roster.loads.get(name, 0) < found.capacity
        and skills <= found.skills
        and (language is None or language in found.languages)
        and (found.hours is None or found.hours.is_open(roster.at))
    )


@given(roster=rosters(), tickets=st.lists(needy_tickets(), min_size=1, max_size=5))
def test_no_router_names_an_agent_who_may_not_take_the_ticket(
    roster: RouteContext, tickets: list[Ticket]
) -> None:
    for router in _routers():
        for one in tickets:
            decision = router.route(one, roster)
            if decision.assignee is not None:
                assert decision.queue is not None
                assert _may_take(roster, decision.queue, decision.assignee, Needs().of(one))


@given(roster=rosters(), one=needy_tickets())
def test_someone_is_assigned_whenever_someone_may_take_it(
    roster: RouteContext, one: Ticket
) -> None:
    needs = Needs().of(one)
    anyone = one.queue is not None and any(
        _may_take(roster, one.queue, a.id, needs) for a in roster.agents
    )
    for router in _routers()[:3]:
        assert (router.route(one, roster).assignee is not None) == anyone


@given(roster=rosters(), one=needy_tickets())
def test_least_loaded_picks_an_agent_of_minimum_load(roster: RouteContext, one: Ticket) -> None:
    decision = least_loaded_router().route(one, roster)
    if decision.assignee is None or one.queue is None:
        return
    needs = Needs().of(one)
    loads = [roster.load(a.id) for a in roster.agents if _may_take(roster, one.queue, a.id, needs)]
    assert roster.load(decision.assignee) == min(loads)


@given(
    eligible=st.dictionaries(
        _queues, st.lists(_ids, min_size=1, unique=True).map(sorted), min_size=1
    ),
    sequence=st.lists(st.integers(0, 2), max_size=60),
)
def test_round_robin_counts_never_differ_by_more_than_one(
    eligible: dict[str, list[str]], sequence: list[int]
) -> None:
    cursor = InMemoryRoundRobinCursor()
    queues = sorted(eligible)
    counts: dict[str, Counter[str]] = {queue: Counter() for queue in queues}
    for choice in sequence:
        queue = queues[choice % len(queues)]
        counts[queue][cursor.next(queue, eligible[queue])] += 1
        per_agent = [counts[queue][name] for name in eligible[queue]]
        assert max(per_agent) - min(per_agent) <= 1


@given(roster=rosters(), count=st.integers(1, 30))
def test_round_robin_routing_is_fair_among_fitting_agents(roster: RouteContext, count: int) -> None:
    router = round_robin_router(InMemoryRoundRobinCursor())
    picks = Counter(router.route(ticket(queue="l1"), roster).assignee for _ in range(count))
    fitting = [a.id for a in roster.agents if _may_take(roster, "l1", a.id, (frozenset(), None))]
    if not fitting:
        assert set(picks) == {None}
        return
    per_agent = [picks[name] for name in fitting]
    assert max(per_agent) - min(per_agent) <= 1
    assert sum(per_agent) == count
