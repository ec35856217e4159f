"""Webhook secrets: ``whsec_`` + base64, read strictly, written back the same, never shown."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import WebhookVerificationError, from_json, to_json
from ticketflow.webhooks import WebhookSecret


def test_a_secret_reads_its_base64_key_and_writes_it_back() -> None:
    secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert secret.key == base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert secret.text == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@given(st.binary(min_size=16, max_size=1024))
def test_every_key_reads_back_from_its_text_padded_or_not(key: bytes) -> None:
    secret = WebhookSecret(key)
    assert WebhookSecret.parse(secret.text) == secret
    assert WebhookSecret.parse(secret.text.rstrip("=")) == secret


def test_a_generated_secret_has_the_size_asked_and_differs_each_time() -> None:
    assert len(WebhookSecret.generate().key) == 32
    assert len(WebhookSecret.generate(64).key) == 64
    assert WebhookSecret.generate() != WebhookSecret.generate()


def test_the_key_never_shows_in_a_repr() -> None:
    secret = WebhookSecret(b"k" * 24)
    assert repr(secret) == "WebhookSecret(<24 bytes>)"
    assert "kkkk" not in repr([secret])


def test_a_secret_reads_back_from_json() -> None:
    secret = WebhookSecret.generate()
    assert from_json(to_json(secret), WebhookSecret) == secret


@pytest.mark.parametrize(
    "text",
    [
        "",
        "whsec_",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # the prefix is required
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
        " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaL",  # one character too many for base64
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=",  # padding where none is due
        "whsec_MfKQ9r8GKYqrTwjU_D8ILPZIo2LaLaSw",  # url-safe alphabet
        "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw",
        "whsec_AAAAAAAAAAAAAAAAAAAA",  # 15 bytes: too short
        "whsec_" + "A" * 1500,  # too long
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\ud800",
    ],
)
def test_text_that_is_no_secret_is_refused_without_showing_it(text: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        WebhookSecret.parse(text)
    assert caught.value.reason == "bad_secret"
    assert "MfKQ9r8G" not in str(caught.value)


@pytest.mark.parametrize("key", [b"", b"x" * 15, b"x" * 1025, "x" * 24, None, 24])
def test_a_key_of_the_wrong_kind_or_size_is_refused(key: object) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        WebhookSecret(key)
    assert caught.value.reason == "bad_secret"


@pytest.mark.parametrize("size", [15, 1025, 32.0, True, "32", None])
def test_a_generated_size_out_of_range_is_refused(size: object) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        WebhookSecret.generate(size)  # type: ignore[arg-type]
    assert caught.value.reason == "bad_secret"


def test_a_bytearray_key_is_kept_as_bytes() -> None:
    assert WebhookSecret(bytearray(b"k" * 16)).key == b"k" * 16
