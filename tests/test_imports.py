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
