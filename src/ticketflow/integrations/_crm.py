"""The CRM side: who a requester is under contract with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from .._ticket import Requester

__all__ = ["ContractLookup", "InMemoryContracts"]


@runtime_checkable
class ContractLookup(Protocol):
    """Tells the contract tier of a requester (``"gold"``, ``"standard"``, ...), if any.

    SLA state is derived from the journal on every read, so an implementation must answer the
    same for the same requester while a ticket is open: cache your CRM's answer.
    """

    def tier(self, requester: Requester) -> str | None:
        """Return the requester's contract tier, or ``None`` without a contract."""
        ...


class InMemoryContracts:
    """A :class:`ContractLookup` from a mapping of e-mail address (or ``@domain``) to tier.

    An exact address wins over its domain: ``{"@acme.com": "gold", "cfo@acme.com": "platinum"}``.
    """

    def __init__(self, tiers: Mapping[str, str]) -> None:
        self._tiers = {key.casefold(): value for key, value in tiers.items()}

    def tier(self, requester: Requester) -> str | None:
        """Return the tier for the requester's address, else for its domain, else ``None``."""
        email = requester.email.casefold()
        found = self._tiers.get(email)
        if found is None and "@" in email:
            found = self._tiers.get("@" + email.rpartition("@")[2])
        return found

    def __repr__(self) -> str:
        return f"InMemoryContracts({len(self._tiers)} entries)"
