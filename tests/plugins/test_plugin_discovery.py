"""Installed plugins are found through their entry points, checked, and used by triage.

``example_plugin/`` holds a plugin as pip would install it: the package
``example_ticketflow_plugin`` beside its ``example_ticketflow_plugin-0.1.dist-info``. Putting
that directory on ``sys.path`` installs it, as far as ``importlib.metadata`` can tell, with
nothing built or downloaded. Broken plugins are made the same way, in a temporary directory.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ticketflow import Actor, Desk, NewTicket, Requester, TicketStatus
from ticketflow.exceptions import InvalidValueError, PluginError, UnknownCategoryError
from ticketflow.plugins import (
    ENTRY_POINT_GROUP,
    NO_PLUGINS_VARIABLE,
    DiscoveryReport,
    StrategyRegistry,
    discover,
)
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock
from ticketflow.triage import Category, Taxonomy, Triage, priority_policy

EXAMPLE = Path(__file__).parent / "example_plugin"
EXAMPLE_ENTRY_POINTS = (
    "categorizer:parcel-words",
    "priority_modifier:weekend",
    "router:by-category",
)
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
TAXONOMY = Taxonomy(
    [
        Category("delivery", "Delivery"),
        Category("delivery/late", "Late delivery"),
        Category("billing", "Billing"),
    ]
)


def _forget(*modules: str) -> None:
    for name in modules:
        sys.modules.pop(name, None)


@pytest.fixture(autouse=True)
def plugins_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever the environment running the tests says, these tests decide.
    monkeypatch.delenv(NO_PLUGINS_VARIABLE, raising=False)


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install the example plugin for one test (and import it afresh)."""
    monkeypatch.syspath_prepend(EXAMPLE)
    _forget("example_ticketflow_plugin")
    yield EXAMPLE
    _forget("example_ticketflow_plugin")


def install(
    folder: Path,
    name: str,
    points: Mapping[str, str],
    modules: Mapping[str, str] | None = None,
) -> Path:
    """Lay out distribution ``name`` 0.1 in ``folder`` with these entry points and modules."""
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    lines = [f"{point} = {target}" for point, target in points.items()]
    (info / "entry_points.txt").write_text("\n".join([f"[{ENTRY_POINT_GROUP}]", *lines, ""]))
    for module, source in (modules or {}).items():
        (folder / f"{module}.py").write_text(source)
    return folder


def test_discovery_finds_checks_and_registers_the_installed_example(example: Path) -> None:
    registry = StrategyRegistry()
    report = discover(registry)
    assert report == DiscoveryReport(registered=EXAMPLE_ENTRY_POINTS)
    assert registry.names("categorizer") == ("parcel-words",)
    assert registry.names("priority_modifier") == ("weekend",)
    assert registry.names("router") == ("by-category",)

    import example_ticketflow_plugin as plugin  # noqa: PLC0415 - installed by the fixture

    # The class was called for its strategy, the instance kept, the factory called.
    assert type(registry.get("categorizer", "parcel-words")) is plugin.ParcelCategorizer
    assert registry.get("router", "by-category") is plugin.BY_CATEGORY
    modifier = registry.get("priority_modifier", "weekend")
    assert callable(modifier.modify)
    assert example == EXAMPLE


def test_triage_uses_the_discovered_strategies(example: Path) -> None:
    del example
    registry = StrategyRegistry()
    discover(registry)
    desk = Desk(InMemoryTicketStore(), clock=FrozenClock(T0))
    triage = Triage(
        desk,
        categorizer=registry.get("categorizer", "parcel-words"),
        priority=priority_policy(modifiers=[registry.get("priority_modifier", "weekend")]),
        router=registry.get("router", "by-category"),
        taxonomy=TAXONOMY,
    )
    draft = NewTicket(
        subject="Weekend delivery: my parcel is late", requester=Requester("alice@example.com")
    )
    submitted = desk.submit(draft, actor=Actor.customer("alice@example.com"))
    ticket = triage.triage(submitted.id)
    assert ticket.status == TicketStatus.TRIAGED
    assert (ticket.category, ticket.queue, ticket.assignee) == (
        "delivery/late",
        "delivery-desk",
        None,
    )
    assert ticket.priority == "P2"  # the matrix's P3, raised by the weekend modifier
    explained = desk.view(ticket.id, Actor.agent("bob")).explanations
    assert any("mentions 'late'" in reason for reason in explained[0].reasons)


def test_a_plugins_category_outside_the_taxonomy_is_refused_by_triage(example: Path) -> None:
    del example
    registry = StrategyRegistry()
    discover(registry)
    desk = Desk(InMemoryTicketStore(), clock=FrozenClock(T0))
    triage = Triage(
        desk,
        categorizer=registry.get("categorizer", "parcel-words"),
        priority=priority_policy(),
        router=registry.get("router", "by-category"),
        taxonomy=Taxonomy([Category("billing", "Billing")]),
    )
    draft = NewTicket(subject="My parcel is late", requester=Requester("alice@example.com"))
    submitted = desk.submit(draft, actor=Actor.customer("alice@example.com"))
    with pytest.raises(UnknownCategoryError):
        triage.triage(submitted.id)
    assert desk.get(submitted.id).category is None


def test_the_checked_in_metadata_declares_what_the_examples_pyproject_declares() -> None:
    pyproject = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    declared = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP]
    text = (EXAMPLE / "example_ticketflow_plugin-0.1.dist-info" / "entry_points.txt").read_text()
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        point, equals, target = line.partition("=")
        if equals:
            pairs[point.strip()] = target.strip()
    assert pairs == declared
    assert tuple(sorted(declared)) == EXAMPLE_ENTRY_POINTS


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_the_environment_variable_turns_discovery_off(
    example: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    del example
    monkeypatch.setenv(NO_PLUGINS_VARIABLE, value)
    registry = StrategyRegistry()
    assert discover(registry) == DiscoveryReport(disabled=True)
    assert registry.names("categorizer") == ()
    assert "example_ticketflow_plugin" not in sys.modules  # not even imported


@pytest.mark.parametrize("value", ["", "0", " "])
def test_an_empty_or_zero_variable_leaves_discovery_on(
    example: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    del example
    monkeypatch.setenv(NO_PLUGINS_VARIABLE, value)
    assert discover(StrategyRegistry()).registered == EXAMPLE_ENTRY_POINTS


BROKEN_MODULE = """
class NoRoute:
    pass

def exploding():
    raise RuntimeError("cannot reach the model server")

class Fine:
    def categorize(self, ticket):
        raise AssertionError("never called by discovery")
"""

BROKEN_POINTS = {
    "categorizer:fine": "broken_ticketflow_plugin:Fine",
    "categorizer:missing-module": "no_such_module_for_ticketflow:Thing",
    "categorizer:missing-attribute": "broken_ticketflow_plugin:Nothing",
    "categorizer:exploding": "broken_ticketflow_plugin:exploding",
    "router:no-route": "broken_ticketflow_plugin:NoRoute",
    "sla_policy:unknown-kind": "broken_ticketflow_plugin:Fine",
    "no-colon": "broken_ticketflow_plugin:Fine",
    "categorizer:parcel-words": "broken_ticketflow_plugin:Fine",  # the example's name
}


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = install(
        tmp_path / "site",
        "broken-ticketflow-plugin",
        BROKEN_POINTS,
        {"broken_ticketflow_plugin": BROKEN_MODULE},
    )
    monkeypatch.syspath_prepend(folder)
    _forget("broken_ticketflow_plugin")
    yield folder
    _forget("broken_ticketflow_plugin")


def _by_entry_point(failed: tuple[PluginError, ...]) -> dict[str, PluginError]:
    return {f"{e.kind}:{e.name}" if e.kind else e.name: e for e in failed}


def test_collecting_registers_the_good_plugins_and_names_each_broken_one(
    example: Path, broken: Path
) -> None:
    del example, broken
    registry = StrategyRegistry()
    report = discover(registry, errors="collect")
    assert report.registered == (
        "categorizer:fine",
        "categorizer:parcel-words",
        "priority_modifier:weekend",
        "router:by-category",
    )
    assert registry.names("categorizer") == ("fine", "parcel-words")
    failed = _by_entry_point(report.failed)
    assert set(failed) == set(BROKEN_POINTS) - {"categorizer:fine"}
    for key, error in failed.items():
        assert error.code == "invalid_plugin"
        assert error.distribution in {
            "broken-ticketflow-plugin 0.1",
            "example-ticketflow-plugin 0.1",
        }
        assert error.plugin is not None
        assert error.plugin in str(error)
        assert error.distribution in str(error)
        if key in BROKEN_POINTS and key != "categorizer:parcel-words":
            assert error.plugin == BROKEN_POINTS[key]
    assert "ModuleNotFoundError" in failed["categorizer:missing-module"].problem
    assert "AttributeError" in failed["categorizer:missing-attribute"].problem
    exploding = failed["categorizer:exploding"]
    assert "RuntimeError: cannot reach the model server" in exploding.problem
    assert isinstance(exploding.__cause__, RuntimeError)
    assert "has no route() method" in failed["router:no-route"].problem
    assert "no such kind of strategy" in failed["sla_policy:unknown-kind"].problem
    assert failed["sla_policy:unknown-kind"].__cause__ is None
    assert "must be named 'kind:name'" in failed["no-colon"].problem
    # Of the two claims on one name, the first in order of entry point value wins.
    clash = failed["categorizer:parcel-words"]
    assert clash.plugin == "example_ticketflow_plugin:ParcelCategorizer"
    assert (
        "name is taken (from entry point broken_ticketflow_plugin:Fine in"
        " broken-ticketflow-plugin 0.1)" in clash.problem
    )


def test_raising_stops_at_the_first_broken_entry_point_naming_it(broken: Path) -> None:
    del broken
    registry = StrategyRegistry()
    with pytest.raises(PluginError) as refused:
        discover(registry)
    error = refused.value
    # Entry points are tried in order of name: "categorizer:exploding" is the first broken one.
    assert (error.kind, error.name) == ("categorizer", "exploding")
    assert error.plugin == "broken_ticketflow_plugin:exploding"
    assert error.distribution == "broken-ticketflow-plugin 0.1"
    assert str(error).startswith(
        "categorizer strategy 'exploding' (entry point broken_ticketflow_plugin:exploding in"
        " broken-ticketflow-plugin 0.1): "
    )


def test_what_the_host_registered_first_keeps_its_name(example: Path) -> None:
    del example

    class Own:
        def categorize(self, ticket: Any) -> Any:
            raise AssertionError(ticket)

    registry = StrategyRegistry()
    own = Own()
    registry.register("categorizer", "parcel-words", own)
    report = discover(registry, errors="collect")
    assert report.registered == ("priority_modifier:weekend", "router:by-category")
    (clash,) = report.failed
    assert "name is taken (registered explicitly)" in clash.problem
    assert registry.get("categorizer", "parcel-words") is own


def test_another_group_finds_only_its_own_entry_points(example: Path) -> None:
    del example
    registry = StrategyRegistry()
    assert discover(registry, group="ticketflow.strategies.nothing-here") == DiscoveryReport()
    assert registry.names("categorizer") == ()


def test_a_distribution_without_a_name_is_reported_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = install(tmp_path, "nameless", {"categorizer:x": "no_such_module_for_ticketflow:X"})
    (folder / "nameless-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\n")
    monkeypatch.syspath_prepend(folder)
    (error,) = discover(StrategyRegistry(), errors="collect").failed
    assert error.distribution is None
    assert str(error).startswith(
        "categorizer strategy 'x' (entry point no_such_module_for_ticketflow:X): "
    )


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"registry": object()}, "registry"),
        ({"group": ""}, "group"),
        ({"group": 3}, "group"),
        ({"errors": "ignore"}, "errors"),
        ({"errors": None}, "errors"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, Any], field: str) -> None:
    call: dict[str, Any] = {"registry": StrategyRegistry(), **arguments}
    with pytest.raises(InvalidValueError) as refused:
        discover(**call)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"registered": "categorizer:x"}, "registered"),
        ({"registered": ["a\nb"]}, "registered"),
        ({"failed": [ValueError()]}, "failed"),
        ({"failed": 3}, "failed"),
        ({"disabled": 1}, "disabled"),
    ],
)
def test_a_report_checks_its_parts(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        DiscoveryReport(**arguments)
    assert refused.value.field == field


def test_reports_compare_by_their_parts_and_show_them() -> None:
    error = PluginError("router", "x", "bad")
    report = DiscoveryReport(["router:y"], [error], disabled=False)
    assert report == DiscoveryReport(("router:y",), (error,))
    assert report != DiscoveryReport(("router:y",), (PluginError("router", "x", "bad"),))
    assert report != "router:y"
    assert hash(report) == hash(DiscoveryReport(("router:y",), (error,)))
    assert repr(DiscoveryReport(disabled=True)) == (
        "DiscoveryReport(registered=(), failed=(), disabled=True)"
    )


def test_a_second_pass_finds_every_name_taken(example: Path) -> None:
    del example
    registry = StrategyRegistry()
    discover(registry)
    again = discover(registry, errors="collect")
    assert again.registered == ()
    assert [f"{e.kind}:{e.name}" for e in again.failed] == list(EXAMPLE_ENTRY_POINTS)
    assert all("name is taken (from entry point" in e.problem for e in again.failed)


def test_an_unknown_kind_is_refused_before_its_module_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = install(
        tmp_path,
        "future-plugin",
        {"sla_policy:strict": "future_ticketflow_plugin:Strict"},
        {"future_ticketflow_plugin": "raise AssertionError('imported')\n"},
    )
    monkeypatch.syspath_prepend(folder)
    (error,) = discover(StrategyRegistry(), errors="collect").failed
    assert (error.kind, error.name) == ("sla_policy", "strict")
    assert "no such kind of strategy" in error.problem
    assert "future_ticketflow_plugin" not in sys.modules
    registry = StrategyRegistry()
    registry.register_kind("sla_policy", {"targets": ["ticket"]})
    (error,) = discover(registry, errors="collect").failed
    assert "cannot be loaded: AssertionError: imported" in error.problem


def test_the_longest_names_are_reported_as_registered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, name = "k" * 256, "n" * 256
    folder = install(tmp_path, "long-plugin", {f"{kind}:{name}": "long_ticketflow_plugin:Long"})
    (folder / "long_ticketflow_plugin.py").write_text("class Long:\n    def go(self): ...\n")
    monkeypatch.syspath_prepend(folder)
    registry = StrategyRegistry()
    registry.register_kind(kind, {"go": []})
    assert discover(registry).registered == (f"{kind}:{name}",)
    _forget("long_ticketflow_plugin")
