"""The Desk's commands that change what a ticket says, each one decision through the seam."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Final, Protocol, runtime_checkable

from ._access import Access
from ._actors import Actor, Role
from ._draft import Decide, Draft
from ._events import (
    CommentAdded,
    FieldsChanged,
    IncidentLinkChanged,
    LinkKind,
    TicketAssigned,
    TicketCategorized,
    TicketLinked,
    TicketPrioritized,
    TicketTagged,
)
from ._fields import FieldValue
from ._retry import retrying
from ._ticket import Ticket, TicketKind, tag_set
from ._values import check_bool, check_enum, check_name, check_optional_name, check_text
from .exceptions import InvalidValueError, TicketNotFoundError
from .storage import TicketStore

__all__ = ["KEEP", "Commands", "Executes", "check_link_target"]


class _Keep(enum.Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep.KEEP
"""Leave this attribute as it is (for :meth:`Desk.assign` and :meth:`Desk.prioritize`)."""


@runtime_checkable
class Categories(Protocol):
    """A closed set of categories (:class:`~ticketflow.triage.Taxonomy` is one)."""

    def resolve(self, code: str) -> str:
        """Return the code (a retired one's successor); raise ``UnknownCategoryError`` if none."""
        ...


class Executes:
    """What the Desk's command groups build on: its seam, and its id factory."""

    _ids: Callable[[], str]

    def execute(  # pragma: no cover - the Desk defines it
        self,
        ticket_id: str,
        decide: Decide,
        *,
        actor: Actor,
        command: str,
        expected_version: int | None = None,
    ) -> Ticket:
        """Decide and commit one command (see :meth:`Desk.execute`)."""
        raise NotImplementedError


class Commands(Executes):
    """The commands of :class:`~ticketflow.Desk` besides creating and moving a ticket."""

    store: TicketStore
    access: Access
    categories: Categories | None
    # The Desk's (Resolving's): a customer's public comment is a reply, by the reply rules.
    _customer_reply: Callable[[str, str, Actor, int | None], Ticket]

    def assign(
        self,
        ticket_id: str,
        *,
        actor: Actor,
        assignee: str | _Keep | None = KEEP,
        queue: str | _Keep | None = KEEP,
        expected_version: int | None = None,
    ) -> Ticket:
        """Route the ticket to a queue and/or an agent; ``None`` clears, :data:`KEEP` keeps.

        Raises:
            AccessDeniedError: The actor's role may not assign (customers and AI by default).
        """

        def decide(draft: Draft) -> None:
            ticket = draft.ticket
            after = (
                ticket.queue if queue is KEEP else queue,
                ticket.assignee if assignee is KEEP else assignee,
            )
            if after != (ticket.queue, ticket.assignee):  # nothing changes: nothing recorded
                draft.record(TicketAssigned, queue=after[0], assignee=after[1])

        return self.execute(
            ticket_id, decide, actor=actor, command="assign", expected_version=expected_version
        )

    def comment(
        self,
        ticket_id: str,
        body: str,
        *,
        actor: Actor,
        public: bool = True,
        expected_version: int | None = None,
    ) -> Ticket:
        """Add a comment: public (the requester sees it) or internal (agents only).

        A customer's comment is a reply, and goes by the desk's reply rules (see
        :meth:`reply`): it may resume or reopen the ticket, and where the rules open a
        follow-up ticket (the ticket is closed, say), the comment goes there and the
        follow-up is returned.

        Raises:
            InvalidValueError: An empty body, or ``public`` is not ``True`` or ``False``.
            AccessDeniedError: A customer writing an internal comment.
        """
        check_text("body", body, empty=False)
        check_bool("public", public)
        if type(actor) is Actor:
            self.access.require_public(public, actor)
            if actor.role is Role.CUSTOMER:
                return self._customer_reply(ticket_id, body, actor, expected_version)
        comment_id = check_name("ids()", self._ids())
        return self.execute(
            ticket_id,
            lambda d: d.record(CommentAdded, comment_id=comment_id, body=body, public=public),
            actor=actor,
            command="comment",
            expected_version=expected_version,
        )

    def set_fields(
        self,
        ticket_id: str,
        changes: Mapping[str, FieldValue | None],
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Ticket:
        """Set structured fields; a ``None`` value removes the field.

        Raises:
            InvalidValueError: No changes, or a name or value that a field cannot hold.
            AccessDeniedError: The actor may not set fields, or (a customer) not these.
        """
        if not isinstance(changes, Mapping):
            raise InvalidValueError("changes", changes, "must map field names to values")

        def decide(draft: Draft) -> None:
            self.access.require_fields(changes, draft.actor)
            draft.record(FieldsChanged, changes=changes)

        return self.execute(
            ticket_id, decide, actor=actor, command="set_fields", expected_version=expected_version
        )

    def categorize(
        self,
        ticket_id: str,
        category: str | None,
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Ticket:
        """Set the ticket's category by hand (``None`` clears it).

        With the desk's ``categories`` (a :class:`~ticketflow.triage.Taxonomy`), a retired code
        becomes its successor and an unknown one is refused.

        Raises:
            InvalidValueError: ``category`` is not a one-line name.
            UnknownCategoryError: ``category`` is not one of the desk's categories.
        """
        check_optional_name("category", category)
        if category is not None and self.categories is not None:
            category = self.categories.resolve(category)

        def decide(draft: Draft) -> None:
            if draft.ticket.category != category:
                draft.record(TicketCategorized, category=category)

        return self.execute(
            ticket_id,
            decide,
            actor=actor,
            command="categorize",
            expected_version=expected_version,
        )

    def prioritize(
        self,
        ticket_id: str,
        priority: str | None,
        *,
        actor: Actor,
        impact: int | _Keep | None = KEEP,
        urgency: int | _Keep | None = KEEP,
        expected_version: int | None = None,
    ) -> Ticket:
        """Set the priority label, and impact and urgency (1 to 5), by hand.

        Raises:
            InvalidValueError: A label that is not a one-line name, or a level outside 1 to 5.
        """

        def decide(draft: Draft) -> None:
            ticket = draft.ticket
            after = (
                priority,
                ticket.impact if impact is KEEP else impact,
                ticket.urgency if urgency is KEEP else urgency,
            )
            if after != (ticket.priority, ticket.impact, ticket.urgency):
                draft.record(
                    TicketPrioritized, priority=after[0], impact=after[1], urgency=after[2]
                )

        return self.execute(
            ticket_id, decide, actor=actor, command="prioritize", expected_version=expected_version
        )

    def tag(
        self,
        ticket_id: str,
        *,
        actor: Actor,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> Ticket:
        """Add and/or remove tags; tags already there (or already absent) change nothing.

        Raises:
            InvalidValueError: A tag is not a name without white space, a tag is both added and
                removed, or the ticket would carry too many tags.
        """
        added, removed = tag_set("add", add), tag_set("remove", remove)
        if added & removed:
            raise InvalidValueError("add", sorted(added & removed), "is also removed")

        def decide(draft: Draft) -> None:
            tags = draft.ticket.tags
            if (added - tags) or (removed & tags):
                draft.record(TicketTagged, added=added - tags, removed=removed & tags)

        return self.execute(
            ticket_id, decide, actor=actor, command="tag", expected_version=expected_version
        )

    def link(
        self,
        ticket_id: str,
        link: LinkKind | str,
        target: str | None,
        *,
        actor: Actor,
        expected_version: int | None = None,
    ) -> Ticket:
        """Link the ticket to another (``None`` removes the link of that kind).

        A ``problem`` link must point to a problem record; a ticket cannot duplicate itself or
        a ticket that is itself a duplicate (merge into the ticket that carries the work).

        A ``problem`` link is recorded on both sides of the journal: once the ticket's
        :class:`~ticketflow.TicketLinked` is committed, the problem it now names records an
        :class:`~ticketflow.IncidentLinkChanged` (linked), and the problem it named before, if
        it still exists, one that unlinks it (each its own commit, retried on conflict; a
        side already so recorded is left alone).

        .. versionchanged:: 0.2 a ``problem`` link is recorded on the problem's side too.

        Raises:
            TicketNotFoundError: ``target`` does not exist.
            InvalidValueError: The link would break one of the rules above.
        """
        kind = check_enum("link", link, LinkKind)
        check_optional_name("target", target)
        changed: list[str | None] = []  # the target it had, when the link changed

        def decide(draft: Draft) -> None:
            changed.clear()
            # The target is looked up only now, once the actor may link and may see this
            # ticket: a refusal must not tell who may not link whether another ticket exists.
            if target is not None and not self.access.may_see(self.store.get(target), draft.actor):
                raise TicketNotFoundError(target)  # as for an unknown id
            check_link_target(self.store, kind, target)
            before = getattr(draft.ticket.links, kind.value)
            if before != target:
                draft.record(TicketLinked, link=kind, target=target)
                changed.append(before)

        after = self.execute(
            ticket_id,
            decide,
            actor=actor,
            command="link",
            expected_version=expected_version,
        )
        if kind is LinkKind.PROBLEM and changed:
            [before] = changed
            if before is not None:
                with contextlib.suppress(TicketNotFoundError):  # the old problem may be gone
                    self._problem_side(before, after.id, actor, linked=False)
            if target is not None:
                self._problem_side(target, after.id, actor, linked=True)
        return after

    def _problem_side(
        self, problem_id: str, incident_id: str, actor: Actor, *, linked: bool
    ) -> None:
        """Record on the problem that ``incident_id`` is linked to it (or no longer is)."""

        def decide(draft: Draft) -> None:
            listed = False
            for event in draft.history():
                if type(event) is IncidentLinkChanged and event.incident == incident_id:
                    listed = event.linked
            if listed != linked:
                draft.record(IncidentLinkChanged, incident=incident_id, linked=linked)

        retrying(lambda: self.execute(problem_id, decide, actor=actor, command="link"))


def check_link_target(store: TicketStore, kind: LinkKind, target: str | None) -> None:
    """Refuse a link to a ticket that does not exist or does not fit the kind of link.

    Raises:
        TicketNotFoundError: ``target`` does not exist.
        InvalidValueError: A problem link to a non-problem, or a duplicate of a duplicate.
    """
    if target is None:
        return
    other = store.get(target)
    if kind is LinkKind.PROBLEM and other.kind is not TicketKind.PROBLEM:
        raise InvalidValueError("target", target, "a problem link points to a problem")
    if kind is LinkKind.DUPLICATE_OF and other.links.duplicate_of is not None:
        raise InvalidValueError(
            "target", target, f"is a duplicate itself; link to {other.links.duplicate_of}"
        )
