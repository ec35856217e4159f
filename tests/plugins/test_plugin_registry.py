"""The strategy registry checks each strategy when it registers, and names it when it refuses."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, assert_type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _hostile import hostile_values
from ticketflow import Requester, Ticket
from ticketflow.exceptions import InvalidValueError, PluginError, UnknownStrategyError
from ticketflow.plugins import STRATEGY_KINDS, StrategyRegistry
from ticketflow.triage import (
    UNCATEGORIZED,
    Categorizer,
    CategoryDecision,
    PriorityModifier,
    PriorityPolicy,
    PriorityStep,
    RouteContext,
    RouteDecision,
    Router,
    priority_policy,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


class Nobody:
    """A categorizer that leaves every ticket to a person."""

    def categorize(self, ticket: Ticket) -> CategoryDecision:
        del ticket
        return CategoryDecision(UNCATEGORIZED, 0.0, [], "nobody decides")


class Bump:
    """A priority modifier that raises every ticket by one level."""

    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        del ticket
        return PriorityStep("bump", level, min(level + 1, top), "always")


def test_a_registered_strategy_is_returned_by_kind_and_name() -> None:
    registry = StrategyRegistry()
    nobody = Nobody()
    registry.register("categorizer", "nobody", nobody)
    registry.register("categorizer", "also nobody", Nobody())
    assert registry.get("categorizer", "nobody") is nobody
    assert registry.names("categorizer") == ("also nobody", "nobody")
    assert registry.names("router") == ()
    assert registry.kinds() == ("categorizer", "priority_modifier", "priority_policy", "router")
    assert "categorizer=['also nobody', 'nobody']" in repr(registry)


def test_get_is_typed_as_the_kinds_protocol() -> None:
    registry = StrategyRegistry()
    registry.register("categorizer", "nobody", Nobody)
    registry.register("priority_modifier", "bump", Bump)
    registry.register("priority_policy", "matrix", priority_policy)
    registry.register("router", "nowhere", Nowhere)
    # mypy checks these; at run time assert_type returns its argument.
    assert_type(registry.get("categorizer", "nobody"), Categorizer)
    assert_type(registry.get("priority_modifier", "bump"), PriorityModifier)
    assert_type(registry.get("priority_policy", "matrix"), PriorityPolicy)
    assert_type(registry.get("router", "nowhere"), Router)
    kind: str = "router"
    assert_type(registry.get(kind, "nowhere"), object)
    policy = priority_policy(modifiers=[registry.get("priority_modifier", "bump")])
    assert policy.prioritize(_ticket()).label == "P2"  # the matrix's P3, bumped


class Nowhere:
    """A router that sends every ticket to no queue."""

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        del ticket, context
        return RouteDecision(queue=None, assignee=None, reason="nowhere")


def _ticket() -> Ticket:
    return Ticket(
        id="T1",
        number=1,
        subject="Hello",
        requester=Requester("alice@example.com"),
        created_at=T0,
        updated_at=T0,
    )


def test_a_class_is_called_once_for_its_strategy() -> None:
    made: list[object] = []

    class Counted(Nobody):
        def __init__(self) -> None:
            made.append(self)

    registry = StrategyRegistry()
    registry.register("categorizer", "counted", Counted)
    assert made == [registry.get("categorizer", "counted")]
    registry.get("categorizer", "counted")
    assert len(made) == 1


def test_a_factory_function_is_called_for_its_strategy() -> None:
    def bump() -> PriorityModifier:
        return Bump()

    registry = StrategyRegistry()
    registry.register("priority_modifier", "bump", bump)
    assert isinstance(registry.get("priority_modifier", "bump"), Bump)


def test_a_module_like_object_with_the_method_is_a_strategy_as_it_is() -> None:
    class Callable(Nobody):
        def __call__(self) -> None:
            raise AssertionError("a strategy is not called as a factory")

    strategy = Callable()
    registry = StrategyRegistry()
    registry.register("categorizer", "callable", strategy)
    assert registry.get("categorizer", "callable") is strategy


def test_a_taken_name_is_refused_naming_the_kind_the_name_and_the_holder() -> None:
    registry = StrategyRegistry()
    first = Nobody()
    registry.register("categorizer", "nobody", first)
    with pytest.raises(PluginError) as refused:
        registry.register("categorizer", "nobody", Nobody(), plugin="pkg.mod:Nobody")
    error = refused.value
    assert (error.kind, error.name, error.plugin) == ("categorizer", "nobody", "pkg.mod:Nobody")
    assert error.code == "invalid_plugin"
    assert "name is taken (registered explicitly)" in error.problem
    assert str(error).startswith("categorizer strategy 'nobody' (entry point pkg.mod:Nobody)")
    assert registry.get("categorizer", "nobody") is first
    # The same name in another kind is another strategy.
    registry.register("priority_modifier", "nobody", Bump())


def test_a_taken_name_is_refused_before_its_factory_runs() -> None:
    registry = StrategyRegistry()
    registry.register("categorizer", "nobody", Nobody())

    def factory() -> Nobody:
        raise AssertionError("must not run")

    with pytest.raises(PluginError, match="taken"):
        registry.register("categorizer", "nobody", factory)


class NoMethod:
    pass


class NotCallable:
    categorize = "yes"


class TooFewParameters:
    def categorize(self) -> None:
        pass


class KeywordOnly:
    def categorize(self, *, ticket: Ticket) -> None:
        pass


class Raises:
    @property
    def categorize(self) -> None:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    ("strategy", "problem"),
    [
        (NoMethod(), "has no categorize() method"),
        (NotCallable(), "its categorize is not callable"),
        (TooFewParameters(), "its categorize() cannot be called as categorize(ticket)"),
        (KeywordOnly(), "its categorize(*, ticket) cannot be called as categorize(ticket)"),
        (Raises(), "reading its categorize attribute raised RuntimeError: no"),
        (NoMethod, "its factory returned <"),
        (lambda: 42, "its factory returned 42, which has no categorize() method"),
        (
            lambda ticket: ticket,
            (
                "has no categorize() method, and calling it as a factory with no arguments"
                " raised TypeError"
            ),
        ),
        (None, "has no categorize() method"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_a_strategy_without_the_protocol_is_refused_with_what_it_lacks(
    strategy: object, problem: str
) -> None:
    registry = StrategyRegistry()
    with pytest.raises(PluginError) as refused:
        registry.register("categorizer", "broken", strategy)
    assert problem in refused.value.problem
    assert (refused.value.kind, refused.value.name) == ("categorizer", "broken")
    assert registry.names("categorizer") == ()


def test_parameters_with_defaults_and_star_args_are_accepted() -> None:
    class Flexible:
        def categorize(self, *args: Any, hint: str = "", **kwargs: Any) -> None:
            pass

    class Longer:
        def route(self, ticket: Ticket, context: object, extra: int = 0) -> None:
            pass

    registry = StrategyRegistry()
    registry.register("categorizer", "flexible", Flexible())
    registry.register("router", "longer", Longer())


def test_a_factory_that_raises_is_refused_with_its_error_as_the_cause() -> None:
    failure = ConnectionError("model server down")

    def factory() -> Nobody:
        raise failure

    registry = StrategyRegistry()
    with pytest.raises(PluginError) as refused:
        registry.register("categorizer", "remote", factory)
    assert "raised ConnectionError: model server down" in refused.value.problem
    assert refused.value.__cause__ is failure


@pytest.mark.parametrize(
    "name", ["", " ", "a\nb", " padded", "padded ", "x" * 257, "\ud800", None, 3, b"name"]
)
def test_an_invalid_name_is_refused(name: object) -> None:
    registry = StrategyRegistry()
    with pytest.raises(PluginError, match="the name"):
        registry.register("categorizer", name, Nobody())  # type: ignore[arg-type]


def test_an_unknown_kind_is_refused_listing_the_kinds() -> None:
    registry = StrategyRegistry()
    with pytest.raises(PluginError) as refused:
        registry.register("sla_policy", "x", Nobody())
    assert refused.value.kind == "sla_policy"
    assert "kinds: categorizer, priority_modifier, priority_policy, router" in str(refused.value)
    with pytest.raises(InvalidValueError):
        registry.names("sla_policy")


def test_a_host_adds_a_kind_and_its_strategies_are_checked_alike() -> None:
    class Targets:
        def targets(self, ticket: Ticket) -> None:
            pass

    registry = StrategyRegistry()
    registry.register_kind("sla_policy", {"targets": ["ticket"]})
    assert registry.methods("sla_policy") == {"targets": ("ticket",)}
    registry.register("sla_policy", "standard", Targets())
    with pytest.raises(PluginError, match="has no targets"):
        registry.register("sla_policy", "nothing", Nobody())
    assert "sla_policy" not in StrategyRegistry().kinds()  # each registry has its own kinds
    assert "sla_policy" not in STRATEGY_KINDS


@pytest.mark.parametrize(
    ("kind", "methods"),
    [
        ("categorizer", {"categorize": ["ticket"]}),  # already a kind
        ("has:colon", {"m": []}),
        ("Upper", {"m": []}),
        ("", {"m": []}),
        (3, {"m": []}),
        ("new_kind", {}),
        ("new_kind", ["m"]),
        ("new_kind", {"not an identifier": []}),
        ("new_kind", {"class": []}),
        ("new_kind", {"m": "ticket"}),
        ("new_kind", {"m": [1]}),
        ("new_kind", {"m": 1}),
    ],
)
def test_a_malformed_kind_is_refused(kind: object, methods: object) -> None:
    registry = StrategyRegistry()
    with pytest.raises(InvalidValueError):
        registry.register_kind(kind, methods)  # type: ignore[arg-type]
    assert registry.kinds() == tuple(sorted(STRATEGY_KINDS))


def test_get_of_an_unknown_name_lists_what_is_registered() -> None:
    registry = StrategyRegistry()
    registry.register("categorizer", "nobody", Nobody())
    with pytest.raises(UnknownStrategyError) as missing:
        registry.get("categorizer", "somebody")
    error = missing.value
    assert isinstance(error, LookupError)
    assert isinstance(error, PluginError)
    assert error.code == "unknown_strategy"
    assert (error.kind, error.name, error.known, error.kind_known) == (
        "categorizer",
        "somebody",
        ("nobody",),
        True,
    )
    assert "not registered (registered: nobody)" in str(error)
    with pytest.raises(UnknownStrategyError) as no_kind:
        registry.get("sla_policy", "x")
    assert not no_kind.value.kind_known
    assert "router" in no_kind.value.known


def test_concurrent_registrations_of_one_name_admit_exactly_one() -> None:
    registry = StrategyRegistry()
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def register() -> None:
        start.wait()
        try:
            registry.register("categorizer", "contested", Nobody())
        except PluginError:
            outcomes.append("refused")
        else:
            outcomes.append("registered")

    threads = [threading.Thread(target=register) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["registered"]


def test_a_factory_that_registers_its_own_name_does_not_deadlock() -> None:
    registry = StrategyRegistry()

    def sneaky() -> Nobody:
        registry.register("categorizer", "sneaky", Nobody())
        return Nobody()

    with pytest.raises(PluginError, match="taken"):
        registry.register("categorizer", "sneaky", sneaky)


@given(
    kind=st.sampled_from(sorted(STRATEGY_KINDS)) | hostile_values,
    name=st.text(max_size=5) | hostile_values,
    strategy=hostile_values,
    plugin=st.none() | st.text(max_size=5) | hostile_values,
)
def test_registering_anything_registers_a_strategy_or_raises_a_ticketflow_error(
    kind: Any, name: Any, strategy: Any, plugin: Any
) -> None:
    registry = StrategyRegistry()
    try:
        registry.register(kind, name, strategy, plugin=plugin)
    except (PluginError, InvalidValueError):  # anything else fails the test
        return
    registered = registry.get(kind, name)
    for method in STRATEGY_KINDS[kind]:
        assert callable(getattr(registered, method))


def test_a_method_without_a_readable_signature_is_accepted_unchecked() -> None:
    class Builtin:
        categorize = vars  # a builtin: inspect cannot read its parameters

    registry = StrategyRegistry()
    registry.register("categorizer", "builtin", Builtin())


class Unprintable(Exception):  # noqa: N818 - named for what it does
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize(
    ("failure", "shown"),
    [
        (Unprintable(), "raised Unprintable"),
        (ValueError("x" * 1000), "raised ValueError: " + "x" * 297 + "..."),
        (ValueError("two\nlines"), "raised ValueError: two lines"),
    ],
)
def test_a_factorys_error_is_shown_briefly_on_one_line(failure: Exception, shown: str) -> None:
    def factory() -> Nobody:
        raise failure

    with pytest.raises(PluginError) as refused:
        StrategyRegistry().register("categorizer", "x", factory)
    assert refused.value.problem.endswith(shown)
    assert "\n" not in str(refused.value)
