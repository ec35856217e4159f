"""CRM accounts: the lookup triage and the SLA engine read, and its in-memory fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketflow import Actor, Desk, NewTicket, Requester
from ticketflow.exceptions import InvalidValueError
from ticketflow.integrations import Account, CrmLookup, InMemoryContracts, InMemoryCrm
from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaRule, SlaTargets
from ticketflow.storage import InMemoryTicketStore
from ticketflow.testing import FrozenClock

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
GOLD = Account(account_id="acme", tier="gold", sla_tier="premium", vip=False, language="de")
CFO = Account(account_id="acme", tier="gold", sla_tier="premium", vip=True, language="de")


def test_an_exact_address_wins_over_its_domain_and_mailboxes_compare_as_mailboxes() -> None:
    crm = InMemoryCrm({"@ACME.example": GOLD, "CFO@acme.example": CFO})
    assert isinstance(crm, CrmLookup)
    assert crm.account(Requester("cfo@Acme.Example")) == CFO
    assert crm.account(Requester("buyer@acme.example")) == GOLD
    assert crm.account(Requester("someone@else.example")) is None
    assert crm.tier(Requester("buyer@acme.example")) == "premium"
    assert crm.tier(Requester("someone@else.example")) is None


@pytest.mark.parametrize(
    "contracts",
    [
        InMemoryCrm({"@acme.example": GOLD}),
        pytest.param("contracts", id="deprecated-InMemoryContracts"),
    ],
)
def test_a_crm_gives_the_sla_its_contract_tier(contracts: object) -> None:
    if contracts == "contracts":
        with pytest.warns(DeprecationWarning, match="use InMemoryCrm"):
            contracts = InMemoryContracts({"@acme.example": "premium"})  # still works
    always = BusinessCalendar.always()
    policy = SlaPolicy(
        [
            SlaRule(
                name="premium",
                tier="premium",
                calendar=always,
                targets=SlaTargets(resolution=timedelta(hours=1)),
            ),
            SlaRule(name="default", calendar=always, targets=SlaTargets(resolution=timedelta(1))),
        ],
        contracts=contracts,  # type: ignore[arg-type]
    )
    desk = Desk(InMemoryTicketStore(), sla=policy, clock=FrozenClock(T0))
    bob = Actor.agent("bob")
    mine = desk.submit(NewTicket(subject="s", requester=Requester("b@acme.example")), actor=bob)
    other = desk.submit(NewTicket(subject="s", requester=Requester("x@else.example")), actor=bob)
    assert "'premium' (tier=premium)" in desk.explain_sla(mine.id)
    assert "'premium'" not in desk.explain_sla(other.id)


def test_a_crm_that_answers_nonsense_is_a_typed_error() -> None:
    class Broken:
        def account(self, requester: Requester) -> object:  # noqa: ARG002
            return "gold"

    policy = SlaPolicy(
        [SlaRule(name="r", tier="gold", calendar=BusinessCalendar.always(), targets=SlaTargets())],
        contracts=Broken(),  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidValueError) as caught:
        policy.tier_of(
            Desk(InMemoryTicketStore()).submit(
                NewTicket(subject="s", requester=Requester("a@b.example")),
                actor=Actor.agent("bob"),
            )
        )
    assert caught.value.field == "crm.account()"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Account(account_id=""), "account_id"),
        (lambda: Account(account_id="a", tier=5), "tier"),  # type: ignore[arg-type]
        (lambda: Account(account_id="a", sla_tier=""), "sla_tier"),
        (lambda: Account(account_id="a", vip="yes"), "vip"),  # type: ignore[arg-type]
        (lambda: Account(account_id="a", language="de_DE!"), "language"),
        (lambda: InMemoryCrm({"not an address": GOLD}), "accounts"),
        (lambda: InMemoryCrm({"a@b.example": "gold"}), "accounts['a@b.example']"),  # type: ignore[dict-item]
        (lambda: InMemoryCrm(["a@b.example"]), "accounts"),  # type: ignore[arg-type]
        (lambda: InMemoryCrm({}).account("a@b.example"), "requester"),  # type: ignore[arg-type]
        (lambda: SlaPolicy([], contracts=object()), "contracts"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field
