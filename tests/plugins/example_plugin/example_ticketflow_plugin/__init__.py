"""An example ticketflow plugin: a categorizer, a router and a priority modifier.

It is laid out as an installed distribution would be: this package beside its
``example_ticketflow_plugin-0.1.dist-info`` directory, whose ``entry_points.txt`` declares the
strategies in the group ``ticketflow.strategies``. The tests put the directory holding both on
``sys.path``, and ``importlib.metadata`` finds it there as it finds what pip installed.

Each entry point shows one form a plugin may take: a class (called with no arguments for the
strategy), an instance, and a factory function.
"""

from __future__ import annotations

from typing import Final

from ticketflow import Ticket
from ticketflow.triage import (
    UNCATEGORIZED,
    CategoryDecision,
    PriorityModifier,
    PriorityStep,
    RouteContext,
    RouteDecision,
)

__all__ = ["BY_CATEGORY", "CategoryQueueRouter", "ParcelCategorizer", "weekend_modifier"]


class ParcelCategorizer:
    """Puts a ticket that mentions a late parcel in ``delivery/late``; leaves the rest."""

    words: Final = ("late", "delayed", "where is my parcel")

    def categorize(self, ticket: Ticket) -> CategoryDecision:
        """Return ``delivery/late`` if the subject or description has one of the words."""
        text = f"{ticket.subject} {ticket.description}".casefold()
        found = [word for word in self.words if word in text]
        if not found:
            return CategoryDecision(UNCATEGORIZED, 0.0, [], "no parcel words")
        return CategoryDecision("delivery/late", 0.9, ["parcel words"], f"mentions {found[0]!r}")


class CategoryQueueRouter:
    """Sends a ticket to the queue named after its top-level category; assigns nobody."""

    def route(self, ticket: Ticket, context: RouteContext) -> RouteDecision:
        """Return the queue ``<top-level category>-desk``, or ``first-line``."""
        del context  # this router needs no roster
        if ticket.category is None or ticket.category == UNCATEGORIZED:
            return RouteDecision(queue="first-line", assignee=None, reason="no category yet")
        top = ticket.category.partition("/")[0]
        return RouteDecision(queue=f"{top}-desk", assignee=None, reason=f"category {top}")


BY_CATEGORY: Final = CategoryQueueRouter()
"""The router, ready made: an entry point may name an instance."""


class _Weekend:
    def modify(self, ticket: Ticket, level: int, top: int) -> PriorityStep | None:
        if "weekend" not in ticket.subject.casefold():
            return None
        return PriorityStep("weekend", level, min(level + 1, top), "asked for weekend work")


def weekend_modifier() -> PriorityModifier:
    """Return a modifier that raises a ticket about weekend work by one level."""
    return _Weekend()
