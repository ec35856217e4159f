"""CRM accounts: who a requester is to the business (tier, contract, VIP, language).

Triage reads the account to prioritize and route; the SLA engine reads its contract tier.
:class:`CrmLookup` supersedes :class:`~ticketflow.integrations.ContractLookup` (a CRM answers the
contract tier as part of the account); every CRM lookup also answers ``tier(requester)``, so a
CRM goes wherever a contract lookup went.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs

from ._identity import mailbox_key
from ._ticket import Requester
from ._values import check_bool, check_name, validator
from .exceptions import InvalidValueError

__all__ = ["Account", "CrmLookup", "InMemoryCrm", "contract_tier"]


def _tier(value: str | None) -> str | None:
    return None if value is None else check_name("tier", value)


def _sla_tier(value: str | None) -> str | None:
    return None if value is None else check_name("sla_tier", value)


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    text = check_name("language", value, max_length=35)  # BCP 47 tags fit in 35
    if not all(part.isascii() and part.isalnum() for part in text.split("-")):
        raise InvalidValueError("language", text, "must be a language tag such as de or pt-BR")
    return text


@attrs.frozen(kw_only=True)
class Account:
    """A requester's account in the CRM.

    Attributes:
        account_id: The CRM's id for the account.
        tier: The customer tier (``"gold"``, ``"standard"``, ...), for priority modifiers.
        sla_tier: The contract tier that SLA rules with a ``tier`` match (``None``: no
            contract).
        vip: Whether the requester is a VIP.
        language: The language to answer in, as a tag (``de``, ``pt-BR``).

    Raises:
        InvalidValueError: A part is not of its kind; ``field`` names it.

    .. versionadded:: 0.2
    """

    account_id: str = attrs.field(validator=validator(check_name, "account_id"))
    tier: str | None = attrs.field(default=None, converter=_tier)
    sla_tier: str | None = attrs.field(default=None, converter=_sla_tier)
    vip: bool = attrs.field(default=False, validator=validator(check_bool, "vip"))
    language: str | None = attrs.field(default=None, converter=_language)


@runtime_checkable
class CrmLookup(Protocol):
    """Answers who a requester is: their :class:`Account`, or ``None`` if the CRM has none.

    A CRM that is down raises; triage then records that the lookup failed and decides with
    its defaults, so no ticket is lost to an outage. Answer the same for the same requester
    while a ticket is open (cache your CRM's answer): SLA state is derived again on reads.

    .. versionadded:: 0.2
    """

    def account(self, requester: Requester) -> Account | None:
        """Return the requester's account, or ``None``."""
        ...


def contract_tier(lookup: object, requester: Requester) -> str | None:
    """Return the contract tier from a CRM (its account's ``sla_tier``) or a contract lookup."""
    tier = getattr(lookup, "tier", None)
    if callable(tier):
        found: object = tier(requester)
        return None if found is None else check_name("contracts.tier()", found)
    account: object = lookup.account(requester)  # type: ignore[attr-defined]
    if account is None:
        return None
    if type(account) is not Account:
        raise InvalidValueError("crm.account()", account, "must be an Account or None")
    return account.sla_tier


class InMemoryCrm:
    """A :class:`CrmLookup` from a mapping of e-mail address (or ``@domain``) to account.

    An exact address wins over its domain. Addresses match as mailboxes do
    (:func:`ticketflow.same_mailbox`). It also answers ``tier(requester)`` (the account's
    contract tier), so it serves wherever a contract lookup is asked for.

    Raises:
        InvalidValueError: A key is neither an address nor ``@domain``, or a value is not an
            :class:`Account`.

    .. versionadded:: 0.2
    """

    def __init__(self, accounts: Mapping[str, Account]) -> None:
        given: object = accounts
        if not isinstance(given, Mapping):
            raise InvalidValueError("accounts", given, "must map addresses or @domains to accounts")
        self._accounts: dict[str, Account] = {}
        for key, account in given.items():
            name = check_name("accounts", key)
            if name.startswith("@"):
                found = mailbox_key("x" + name)
                found = None if found is None else "@" + found.rpartition("@")[2]
            else:
                found = mailbox_key(name)
            if found is None:
                raise InvalidValueError("accounts", name, "is neither an address nor @domain")
            if type(account) is not Account:
                raise InvalidValueError(f"accounts[{name!r}]", account, "must be an Account")
            self._accounts[found] = account

    def __repr__(self) -> str:
        return f"InMemoryCrm({len(self._accounts)} accounts)"

    def account(self, requester: Requester) -> Account | None:
        """Return the account for the requester's address, else its domain, else ``None``."""
        if type(requester) is not Requester:
            raise InvalidValueError("requester", requester, "must be a Requester")
        key = mailbox_key(requester.email)
        if key is None:
            return None
        found = self._accounts.get(key)
        if found is None:
            found = self._accounts.get("@" + key.rpartition("@")[2])
        return found

    def tier(self, requester: Requester) -> str | None:
        """Return the account's contract tier (``sla_tier``), for SLA rules with a tier."""
        account = self.account(requester)
        return None if account is None else account.sla_tier
