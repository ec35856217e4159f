"""Resolution: a checkable definition of done, AI-suggested closes, confirmation, reopening.

A ticket is done when its resolution passes every done-criterion that applies to it
(:class:`DoneCriteria`, per kind and category), and each verdict is recorded with the
resolution. An AI's resolution passes the same criteria, and below the policy's confidence
threshold it is only a suggestion an agent accepts or rejects; an AI never closes a ticket.
External-facing work closes only on the customer's confirmation, or when nobody answered
within the auto-close policy's business days (:class:`AutoClose`, run by
:meth:`Desk.tick <ticketflow.Desk.tick>`). Every customer reply, whatever its channel, goes by
one set of :class:`ReplyRules`: it resumes work that waited on the customer, reopens a recent
resolution, stays a comment when it only says thanks, and opens a follow-up ticket otherwise.
On close (or on resolve) the commit asks for a satisfaction score with a
``ticket.csat_requested`` outbox message.

The :class:`~ticketflow.Desk` holds a :class:`ResolutionPolicy` (a default one unless given)
and runs the commands: ``resolve``, ``review_suggestion``, ``confirm_resolution``,
``reject_resolution``, ``close``, ``reply`` and ``record_csat``.

Import it as ``ticketflow.resolution``; its names load on first use.

.. versionadded:: 0.2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._public import load_lazily as _load_lazily

if TYPE_CHECKING:
    from .._resolution import CriterionVerdict as CriterionVerdict
    from .._resolution import Resolution as Resolution
    from .._resolution import ResolutionAnswer as ResolutionAnswer
    from .._resolution import ResolutionSource as ResolutionSource
    from ..exceptions import ConfirmationRequiredError as ConfirmationRequiredError
    from ..exceptions import DoneCriteriaNotMetError as DoneCriteriaNotMetError
    from ._autoclose import business_days_after as business_days_after
    from ._criteria import ANY as ANY
    from ._criteria import DEFAULT_CODES as DEFAULT_CODES
    from ._criteria import ChecklistDone as ChecklistDone
    from ._criteria import CodeInList as CodeInList
    from ._criteria import Criterion as Criterion
    from ._criteria import DoneContext as DoneContext
    from ._criteria import DoneCriteria as DoneCriteria
    from ._criteria import EvidenceAttached as EvidenceAttached
    from ._criteria import HostCriterion as HostCriterion
    from ._criteria import ProblemLinked as ProblemLinked
    from ._criteria import RootCauseGiven as RootCauseGiven
    from ._decide import pending_suggestion as pending_suggestion
    from ._policy import CSAT_TOPIC as CSAT_TOPIC
    from ._policy import AutoClose as AutoClose
    from ._policy import CsatTrigger as CsatTrigger
    from ._policy import ResolutionPolicy as ResolutionPolicy
    from ._replies import DEFAULT_THANKS as DEFAULT_THANKS
    from ._replies import ReplyAction as ReplyAction
    from ._replies import ReplyOutcome as ReplyOutcome
    from ._replies import ReplyRules as ReplyRules
    from ._replies import ThanksClassifier as ThanksClassifier

__all__ = [
    "ANY",
    "CSAT_TOPIC",
    "DEFAULT_CODES",
    "DEFAULT_THANKS",
    "AutoClose",
    "ChecklistDone",
    "CodeInList",
    "ConfirmationRequiredError",
    "Criterion",
    "CriterionVerdict",
    "CsatTrigger",
    "DoneContext",
    "DoneCriteria",
    "DoneCriteriaNotMetError",
    "EvidenceAttached",
    "HostCriterion",
    "ProblemLinked",
    "ReplyAction",
    "ReplyOutcome",
    "ReplyRules",
    "Resolution",
    "ResolutionAnswer",
    "ResolutionPolicy",
    "ResolutionSource",
    "RootCauseGiven",
    "ThanksClassifier",
    "business_days_after",
    "pending_suggestion",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "ANY": "._criteria",
    "CSAT_TOPIC": "._policy",
    "DEFAULT_CODES": "._criteria",
    "DEFAULT_THANKS": "._replies",
    "AutoClose": "._policy",
    "ChecklistDone": "._criteria",
    "CodeInList": "._criteria",
    "ConfirmationRequiredError": "..exceptions",
    "Criterion": "._criteria",
    "CriterionVerdict": ".._resolution",
    "CsatTrigger": "._policy",
    "DoneContext": "._criteria",
    "DoneCriteria": "._criteria",
    "DoneCriteriaNotMetError": "..exceptions",
    "EvidenceAttached": "._criteria",
    "HostCriterion": "._criteria",
    "ProblemLinked": "._criteria",
    "ReplyAction": "._replies",
    "ReplyOutcome": "._replies",
    "ReplyRules": "._replies",
    "Resolution": ".._resolution",
    "ResolutionAnswer": ".._resolution",
    "ResolutionPolicy": "._policy",
    "ResolutionSource": ".._resolution",
    "RootCauseGiven": "._criteria",
    "ThanksClassifier": "._replies",
    "business_days_after": "._autoclose",
    "pending_suggestion": "._decide",
}


def __getattr__(name: str) -> object:
    return _load_lazily(globals(), _LAZY, __all__, __name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
