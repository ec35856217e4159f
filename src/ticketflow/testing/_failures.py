"""How the kit reports a failure: ``kit[check]: what went wrong``.

A host whose store or workflow fails a check needs to know which contract it broke before it
reads the details, so every failure the kit raises is an :class:`AssertionError` whose message
starts with the kit and the check, and whose ``__cause__`` is the original error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["named_failure", "reported_as"]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def named_failure(kit: str, check: str, error: Exception) -> AssertionError:
    """Return the failure to raise for ``error``, met while ``kit`` ran ``check``.

    An :class:`AssertionError` keeps its message; any other error (the code under test
    crashed) is described by its type and message.
    """
    if isinstance(error, AssertionError):
        detail = str(error) or "an assertion without a message failed"
    else:
        detail = f"raised {type(error).__name__}: {error}"
    return AssertionError(f"{kit}[{check}]: {detail}")


def reported_as(kit: str, prefix: str = "") -> Callable[[_Method], _Method]:
    """Return a decorator for state-machine steps that names the step in every failure.

    Place it below hypothesis's ``@rule`` / ``@invariant``. Hypothesis's own control-flow
    exceptions pass through untouched.
    """

    def decorate(method: _Method) -> _Method:
        check = prefix + method.__name__

        @functools.wraps(method)
        def step(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - forwards the step's own
            try:
                return method(*args, **kwargs)
            except Exception as error:
                # Imported here: only state machines use this, and they load hypothesis anyway.
                from hypothesis.errors import HypothesisException  # noqa: PLC0415

                if isinstance(error, HypothesisException):
                    raise
                raise named_failure(kit, check, error) from error

        return cast("_Method", step)

    return decorate
