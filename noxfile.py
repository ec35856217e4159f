"""Development sessions: ``nox -s tests typecheck lint docs bench``."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "typecheck", "lint"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = os.environ.get("TICKETFLOW_PYTHON", "3.11")


def _groups(*names: str) -> list[str]:
    found: list[str] = []
    for name in names:
        found.extend(nox.project.dependency_groups(PYPROJECT, name))
    return found


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite with branch coverage (>= 95% enforced)."""
    session.install("-e", ".[report]", *_groups("test"))
    session.run(
        "pytest",
        "--numprocesses=auto",
        "--dist=worksteal",  # a worker that runs out takes over another's queue
        "--cov",
        "--cov-branch",
        "--cov-report=term",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Run mypy --strict over src, tests, benchmarks and this file."""
    session.install("-e", ".[report]", *_groups("typecheck"))
    session.run("mypy", "--strict", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Run ruff's linter and format check."""
    session.install(*_groups("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML docs with Sphinx, warnings as errors (`tests` runs and types examples)."""
    session.install("-e", ".", *_groups("docs"))
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Run every benchmark script and print its table."""
    session.install("-e", ".", *_groups("bench"))
    for script in sorted(Path("benchmarks").glob("[!_]*.py")):
        session.run("python", str(script), *session.posargs)
