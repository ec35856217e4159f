"""Who does things: actors and their roles."""

from __future__ import annotations

import enum

import attrs

from ._value_methods import value_repr
from ._values import check_enum, check_name, validator
from .exceptions import InvalidValueError

__all__ = ["Actor", "Role", "check_actor"]


class Role(enum.StrEnum):
    """The role an actor acts in; workflows allow roles per edge."""

    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"
    AI = "ai"


def _role(value: Role | str) -> Role:
    return check_enum("actor.role", value, Role)


@attrs.frozen
class Actor:
    """Someone (or something) acting on a ticket.

    Attributes:
        role: The role the actor acts in.
        id: A stable identifier chosen by the host (an e-mail address, a user id, ...).
    """

    __repr__ = value_repr

    role: Role = attrs.field(converter=_role)
    id: str = attrs.field(validator=validator(check_name, "actor.id"))

    @classmethod
    def customer(cls, id: str) -> Actor:  # noqa: A002 - mirrors the attribute
        """Return a customer actor."""
        return cls(Role.CUSTOMER, id)

    @classmethod
    def agent(cls, id: str) -> Actor:  # noqa: A002
        """Return an agent actor."""
        return cls(Role.AGENT, id)

    @classmethod
    def supervisor(cls, id: str) -> Actor:  # noqa: A002
        """Return a supervisor actor."""
        return cls(Role.SUPERVISOR, id)

    @classmethod
    def system(cls, id: str = "ticketflow") -> Actor:  # noqa: A002
        """Return an automation actor (timers, rules)."""
        return cls(Role.SYSTEM, id)

    @classmethod
    def ai(cls, id: str) -> Actor:  # noqa: A002
        """Return an AI assistant actor; its suggestions pass the same rules as anyone's."""
        return cls(Role.AI, id)

    def __str__(self) -> str:
        return f"{self.role.value}:{self.id}"


def check_actor(actor: object) -> Actor:
    """Return ``actor`` if it is an :class:`Actor`.

    Raises:
        InvalidValueError: It is not.
    """
    if type(actor) is not Actor:
        raise InvalidValueError("actor", actor, "must be an Actor")
    return actor
