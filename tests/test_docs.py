"""Every ``python`` code block in docs/ and README.md runs and passes ``mypy --strict``.

Blocks run file by file, top to bottom. For mypy, each page becomes one module that keeps the
page's line numbers (everything outside ``python`` blocks blanked), so an error names the line
of the page itself. mypy runs once, without the project's configuration: readers copy these
examples into their own code, which knows nothing of our ``[tool.mypy]``.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
NOT_IN_NAMES = re.compile(r"\W")  # characters a page name has that a module name cannot

# Pages whose examples fail mypy --strict today. Strict xfail: once a page is fixed, its test
# fails until the entry here goes.
FAILS_MYPY: Mapping[str, str] = {}

needs_mypy = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed; `nox -s tests` installs it with the `test` dependency group",
)


def test_there_are_pages_with_examples() -> None:
    assert any(BLOCK.search(page.read_text()) for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
        code = compile(match.group(1), f"{page.name}[block {number}]", "exec")
        exec(code, namespace)  # noqa: S102 - running our own documentation is the point


def examples_only(text: str) -> str:
    """Return `text` with every line outside ``python`` blocks blanked."""
    lines = [""] * (text.count("\n") + 1)
    for match in BLOCK.finditer(text):
        first = text.count("\n", 0, match.start(1))
        for offset, line in enumerate(match.group(1).splitlines()):
            lines[first + offset] = line
    return "\n".join(lines)


@attrs.frozen
class MypyRun:
    """One ``mypy --strict`` run over every page: its output, and its errors per page."""

    stdout: str
    stderr: str
    status: int
    errors: Mapping[Path, list[str]]
    unplaced: list[str]


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    from mypy import api  # noqa: PLC0415 - only once `needs_mypy` found it

    folder = tmp_path_factory.mktemp("docs_mypy")
    modules: dict[str, Path] = {}
    for page in PAGES:
        module = folder / f"page_{NOT_IN_NAMES.sub('_', page.stem.lower())}.py"
        module.write_text(examples_only(page.read_text()))
        modules[str(module)] = page
    stdout, stderr, status = api.run(
        ["--strict", "--config-file=", f"--cache-dir={folder / 'cache'}", *modules]
    )
    errors: dict[Path, list[str]] = {page: [] for page in PAGES}
    unplaced: list[str] = []
    for line in stdout.splitlines()[:-1]:  # the last line is the summary
        path, _, rest = line.partition(":")
        if path in modules:
            errors[modules[path]].append(f"{modules[path].relative_to(ROOT)}:{rest}")
        else:
            unplaced.append(line)
    return MypyRun(stdout, stderr, status, errors, unplaced)


@needs_mypy
def test_mypy_checks_every_page(mypy_run: MypyRun) -> None:
    assert mypy_run.status in {0, 1}, mypy_run.stderr  # 2 means mypy itself failed
    assert mypy_run.stderr == ""
    assert mypy_run.unplaced == []
    assert re.search(rf"\b{len(PAGES)} source files?\)?$", mypy_run.stdout.strip()), mypy_run.stdout


def test_known_mypy_failures_name_pages() -> None:
    assert set(FAILS_MYPY) <= {page.name for page in PAGES}


@needs_mypy
@pytest.mark.parametrize(
    "page",
    [
        pytest.param(
            page,
            id=page.name,
            marks=[pytest.mark.xfail(strict=True, reason=FAILS_MYPY[page.name])]
            if page.name in FAILS_MYPY
            else [],
        )
        for page in PAGES
    ],
)
def test_examples_pass_mypy_strict(page: Path, mypy_run: MypyRun) -> None:
    assert mypy_run.errors[page] == [], "\n".join(mypy_run.errors[page])
