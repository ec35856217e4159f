"""Triage: put a ticket in a standard category, give it a priority, and route it.

Each decision is a small protocol with built-ins: a :class:`Categorizer` (weighted rules over
a closed :class:`Taxonomy`), a :class:`PriorityPolicy` (the impact x urgency matrix, then
ordered modifiers) and a :class:`Router` (rules to a queue; round robin, least loaded or
skills to an agent; chained with fallbacks). Each answers a value that explains itself. All
of it is pure: nothing here reads a clock, a store or the network.

Everything is loaded on first use (``ticketflow.triage.Taxonomy``, or ``from ticketflow.triage
import Taxonomy``), all of it at once: ``import ticketflow`` does not import triage at all.

.. versionadded:: 0.2
"""

import typing

from .._public import load_lazily as _load_lazily

if typing.TYPE_CHECKING:
    from ._categorizer import Categorizer as Categorizer
    from ._categorizer import CategoryDecision as CategoryDecision
    from ._categorizer import rule_categorizer as rule_categorizer
    from ._category import UNCATEGORIZED as UNCATEGORIZED
    from ._category import Category as Category
    from ._category_rule import CategoryRule as CategoryRule
    from ._modifiers import PriorityModifier as PriorityModifier
    from ._modifiers import field_modifier as field_modifier
    from ._modifiers import keyword_modifier as keyword_modifier
    from ._modifiers import tier_modifier as tier_modifier
    from ._modifiers import vip_modifier as vip_modifier
    from ._prioritize import priority_policy as priority_policy
    from ._priority import DEFAULT_MATRIX as DEFAULT_MATRIX
    from ._priority import PriorityDecision as PriorityDecision
    from ._priority import PriorityMatrix as PriorityMatrix
    from ._priority import PriorityPolicy as PriorityPolicy
    from ._priority import PriorityStep as PriorityStep
    from ._replay import replay_triage as replay_triage
    from ._replay_report import ReplayChange as ReplayChange
    from ._replay_report import ReplayTally as ReplayTally
    from ._replay_report import TriageReplay as TriageReplay
    from ._routers import RouteRule as RouteRule
    from ._routers import chain_router as chain_router
    from ._routers import least_loaded_router as least_loaded_router
    from ._routers import round_robin_router as round_robin_router
    from ._routers import rule_router as rule_router
    from ._routers import skills_router as skills_router
    from ._routing import Agent as Agent
    from ._routing import InMemoryRoundRobinCursor as InMemoryRoundRobinCursor
    from ._routing import Needs as Needs
    from ._routing import RoundRobinCursor as RoundRobinCursor
    from ._routing import RouteContext as RouteContext
    from ._routing import RouteDecision as RouteDecision
    from ._routing import Router as Router
    from ._service import StoreRoundRobinCursor as StoreRoundRobinCursor
    from ._service import Triage as Triage
    from ._service import TriagePlan as TriagePlan
    from ._taxonomy import Taxonomy as Taxonomy

__all__ = [
    "DEFAULT_MATRIX",
    "UNCATEGORIZED",
    "Agent",
    "Categorizer",
    "Category",
    "CategoryDecision",
    "CategoryRule",
    "InMemoryRoundRobinCursor",
    "Needs",
    "PriorityDecision",
    "PriorityMatrix",
    "PriorityModifier",
    "PriorityPolicy",
    "PriorityStep",
    "ReplayChange",
    "ReplayTally",
    "RoundRobinCursor",
    "RouteContext",
    "RouteDecision",
    "RouteRule",
    "Router",
    "StoreRoundRobinCursor",
    "Taxonomy",
    "Triage",
    "TriagePlan",
    "TriageReplay",
    "chain_router",
    "field_modifier",
    "keyword_modifier",
    "least_loaded_router",
    "priority_policy",
    "replay_triage",
    "round_robin_router",
    "rule_categorizer",
    "rule_router",
    "skills_router",
    "tier_modifier",
    "vip_modifier",
]

# The names loaded on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    "Agent": "._routing",
    "Categorizer": "._categorizer",
    "Category": "._category",
    "CategoryDecision": "._categorizer",
    "CategoryRule": "._category_rule",
    "DEFAULT_MATRIX": "._priority",
    "InMemoryRoundRobinCursor": "._routing",
    "Needs": "._routing",
    "PriorityDecision": "._priority",
    "PriorityMatrix": "._priority",
    "PriorityModifier": "._modifiers",
    "PriorityPolicy": "._priority",
    "PriorityStep": "._priority",
    "ReplayChange": "._replay_report",
    "ReplayTally": "._replay_report",
    "RoundRobinCursor": "._routing",
    "RouteContext": "._routing",
    "RouteDecision": "._routing",
    "RouteRule": "._routers",
    "Router": "._routing",
    "StoreRoundRobinCursor": "._service",
    "Triage": "._service",
    "TriagePlan": "._service",
    "TriageReplay": "._replay_report",
    "Taxonomy": "._taxonomy",
    "UNCATEGORIZED": "._category",
    "chain_router": "._routers",
    "field_modifier": "._modifiers",
    "keyword_modifier": "._modifiers",
    "least_loaded_router": "._routers",
    "priority_policy": "._prioritize",
    "replay_triage": "._replay",
    "round_robin_router": "._routers",
    "rule_categorizer": "._categorizer",
    "rule_router": "._routers",
    "skills_router": "._routers",
    "tier_modifier": "._modifiers",
    "vip_modifier": "._modifiers",
}


def __getattr__(name: str) -> object:
    return _load_lazily(globals(), _LAZY, __all__, __name__, name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
