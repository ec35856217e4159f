"""Contracts: who a requester is under contract with, and the credit a breach owes them.

These are plain values and one lookup protocol, kept apart from ``ticketflow.integrations`` (which
delivers messages through the store) so that the SLA engine can use them without reaching the
storage layer.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Protocol, runtime_checkable

import attrs

from ._identity import mailbox_key
from ._serde import from_primitive, to_primitive
from ._ticket import Requester
from ._values import check_instant, check_int, check_name, validator
from .exceptions import InvalidValueError

__all__ = ["SERVICE_CREDIT_TOPIC", "ContractLookup", "InMemoryContracts", "ServiceCredit"]

SERVICE_CREDIT_TOPIC: Final = "billing.service_credit"
"""The outbox topic of :class:`ServiceCredit` messages."""


@runtime_checkable
class ContractLookup(Protocol):
    """Tells the contract tier of a requester (``"gold"``, ``"standard"``, ...), if any.

    SLA state is derived from the journal on every read, so an implementation must answer the
    same for the same requester while a ticket is open: cache your CRM's answer.

    .. deprecated:: 0.2
       Implement :class:`~ticketflow.integrations.CrmLookup`: an account carries the contract
       tier as ``sla_tier``. Everything that takes a ``ContractLookup`` takes a CRM lookup.
    """

    def tier(self, requester: Requester) -> str | None:
        """Return the requester's contract tier, or ``None`` without a contract."""
        ...


class InMemoryContracts:
    """A :class:`ContractLookup` from a mapping of e-mail address (or ``@domain``) to tier.

    An exact address wins over its domain: ``{"@acme.com": "gold", "cfo@acme.com": "platinum"}``.
    Addresses match as mailboxes do (:func:`ticketflow.same_mailbox`): the domain in any case,
    the local part exactly but for ASCII case.

    Raises:
        InvalidValueError: A key is neither an address nor ``@domain``, or a tier is not a name.

    .. deprecated:: 0.2
       Use :class:`~ticketflow.integrations.InMemoryCrm` with ``Account(sla_tier=...)``.
    """

    def __init__(self, tiers: Mapping[str, str]) -> None:
        warnings.warn(
            "InMemoryContracts is deprecated: use InMemoryCrm with Account(sla_tier=...),"
            " which answers tier(requester) too",
            DeprecationWarning,
            stacklevel=2,
        )
        if not isinstance(tiers, Mapping):
            raise InvalidValueError("tiers", tiers, "must map addresses or @domains to tiers")
        self._tiers: dict[str, str] = {}
        for key, tier in tiers.items():
            name = check_name("tiers", key)
            found = _domain(name) if name.startswith("@") else mailbox_key(name)
            if found is None:
                raise InvalidValueError("tiers", name, "is neither an address nor @domain")
            self._tiers[found] = check_name(f"tiers[{name!r}]", tier)

    def tier(self, requester: Requester) -> str | None:
        """Return the tier for the requester's address, else for its domain, else ``None``."""
        key = mailbox_key(requester.email)
        if key is None:
            return None
        found = self._tiers.get(key)
        if found is None:
            found = self._tiers.get("@" + key.rpartition("@")[2])
        return found

    def __repr__(self) -> str:
        return f"InMemoryContracts({len(self._tiers)} entries)"


def _domain(key: str) -> str | None:
    found = mailbox_key("x" + key)
    return None if found is None else "@" + found.rpartition("@")[2]


def _name(field: str) -> Any:  # noqa: ANN401
    return attrs.field(validator=validator(check_name, field))


def _due_at(value: datetime) -> datetime:
    return check_instant("due_at", value)


def _breached_at(value: datetime) -> datetime:
    return check_instant("breached_at", value)


@attrs.frozen(kw_only=True)
class ServiceCredit:
    """A request to credit a customer because a contract SLA was breached.

    Attributes:
        ticket_id: The ticket whose SLA was breached.
        ticket_number: Its human-facing number.
        requester: The requester's e-mail address.
        tier: The contract tier whose rule was breached.
        rule: The name of the SLA rule.
        metric: Which clock breached (``first_response``, ``next_response``, ``resolution``).
        cycle: Which cycle of that clock (next response restarts per customer message).
        due_at: When the target was due.
        breached_at: When the breach was recorded.
    """

    ticket_id: str = _name("ticket_id")
    ticket_number: int = attrs.field(validator=validator(check_int, "ticket_number", minimum=1))
    requester: str = _name("requester")
    tier: str = _name("tier")
    rule: str = _name("rule")
    metric: str = _name("metric")
    cycle: int = attrs.field(validator=validator(check_int, "cycle", minimum=0))
    due_at: datetime = attrs.field(converter=_due_at)
    breached_at: datetime = attrs.field(converter=_breached_at)

    @property
    def idempotency_key(self) -> str:
        """The same for every delivery of this credit: dedupe on it."""
        return f"{self.ticket_id}:{self.metric}:{self.cycle}"

    def to_payload(self) -> dict[str, Any]:
        """Return the credit as JSON-compatible data (the outbox payload)."""
        data: dict[str, Any] = to_primitive(self)
        return data

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ServiceCredit:
        """Read a credit back from an outbox payload.

        Raises:
            DeserializationError: The payload is not a service credit.
        """
        given: object = payload  # anything else is reported as what it is, not as dict() fails
        data = dict(payload) if isinstance(given, Mapping) else given
        credit: ServiceCredit = from_primitive(data, cls)
        return credit
