"""Problems: the cause behind incidents, its root cause, workaround and verified fix.

A problem is a ticket of kind ``problem`` (internal work) that incidents are linked to, on both
sides of the journal. Its root cause, workaround (it is then a *known error*) and fix are
recorded as events; it is resolved and closed only once the fix is verified: automatically,
when no incident was linked for the :class:`ProblemPolicy`'s quiet period after the fix
(:func:`quiet_period_check`, run by :meth:`Desk.tick <ticketflow.Desk.tick>`), or by a person
with evidence. Resolving a problem can resolve its open incidents in the same call, each by the
desk's resolution rules. :class:`Problems` runs the commands through the Desk's seams;
:class:`VerifiedFix` makes the desk itself refuse to resolve an unverified problem.
:class:`RecurrenceDetector` suggests problems for groups of recent incidents that recur more
than they used to; a person accepts or dismisses each suggestion.

Everything is loaded on first use (``from ticketflow.problems import Problems``):
``import ticketflow`` does not import it.

.. versionadded:: 0.2
"""

import typing

from .._public import load_lazily as _load_lazily

if typing.TYPE_CHECKING:
    from ._detector import DetectorPolicy as DetectorPolicy
    from ._detector import Dismissal as Dismissal
    from ._detector import DismissalLog as DismissalLog
    from ._detector import GroupKind as GroupKind
    from ._detector import InMemoryDismissals as InMemoryDismissals
    from ._detector import ProblemSuggestion as ProblemSuggestion
    from ._detector import RecurrenceDetector as RecurrenceDetector
    from ._policy import PROBLEMS_ACTOR as PROBLEMS_ACTOR
    from ._policy import ProblemPolicy as ProblemPolicy
    from ._policy import VerifiedFix as VerifiedFix
    from ._policy import quiet_period_check as quiet_period_check
    from ._service import IncidentOutcome as IncidentOutcome
    from ._service import IncidentResult as IncidentResult
    from ._service import ProblemResolution as ProblemResolution
    from ._service import Problems as Problems
    from ._state import ProblemState as ProblemState
    from ._state import problem_state as problem_state

__all__ = [
    "PROBLEMS_ACTOR",
    "DetectorPolicy",
    "Dismissal",
    "DismissalLog",
    "GroupKind",
    "InMemoryDismissals",
    "IncidentOutcome",
    "IncidentResult",
    "ProblemPolicy",
    "ProblemResolution",
    "ProblemState",
    "ProblemSuggestion",
    "Problems",
    "RecurrenceDetector",
    "VerifiedFix",
    "problem_state",
    "quiet_period_check",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "PROBLEMS_ACTOR": "._policy",
    "DetectorPolicy": "._detector",
    "Dismissal": "._detector",
    "DismissalLog": "._detector",
    "GroupKind": "._detector",
    "InMemoryDismissals": "._detector",
    "IncidentOutcome": "._service",
    "IncidentResult": "._service",
    "ProblemPolicy": "._policy",
    "ProblemResolution": "._service",
    "ProblemState": "._state",
    "ProblemSuggestion": "._detector",
    "Problems": "._service",
    "RecurrenceDetector": "._detector",
    "VerifiedFix": "._policy",
    "problem_state": "._state",
    "quiet_period_check": "._policy",
}


def __getattr__(name: str) -> object:
    return _load_lazily(globals(), _LAZY, __all__, __name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
