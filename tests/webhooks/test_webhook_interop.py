"""Interoperability with ``standardwebhooks``, the specification's reference package.

Signatures made here verify there, and the reverse. The reference reads bodies as UTF-8 text
and checks timestamps against the system clock, so the bodies here are text and the messages
are stamped now.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import standardwebhooks
from hypothesis import given
from hypothesis import strategies as st

from ticketflow.webhooks import WebhookSecret, sign, verify

_ids = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Zl", "Zp"]), min_size=1, max_size=40
).filter(str.strip)
_bodies = st.text(st.characters(codec="utf-8"), max_size=200)
_secrets = st.binary(min_size=16, max_size=64).map(WebhookSecret)


def _now() -> int:
    return int(time.time())


@given(secret=_secrets, msg_id=_ids, body=_bodies)
def test_our_signatures_verify_with_the_reference(
    secret: WebhookSecret, msg_id: str, body: str
) -> None:
    sent = _now()
    received = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(sent),
        "webhook-signature": sign(secret, msg_id, sent, body.encode()),
    }
    reference = standardwebhooks.Webhook(secret.text)
    assert reference.verify(body.encode(), received, json_parse=False) is None


@given(secret=_secrets, msg_id=_ids, body=_bodies)
def test_the_references_signatures_verify_here(
    secret: WebhookSecret, msg_id: str, body: str
) -> None:
    sent = _now()
    moment = datetime.fromtimestamp(sent, UTC)
    signature = standardwebhooks.Webhook(secret.text).sign(msg_id, moment, body)
    received = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(sent),
        "webhook-signature": signature,
    }
    verified = verify(received, body.encode(), secret, now=moment)
    assert (verified.msg_id, verified.sent_at) == (msg_id, moment)


def test_the_same_inputs_sign_the_same_both_ways() -> None:
    secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    moment = datetime.fromtimestamp(1_614_265_330, UTC)
    body = '{"test": 2432232314}'
    reference = standardwebhooks.Webhook(secret.text).sign("msg_1", moment, body)
    assert sign(secret, "msg_1", 1_614_265_330, body.encode()) == reference


def test_the_reference_accepts_our_rotation_header() -> None:
    old, new = WebhookSecret.generate(), WebhookSecret.generate()
    sent = _now()
    received = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(sent),
        "webhook-signature": sign([old, new], "msg_1", sent, b"{}"),
    }
    for secret in (old, new):
        assert standardwebhooks.Webhook(secret.text).verify(b"{}", received) == {}


def test_both_refuse_a_tampered_body_and_a_wrong_secret() -> None:
    secret, other = WebhookSecret.generate(), WebhookSecret.generate()
    sent = _now()
    received = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(sent),
        "webhook-signature": sign(secret, "msg_1", sent, b'{"a": 1}'),
    }
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(secret.text).verify(b'{"a": 2}', received)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(other.text).verify(b'{"a": 1}', received)
    assert verify(received, b'{"a": 1}', secret).msg_id == "msg_1"
