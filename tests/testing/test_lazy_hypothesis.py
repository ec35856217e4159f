"""``ticketflow.testing`` imports without hypothesis and loads its hypothesis part on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import ticketflow.testing

# None in sys.modules makes every import of hypothesis (and its submodules) fail.
BLOCK_HYPOTHESIS = "import sys\nsys.modules['hypothesis'] = None\n"


def _run(code: str, *, without_hypothesis: bool = False) -> str:
    source = (BLOCK_HYPOTHESIS if without_hypothesis else "") + textwrap.dedent(code)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", source], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_clock_and_the_targeted_store_checks_work_without_hypothesis() -> None:
    out = _run(
        """
        from datetime import timedelta
        from ticketflow.storage import InMemoryTicketStore
        from ticketflow.testing import FrozenClock, check_ticket_store
        FrozenClock().advance(timedelta(minutes=1))
        check_ticket_store(InMemoryTicketStore, max_examples=0)
        print("ok")
        """,
        without_hypothesis=True,
    )
    assert out == "ok"


def test_the_store_state_machine_asks_for_hypothesis_before_any_check() -> None:
    out = _run(
        """
        from ticketflow.storage import InMemoryTicketStore
        from ticketflow.testing import check_ticket_store
        made = []
        try:
            check_ticket_store(lambda: made.append(1) or InMemoryTicketStore())
        except ModuleNotFoundError as error:
            print(error.name, "max_examples=0" in str(error), len(made))
        """,
        without_hypothesis=True,
    )
    assert out == "hypothesis True 0"


@pytest.mark.parametrize("name", ["WorkflowStateMachine", "actors", "valid_paths"])
def test_a_hypothesis_name_without_hypothesis_says_what_to_install(name: str) -> None:
    out = _run(
        f"""
        import ticketflow.testing
        try:
            ticketflow.testing.{name}
        except ModuleNotFoundError as error:
            print(error.name, "ticketflow[testing]" in str(error))
        """,
        without_hypothesis=True,
    )
    assert out == "hypothesis True"


def test_importing_the_kit_does_not_import_hypothesis_until_a_strategy_is_used() -> None:
    out = _run(
        """
        import sys
        import ticketflow.testing as kit
        print("hypothesis" in sys.modules, "actors" in vars(kit))
        kit.actors
        print("hypothesis" in sys.modules, sorted(kit.__all__) == sorted(
            name for name in vars(kit) if not name.startswith("_") and name in kit.__all__
        ))
        """
    )
    assert out.splitlines() == ["False False", "True True"]


def test_dir_lists_the_lazy_names_before_they_are_loaded() -> None:
    out = _run(
        """
        import ticketflow.testing as kit
        print(set(kit.__all__) <= set(dir(kit)))
        """
    )
    assert out == "True"


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'strategies'"):
        ticketflow.testing.strategies  # noqa: B018 - the access is the test
