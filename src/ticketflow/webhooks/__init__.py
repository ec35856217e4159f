"""Webhooks: signing and verifying them by the Standard Webhooks specification.

A sender signs ``<msg_id>.<timestamp>.<body>`` with HMAC-SHA256 under a shared secret and
sends the headers ``webhook-id``, ``webhook-timestamp`` (integer Unix seconds) and
``webhook-signature`` (``v1,<base64>``, one entry per secret in use). :func:`sign` makes that
header's value; :func:`verify` is the receiver's side: the headers in any case, several secrets
at once while one is rotated, several signatures in the header, constant-time comparison and a
tolerance on the timestamp either way. :class:`WebhookSecret` reads and writes the
specification's ``whsec_`` + base64 secrets.

Every malformed message or secret raises :class:`~ticketflow.WebhookVerificationError` with a
machine-readable ``reason``; nothing here reads the clock unless ``verify`` is given no ``now``.

Import it as ``ticketflow.webhooks``; ``import ticketflow`` does not load it.

.. versionadded:: 0.2
"""

from .._public import publish as _publish
from ..exceptions import WebhookVerificationError as WebhookVerificationError
from ._secret import WebhookSecret as WebhookSecret
from ._signature import VerifiedWebhook as VerifiedWebhook
from ._signature import sign as sign
from ._signature import verify as verify

__all__ = [
    "VerifiedWebhook",
    "WebhookSecret",
    "WebhookVerificationError",
    "sign",
    "verify",
]

_publish(globals(), __all__, __name__)
