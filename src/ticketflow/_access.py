"""Who may run which command: safe defaults, one place.

Customers create tickets for themselves, comment publicly and read their own tickets; staff
(agents, supervisors and system actors) do the rest; AI actors comment and submit, and do
anything else only where the host grants it. Status changes are governed per edge by the
workflow's role rules on top of this table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import attrs

from ._actors import Actor, Role
from ._identity import same_mailbox
from ._ticket import NewTicket, Ticket
from ._values import check_name
from ._visibility import requested_by
from ._workflow import STAFF
from .exceptions import AccessDeniedError, InvalidValueError

__all__ = ["DEFAULT_COMMAND_ROLES", "Access"]

_ALL: Final = frozenset(Role)

DEFAULT_COMMAND_ROLES: Final[Mapping[str, frozenset[Role]]] = MappingProxyType(
    {
        "submit": _ALL,  # customers only for themselves
        "comment": _ALL,  # customers only publicly
        "transition": _ALL,  # the workflow's role rule for the edge decides
        "assign": STAFF,
        "set_fields": STAFF,
        "categorize": STAFF,
        "prioritize": STAFF,
        "tag": STAFF,
        "link": STAFF,
        "resolve": STAFF | {Role.AI},  # an AI's resolution passes the AI policy too
        "review_suggestion": STAFF,
        # The customer's own word (or a system actor relaying it): never an agent's.
        "confirm_resolution": frozenset({Role.CUSTOMER, Role.SYSTEM}),
        "reject_resolution": frozenset({Role.CUSTOMER, Role.SYSTEM}),
        "reply": frozenset({Role.CUSTOMER, Role.SYSTEM}),
        "record_csat": frozenset({Role.CUSTOMER, Role.SYSTEM}),
    }
)
"""The roles that may run each Desk command; a command not listed is for :data:`STAFF` only."""


_STAFF_DECIDES: Final = ("queue", "assignee", "tags", "links", "status")
_BLANK: Final = {
    field.name: field.default for field in attrs.fields(NewTicket) if field.name in _STAFF_DECIDES
}


def _roles(command: str, value: object) -> frozenset[Role]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(f"roles[{command!r}]", value, "must be a collection of roles")
    found: set[Role] = set()
    for role in value:
        try:
            found.add(Role(role))
        except (ValueError, TypeError):
            raise InvalidValueError(f"roles[{command!r}]", role, "is not a role") from None
    return frozenset(found)


def _names(field: str, value: object) -> frozenset[str]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidValueError(field, value, "must be a collection of field names")
    return frozenset(check_name(field, name) for name in value)


class Access:
    """Decides whether an actor may run a command, on which ticket, with which values.

    Args:
        roles: Roles per command, replacing the defaults of the commands named.
        internal_fields: Structured fields that customers never see.
        customer_fields: The structured fields a customer may set (where the host lets
            customers run ``set_fields`` at all).

    Raises:
        InvalidValueError: A role or field name is not one.
    """

    __slots__ = ("customer_fields", "internal_fields", "roles")

    def __init__(
        self,
        roles: Mapping[str, Iterable[Role | str]] | None = None,
        *,
        internal_fields: Iterable[str] = (),
        customer_fields: Iterable[str] = (),
    ) -> None:
        table = dict(DEFAULT_COMMAND_ROLES)
        if roles is not None:
            if not isinstance(roles, Mapping):
                raise InvalidValueError("roles", roles, "must map command names to roles")
            for command, allowed in roles.items():
                table[check_name("roles", command)] = _roles(command, allowed)
        self.roles: Mapping[str, frozenset[Role]] = MappingProxyType(table)
        self.internal_fields = _names("internal_fields", internal_fields)
        self.customer_fields = _names("customer_fields", customer_fields)

    def require(self, command: str, actor: Actor) -> None:
        """Refuse unless ``actor``'s role may run ``command``.

        Raises:
            AccessDeniedError: It may not.
        """
        allowed = self.roles.get(command, STAFF)
        if actor.role not in allowed:
            raise AccessDeniedError(command, actor.role, allowed)

    def may_see(self, ticket: Ticket, actor: Actor) -> bool:
        """Return whether ``actor`` may read or act on ``ticket`` at all."""
        return actor.role is not Role.CUSTOMER or requested_by(ticket, actor)

    def require_submit(self, draft: NewTicket, actor: Actor) -> None:
        """Refuse a customer submitting in someone else's name, or deciding what staff decide.

        Raises:
            AccessDeniedError: A customer whose id is not the requester's address, or who sets
                the queue, assignee, tags, links, the status or an internal field (the refusal
                does not say which, so it tells nothing about which names are internal).
        """
        self.require("submit", actor)
        if actor.role is not Role.CUSTOMER:
            return
        if not same_mailbox(draft.requester.email, actor.id):
            raise AccessDeniedError(
                "submit", actor.role, detail="customers submit tickets for themselves only"
            )
        # Routing, tags, links and the status are staff decisions, and internal fields are not
        # the customer's to see or set. (What a customer may choose among category, priority,
        # impact, urgency and other fields is the intake form's decision.)
        decided = [name for name in _STAFF_DECIDES if getattr(draft, name) != _BLANK[name]]
        if decided or self.internal_fields & draft.fields.keys():
            raise AccessDeniedError(
                "submit",
                actor.role,
                detail="customers do not set routing, tags, links, the status or internal"
                " fields on a submission",
            )

    def require_fields(self, names: Iterable[str], actor: Actor) -> None:
        """Refuse a customer setting a field outside :attr:`customer_fields`.

        The refusal names only the fields a customer may set, so it tells nothing about which
        other names are internal.

        Raises:
            AccessDeniedError: A customer naming another field.
        """
        if actor.role is Role.CUSTOMER and not set(names) <= self.customer_fields:
            allowed = ", ".join(sorted(self.customer_fields)) or "none"
            raise AccessDeniedError(
                "set_fields", actor.role, detail=f"customers may set only these fields: {allowed}"
            )

    def require_public(self, public: bool, actor: Actor) -> None:
        """Refuse a customer writing an internal comment.

        Raises:
            AccessDeniedError: A customer asked for ``public=False``.
        """
        if actor.role is Role.CUSTOMER and public is False:
            raise AccessDeniedError(
                "comment", actor.role, detail="customers write public comments only"
            )

    def __repr__(self) -> str:
        return f"Access(internal_fields={sorted(self.internal_fields)!r})"
