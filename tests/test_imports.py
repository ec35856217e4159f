"""Importing ticketflow loads only the standard library and its runtime dependencies.

Hosts import ticketflow into their own processes, so it must not drag in the testing kit
(hypothesis) or any optional package: each public package is imported in a fresh, isolated
interpreter (``-I``: no ``PYTHON*`` variables, no user site, no working directory on the path)
and the modules it added to ``sys.modules`` are checked.
"""

from __future__ import annotations

import functools
import importlib.metadata
import pkgutil
import re
import subprocess
import sys

import pytest
from packaging.requirements import Requirement

import ticketflow

# Everything but the testing kit, which needs hypothesis by design.
PUBLIC_PACKAGES = [
    "ticketflow",
    *(
        f"ticketflow.{module.name}"
        for module in pkgutil.iter_modules(ticketflow.__path__)
        if not module.name.startswith("_") and module.name != "testing"
    ),
]

# Extras, dev-only groups, and packages optional integrations are expected to use.
OPTIONAL = frozenset(
    {
        "hypothesis",  # the `testing` extra
        "holidays",  # the `holidays` extra; holidays_from() imports it when called
        "psycopg",
        "psycopg_pool",
        "jsonschema",
        "matplotlib",
        "plotly",
        "standardwebhooks",
        "httpx",
        "requests",
        "numpy",
        "pandas",
        "pytest",
        "_pytest",
        "mypy",
        "businesstime",
        "transitions",
        "statemachine",
    }
)

# Prints, one a line, the modules that importing the packages named in argv added.
PROBE = """
import sys
before = set(sys.modules)
for name in sys.argv[1:]:
    __import__(name)
print(*sorted(set(sys.modules) - before), sep="\\n")
"""


def run_isolated(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter of this environment, isolated from the caller's."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", "-c", code, *args], capture_output=True, text=True, check=False
    )


@functools.cache
def modules_loaded_by(package: str) -> frozenset[str]:
    result = run_isolated(PROBE, package)
    assert result.returncode == 0, result.stderr
    loaded = frozenset(result.stdout.split())
    assert package in loaded, "the probe saw nothing: was the package imported?"
    return loaded


def top_level(module: str) -> str:
    return module.partition(".")[0]


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def runtime_distributions() -> frozenset[str]:
    """ticketflow and what it requires without extras, transitively, as installed here."""
    found: set[str] = set()
    todo = ["ticketflow"]
    while todo:
        name = normalized(todo.pop())
        if name in found:
            continue
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (a marker excludes it), so it cannot be imported
        found.add(name)
        for line in requirements:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return frozenset(found)


def is_stdlib(name: str) -> bool:
    # sysconfig's generated platform data module is missing from stdlib_module_names.
    return name in sys.stdlib_module_names or name.startswith("_sysconfigdata_")


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_importing_never_loads_the_testing_kit(package: str) -> None:
    loaded = modules_loaded_by(package)
    assert not {m for m in loaded if m.startswith("ticketflow.testing")}
    assert "hypothesis" not in loaded


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_importing_loads_no_optional_dependency(package: str) -> None:
    loaded = {top_level(m) for m in modules_loaded_by(package)}
    assert loaded.isdisjoint(OPTIONAL), sorted(loaded & OPTIONAL)


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_importing_loads_only_the_stdlib_and_required_distributions(package: str) -> None:
    required = runtime_distributions()
    owners = importlib.metadata.packages_distributions()
    foreign = {
        name: owners.get(name, ["?"])
        for name in {top_level(m) for m in modules_loaded_by(package)}
        if name != "ticketflow"
        and not is_stdlib(name)
        and not any(normalized(owner) in required for owner in owners.get(name, []))
    }
    assert not foreign, f"imported outside {sorted(required)}: {foreign}"


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_importing_works_with_every_optional_dependency_blocked(package: str) -> None:
    # A None entry in sys.modules makes `import name` raise ImportError, as if uninstalled.
    block = f"import sys\nfor name in {sorted(OPTIONAL)!r}:\n    sys.modules[name] = None\n"
    result = run_isolated(block + PROBE, package)
    assert result.returncode == 0, result.stderr
    assert package in result.stdout.split()


def test_blocking_hypothesis_takes_the_state_machines_away() -> None:
    # The control for the test above: blocking really takes a package away. The kit itself
    # imports without hypothesis; only its hypothesis parts need it, on first use.
    code = (
        "import sys\nsys.modules['hypothesis'] = None\n"
        "from ticketflow.testing import FrozenClock\n"
        "from ticketflow.testing import WorkflowStateMachine\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "import of hypothesis halted" in result.stderr


# What ``import ticketflow`` leaves for first use, each with a statement that first needs it.
# Loading them eagerly made the import about half again as slow (benchmarks/imports.py).
DEFERRED = {
    "cattrs.preconf.json": "ticketflow.to_json(ticketflow.TicketStatus.NEW)",
    "importlib.metadata": (
        "import os, ticketflow.plugins as p\n"
        "os.environ.pop(p.NO_PLUGINS_VARIABLE, None)\n"
        "p.discover(p.StrategyRegistry())"
    ),
    "logging": "ticketflow._log.log_failure(ValueError(), 'a failure')",
    "psycopg": (
        "try:\n    ticketflow.storage.PostgresTicketStore('host = = x')\n"
        "except ticketflow.exceptions.InvalidValueError:\n    pass"
    ),
    "random": "ticketflow.retrying(Once(), sleep=lambda _: None)",
    "secrets": "ticketflow.storage.InMemoryTicketStore",
    "sqlite3": "ticketflow.storage.SQLiteTicketStore",
    "ticketflow.storage._dead_letters": "ticketflow.storage.DeadLetter",
    "ticketflow.storage._feed": "ticketflow.storage.FeedCursor",
    "ticketflow.storage._rotation": "ticketflow.storage.RotationStore",
    "ticketflow.plugins": "import ticketflow.plugins",
    "ticketflow.sla._policy": "ticketflow.sla.SlaPolicy",
    "ticketflow.webhooks": "import ticketflow.webhooks",
    "zoneinfo": "ticketflow.sla.BusinessCalendar",
}

# Prints whether each module named in argv is loaded, before and after the statement on stdin.
FIRST_USE = """
import sys
import ticketflow, ticketflow._desk, ticketflow._log, ticketflow.sla, ticketflow.storage

class Once:
    conflicts = 1
    def __call__(self):
        if self.conflicts:
            self.conflicts -= 1
            raise ticketflow.ConflictError("T1", 1, 2)

modules = sys.argv[1:]
print(*(m in sys.modules for m in modules))
exec(sys.stdin.read())
print(*(m in sys.modules for m in modules))
"""


def loaded_around(statement: str, *modules: str) -> tuple[list[str], list[str]]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", "-c", FIRST_USE, *modules],
        input=statement,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    return before.split(), after.split()


def test_importing_ticketflow_defers_what_only_some_uses_need() -> None:
    loaded = modules_loaded_by("ticketflow")
    assert loaded.isdisjoint(DEFERRED), sorted(loaded & DEFERRED.keys())
    assert not {m for m in loaded if m.startswith(("ticketflow.sla.", "ticketflow.storage._s"))}
    assert not {m for m in loaded if m.startswith("ticketflow.triage")}
    assert not {m for m in loaded if m.startswith("ticketflow.problems")}
    assert not {m for m in loaded if m.startswith("ticketflow.analytics")}
    assert not {m for m in loaded if m.startswith("ticketflow.webhooks")}
    assert not {m for m in loaded if m.startswith("ticketflow.workers")}


@pytest.mark.parametrize(("module", "statement"), DEFERRED.items())
def test_what_was_deferred_loads_on_first_use(module: str, statement: str) -> None:
    # The control for the test above: the probe sees these modules once they are needed.
    assert loaded_around(statement, module) == (["False"], ["True"])


@pytest.mark.parametrize(
    ("expression", "module"),
    [
        ("ticketflow.storage.SQLiteTicketStore", "ticketflow.storage"),
        ("ticketflow.storage.InMemoryTicketStore", "ticketflow.storage"),
        ("ticketflow.storage.PostgresTicketStore", "ticketflow.storage"),
        ("ticketflow.sla.SlaPolicy", "ticketflow.sla"),
        ("ticketflow.sla.sla_state", "ticketflow.sla"),
        ("ticketflow.sla.SlaMetric", "ticketflow.sla"),
        ("ticketflow.SlaMetric", "ticketflow.sla"),  # sla exports it too, and owned it first
        ("ticketflow.triage.Taxonomy", "ticketflow.triage"),
        ("ticketflow.triage.rule_categorizer", "ticketflow.triage"),
        ("ticketflow.analytics.Analytics", "ticketflow.analytics"),
        ("ticketflow.analytics.Metric", "ticketflow.analytics"),
    ],
)
def test_a_name_loaded_on_first_use_says_where_to_import_it_from(
    expression: str, module: str
) -> None:
    # In a fresh interpreter: here in the test run, everything was loaded long ago.
    code = (
        "import ticketflow, ticketflow.sla, ticketflow.storage, ticketflow.triage\n"
        "import ticketflow.analytics\n"
        f"print({expression}.__module__)"
    )
    result = run_isolated(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == module
