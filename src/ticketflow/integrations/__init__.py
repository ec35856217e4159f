"""Integrations: CRM and billing protocols, in-memory fakes, and outbox dispatch.

``CrmLookup`` (``account(requester) -> Account | None``) supersedes ``ContractLookup``: an
account carries the contract tier with the customer tier, VIP flag and language, and every
shipped CRM also answers ``tier(requester)``. ``ContractLookup`` and ``InMemoryContracts`` keep
working; new code should use ``InMemoryCrm``.
"""

from .._accounts import Account as Account
from .._accounts import CrmLookup as CrmLookup
from .._accounts import InMemoryCrm as InMemoryCrm
from .._contracts import SERVICE_CREDIT_TOPIC as SERVICE_CREDIT_TOPIC
from .._contracts import ContractLookup as ContractLookup
from .._contracts import InMemoryContracts as InMemoryContracts
from .._contracts import ServiceCredit as ServiceCredit
from .._public import publish as _publish
from ._billing import BillingAdapter as BillingAdapter
from ._billing import InMemoryBilling as InMemoryBilling
from ._billing import service_credit_handler as service_credit_handler
from ._dispatch import DispatchReport as DispatchReport
from ._dispatch import dispatch_outbox as dispatch_outbox
from ._schedule import STANDARD_WEBHOOKS_DELAYS as STANDARD_WEBHOOKS_DELAYS
from ._schedule import RetrySchedule as RetrySchedule

__all__ = [
    "SERVICE_CREDIT_TOPIC",
    "STANDARD_WEBHOOKS_DELAYS",
    "Account",
    "BillingAdapter",
    "ContractLookup",
    "CrmLookup",
    "DispatchReport",
    "InMemoryBilling",
    "InMemoryContracts",
    "InMemoryCrm",
    "RetrySchedule",
    "ServiceCredit",
    "dispatch_outbox",
    "service_credit_handler",
]

_publish(globals(), __all__, __name__)
