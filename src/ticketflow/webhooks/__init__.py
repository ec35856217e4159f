"""Webhooks: signing, verifying and delivering them by the Standard Webhooks specification.

A sender signs ``<msg_id>.<timestamp>.<body>`` with HMAC-SHA256 under a shared secret and
sends the headers ``webhook-id``, ``webhook-timestamp`` (integer Unix seconds) and
``webhook-signature`` (``v1,<base64>``, one entry per secret in use). :func:`sign` makes that
header's value; :func:`verify` is the receiver's side: the headers in any case, several secrets
at once while one is rotated, several signatures in the header, constant-time comparison and a
tolerance on the timestamp either way. :class:`WebhookSecret` reads and writes the
specification's ``whsec_`` + base64 secrets.

:class:`WebhookDispatcher` delivers the outbox to :class:`WebhookEndpoint` receivers: signed
JSON POSTs through a :class:`WebhookTransport` (:class:`HttpTransport`, or the
:class:`RecordingTransport` fake for tests), retried by a
:class:`~ticketflow.integrations.RetrySchedule` and set aside as dead letters after the last
attempt (:class:`~ticketflow.storage.DeadLetterStore`).

Every malformed message or secret raises :class:`~ticketflow.WebhookVerificationError` with a
machine-readable ``reason``; nothing here reads the clock unless ``verify`` is given no ``now``.

Import it as ``ticketflow.webhooks``; ``import ticketflow`` does not load it.

.. versionadded:: 0.2
"""

from .._public import publish as _publish
from ..exceptions import WebhookDeliveryError as WebhookDeliveryError
from ..exceptions import WebhookVerificationError as WebhookVerificationError
from ._delivery import WebhookDispatcher as WebhookDispatcher
from ._delivery import WebhookEndpoint as WebhookEndpoint
from ._delivery import webhook_body as webhook_body
from ._secret import WebhookSecret as WebhookSecret
from ._signature import VerifiedWebhook as VerifiedWebhook
from ._signature import sign as sign
from ._signature import verify as verify
from ._transport import HttpTransport as HttpTransport
from ._transport import RecordedRequest as RecordedRequest
from ._transport import RecordingTransport as RecordingTransport
from ._transport import WebhookTransport as WebhookTransport

__all__ = [
    "HttpTransport",
    "RecordedRequest",
    "RecordingTransport",
    "VerifiedWebhook",
    "WebhookDeliveryError",
    "WebhookDispatcher",
    "WebhookEndpoint",
    "WebhookSecret",
    "WebhookTransport",
    "WebhookVerificationError",
    "sign",
    "verify",
    "webhook_body",
]

_publish(globals(), __all__, __name__)
