"""Signing and verifying: round trips, rotation, and every refusal with its reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketflow import InvalidValueError, NaiveDatetimeError, WebhookVerificationError
from ticketflow.webhooks import VerifiedWebhook, WebhookSecret, sign, verify

SECRET = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
OTHER = WebhookSecret(b"another key of twenty-four")
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SENT = 1_614_265_330
NOW = datetime.fromtimestamp(SENT, UTC)
BODY = b'{"test": 2432232314}'


def headers(signature: str, *, msg_id: str = MSG_ID, sent: int | str = SENT) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(sent), "webhook-signature": signature}


def refusal(
    received: Mapping[str, object],
    body: object = BODY,
    secrets: object = SECRET,
    **options: object,
) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(received, body, secrets, **({"now": NOW} | options))  # type: ignore[arg-type]
    assert caught.value.code == "invalid_webhook"
    return caught.value


# -- signing --------------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body_in_base64() -> None:
    mac = hmac.new(SECRET.key, f"{MSG_ID}.{SENT}.".encode() + BODY, hashlib.sha256).digest()
    assert sign(SECRET, MSG_ID, SENT, BODY) == "v1," + base64.b64encode(mac).decode()


def test_the_specification_example_signs_as_published() -> None:
    # The example of the specification's reference libraries: secret, id, time and payload.
    assert sign(SECRET, MSG_ID, SENT, BODY) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_several_secrets_sign_once_each_in_order() -> None:
    both = sign([SECRET, OTHER], MSG_ID, SENT, BODY)
    assert both.split(" ") == [sign(SECRET, MSG_ID, SENT, BODY), sign(OTHER, MSG_ID, SENT, BODY)]
    assert sign(SECRET.text, MSG_ID, SENT, BODY) == sign(SECRET, MSG_ID, SENT, BODY)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (([], MSG_ID, SENT, BODY), "bad_secret"),
        (("not a secret", MSG_ID, SENT, BODY), "bad_secret"),
        ((SECRET, "", SENT, BODY), "bad_id"),
        ((SECRET, "a\r\nb", SENT, BODY), "bad_id"),
        ((SECRET, "a\x00b", SENT, BODY), "bad_id"),
        ((SECRET, "x" * 257, SENT, BODY), "bad_id"),
        ((SECRET, 42, SENT, BODY), "bad_id"),
        ((SECRET, MSG_ID, -1, BODY), "bad_timestamp"),
        ((SECRET, MSG_ID, True, BODY), "bad_timestamp"),
        ((SECRET, MSG_ID, 1.5, BODY), "bad_timestamp"),
        ((SECRET, MSG_ID, NOW, BODY), "bad_timestamp"),
        ((SECRET, MSG_ID, 10**400, BODY), "bad_timestamp"),
        ((SECRET, MSG_ID, SENT, BODY.decode()), "bad_body"),
        ((SECRET, MSG_ID, SENT, None), "bad_body"),
    ],
)
def test_signing_refuses_what_cannot_be_sent(args: tuple[object, ...], reason: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        sign(*args)  # type: ignore[arg-type]
    assert caught.value.reason == reason


# -- verifying -----------------------------------------------------------------------------------


def test_a_signed_message_verifies_and_says_what_it_vouches_for() -> None:
    verified = verify(headers(sign(SECRET, MSG_ID, SENT, BODY)), BODY, SECRET, now=NOW)
    assert verified == VerifiedWebhook(msg_id=MSG_ID, sent_at=NOW, secret_index=0)


def test_header_names_are_found_in_any_case() -> None:
    received = {
        "Webhook-Id": MSG_ID,
        "WEBHOOK-TIMESTAMP": str(SENT),
        "webhook-Signature": sign(SECRET, MSG_ID, SENT, BODY),
        "Content-Type": "application/json",
    }
    assert verify(received, BODY, SECRET, now=NOW).msg_id == MSG_ID


def test_any_secret_in_rotation_verifies_and_the_result_names_it() -> None:
    signature = sign(OTHER, MSG_ID, SENT, BODY)
    assert verify(headers(signature), BODY, [SECRET, OTHER], now=NOW).secret_index == 1
    assert verify(headers(signature), BODY, (OTHER.text,), now=NOW).secret_index == 0


def test_any_matching_signature_in_the_list_verifies() -> None:
    signature = f"v1,{'A' * 43}= v1a,c29tZXRoaW5nIGVsc2U= {sign(SECRET, MSG_ID, SENT, BODY)}"
    assert verify(headers(signature), BODY, SECRET, now=NOW).secret_index == 0
    spaced = f"  {sign(SECRET, MSG_ID, SENT, BODY)}  v2,xyz "
    assert verify(headers(spaced), BODY, SECRET, now=NOW).msg_id == MSG_ID


def test_a_bytearray_body_verifies_as_its_bytes() -> None:
    signature = sign(SECRET, MSG_ID, SENT, bytearray(BODY))
    assert verify(headers(signature), bytearray(BODY), SECRET, now=NOW).msg_id == MSG_ID


@pytest.mark.parametrize("drift", [-300, -1, 0, 1, 300])
def test_a_timestamp_within_the_tolerance_either_way_verifies(drift: int) -> None:
    signature = sign(SECRET, MSG_ID, SENT + drift, BODY)
    verified = verify(headers(signature, sent=SENT + drift), BODY, SECRET, now=NOW)
    assert verified.sent_at == NOW + timedelta(seconds=drift)


def test_now_may_be_in_any_time_zone_and_defaults_to_the_system_clock() -> None:
    berlin = NOW.astimezone(timezone(timedelta(hours=1)))
    signature = sign(SECRET, MSG_ID, SENT, BODY)
    assert verify(headers(signature), BODY, SECRET, now=berlin).sent_at == NOW
    current = int(datetime.now(UTC).timestamp())
    fresh = headers(sign(SECRET, MSG_ID, current, BODY), sent=current)
    assert verify(fresh, BODY, SECRET).sent_at.tzinfo is UTC


# -- refusals, each with its reason -----------------------------------------------------------


def test_a_wrong_secret_is_no_match() -> None:
    error = refusal(headers(sign(OTHER, MSG_ID, SENT, BODY)))
    assert (error.reason, error.header) == ("no_match", "webhook-signature")


def test_a_tampered_body_is_no_match() -> None:
    signature = sign(SECRET, MSG_ID, SENT, BODY)
    assert refusal(headers(signature), body=BODY.replace(b"2", b"3")).reason == "no_match"
    assert refusal(headers(signature), body=BODY + b"\n").reason == "no_match"


def test_a_changed_id_or_timestamp_is_no_match() -> None:
    signature = sign(SECRET, MSG_ID, SENT, BODY)
    assert refusal(headers(signature, msg_id="msg_other")).reason == "no_match"
    assert refusal(headers(signature, sent=SENT + 1)).reason == "no_match"
    # The header's digits are what is signed: the same second written otherwise is another.
    assert refusal(headers(signature, sent=f"0{SENT}")).reason == "no_match"


def test_only_v1_signatures_count() -> None:
    digest = sign(SECRET, MSG_ID, SENT, BODY).removeprefix("v1,")
    error = refusal(headers(f"v2,{digest}"))
    assert (error.reason, error.problem) == ("no_match", "no v1 signature")


@pytest.mark.parametrize(
    ("drift", "reason"), [(-301, "expired"), (-(10**9), "expired"), (301, "future")]
)
def test_a_timestamp_outside_the_tolerance_is_refused(drift: int, reason: str) -> None:
    signature = sign(SECRET, MSG_ID, SENT + drift, BODY)
    error = refusal(headers(signature, sent=SENT + drift))
    assert (error.reason, error.header) == (reason, "webhook-timestamp")


def test_the_tolerance_is_the_callers() -> None:
    signature = sign(SECRET, MSG_ID, SENT - 3600, BODY)
    late = headers(signature, sent=SENT - 3600)
    assert refusal(late).reason == "expired"
    assert verify(late, BODY, SECRET, tolerance=timedelta(hours=1), now=NOW).msg_id == MSG_ID
    exact = headers(sign(SECRET, MSG_ID, SENT, BODY))
    assert verify(exact, BODY, SECRET, tolerance=timedelta(0), now=NOW).msg_id == MSG_ID
    assert refusal(exact, now=NOW + timedelta(microseconds=1), tolerance=timedelta(0)).reason == (
        "expired"
    )


def test_a_timestamp_far_past_the_year_9999_is_refused() -> None:
    signature = sign(SECRET, MSG_ID, SENT, BODY)
    assert refusal(headers(signature, sent="9" * 20)).reason == "future"
    error = refusal(headers(signature, sent="9" * 13), tolerance=timedelta.max)
    assert error.reason == "bad_timestamp"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_or_empty_header_is_refused(missing: str) -> None:
    received = headers(sign(SECRET, MSG_ID, SENT, BODY))
    del received[missing]
    error = refusal(received)
    assert (error.reason, error.header) == ("missing_header", missing)
    assert refusal(received | {missing: " "}).reason == "missing_header"


@pytest.mark.parametrize(
    "stamp", ["1614265330.5", "-1614265330", "+1614265330", " 1614265330", "1_614_265_330",
              "١٦١٤٢٦٥٣٣٠", "1e9", "9" * 21, "now"]
)  # fmt: skip
def test_a_timestamp_that_is_not_integer_seconds_is_refused(stamp: str) -> None:
    error = refusal(headers(sign(SECRET, MSG_ID, SENT, BODY), sent=stamp))
    assert (error.reason, error.header) == ("bad_timestamp", "webhook-timestamp")


@pytest.mark.parametrize(
    "signature",
    [
        "v1",
        "v1,",
        ",abc",
        "v1;abc",
        "v1,abc,def",
        "v 1,abc",
        "v1,AAAA,v1,BBBB",
        "v1,AAAA",  # base64, but 3 bytes, not 32
        "v1," + "A" * 44 + "AAAA",  # 35 bytes
        "v1,AAAA " * 2000,
    ],
)
def test_a_malformed_signature_list_is_refused(signature: str) -> None:
    error = refusal(headers(signature))
    assert (error.reason, error.header) == ("malformed_signature", "webhook-signature")


@pytest.mark.parametrize(
    "encoded",
    ["!!!!", "AAAA*AAA", "AAAAA", "A" * 43 + "==", "A" * 42 + "=", "A===", "YWJj\n", "-_-_"],
)
def test_a_signature_that_is_not_base64_is_refused(encoded: str) -> None:
    error = refusal(headers(f"{sign(SECRET, MSG_ID, SENT, BODY)} v1,{encoded}"))
    assert (error.reason, error.header) == ("not_base64", "webhook-signature")


@pytest.mark.parametrize("msg_id", ["a\nb", "a\x7fb", "\ud800", "x" * 257])
def test_an_id_that_cannot_be_a_header_is_refused(msg_id: str) -> None:
    error = refusal(headers("v1,AAAA", msg_id=msg_id))
    assert (error.reason, error.header) == ("bad_id", "webhook-id")


@pytest.mark.parametrize(
    "received",
    [
        {"webhook-id": b"msg", "webhook-timestamp": "1", "webhook-signature": "v1,x"},
        {"webhook-id": "m", "Webhook-Id": "n", "webhook-timestamp": "1", "webhook-signature": "x"},
    ],
)
def test_header_values_that_are_no_text_or_given_twice_are_refused(
    received: Mapping[str, object],
) -> None:
    error = refusal(received)
    assert (error.reason, error.header) == ("malformed_header", "webhook-id")


def test_headers_that_are_no_mapping_are_refused() -> None:
    pairs = list(headers(sign(SECRET, MSG_ID, SENT, BODY)).items())
    assert refusal(pairs).reason == "malformed_header"  # type: ignore[arg-type]


def test_a_header_name_is_ascii() -> None:
    received = headers(sign(SECRET, MSG_ID, SENT, BODY))
    received["webhoo\u212a-id"] = received.pop("webhook-id")  # KELVIN SIGN lowercases to k
    assert refusal(received).reason == "missing_header"


@pytest.mark.parametrize("body", [BODY.decode(), None, memoryview(BODY), [1, 2]])
def test_a_body_that_is_not_bytes_is_refused(body: object) -> None:
    error = refusal(headers(sign(SECRET, MSG_ID, SENT, BODY)), body=body)
    assert error.reason == "bad_body"
    assert isinstance(body, str) is ("raw body" in str(error))


@pytest.mark.parametrize(
    "secrets", [[], "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", [SECRET, 7], b"x" * 24, None]
)
def test_malformed_secrets_are_refused_whatever_the_message(secrets: object) -> None:
    assert refusal(headers("v1,AAAA"), secrets=secrets).reason == "bad_secret"


def test_more_secrets_than_any_rotation_keeps_are_refused() -> None:
    many = [WebhookSecret.generate() for _ in range(17)]
    assert refusal(headers(sign(SECRET, MSG_ID, SENT, BODY)), secrets=many).reason == "bad_secret"
    with pytest.raises(WebhookVerificationError):
        sign(iter(many), MSG_ID, SENT, BODY)


def test_any_mapping_of_headers_will_do() -> None:
    received = MappingProxyType(headers(sign(SECRET, MSG_ID, SENT, BODY)))
    assert verify(received, BODY, SECRET, now=NOW).msg_id == MSG_ID


@pytest.mark.parametrize("tolerance", [timedelta(seconds=-1), 300, None])
def test_a_tolerance_that_is_no_duration_is_an_invalid_value(tolerance: object) -> None:
    with pytest.raises(InvalidValueError):
        verify(headers("v1,AAAA"), BODY, SECRET, tolerance=tolerance, now=NOW)  # type: ignore[arg-type]


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        verify(headers("v1,AAAA"), BODY, SECRET, now=datetime(2026, 3, 2))  # noqa: DTZ001


def test_messages_never_show_the_secret() -> None:
    error = refusal(headers("v1,AAAA"), secrets="whsec_" + "A" * 31 + "!")
    assert "AAAA" not in str(error)
    assert "AAAA" not in repr(SECRET)


# -- properties ----------------------------------------------------------------------------------

_ids = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Zl", "Zp"]), max_size=40)
_keys = st.binary(min_size=16, max_size=64).map(WebhookSecret)


@given(
    keys=st.lists(_keys, min_size=1, max_size=3),
    msg_id=_ids.filter(str.strip),
    sent=st.integers(0, 253_402_300_799),
    body=st.binary(max_size=200),
    pick=st.data(),
)
def test_signatures_of_random_payloads_verify_with_any_secret_that_signed(
    keys: list[WebhookSecret], msg_id: str, sent: int, body: bytes, pick: st.DataObject
) -> None:
    signer = pick.draw(st.sampled_from(keys))
    received = headers(sign(signer, msg_id, sent, body), msg_id=msg_id, sent=sent)
    verified = verify(received, body, keys, now=datetime.fromtimestamp(sent, UTC))
    assert keys[verified.secret_index] == signer
    assert (verified.msg_id, int(verified.sent_at.timestamp())) == (msg_id, sent)


@given(body=st.binary(max_size=50), flip=st.data())
def test_any_changed_byte_of_the_body_is_no_match(body: bytes, flip: st.DataObject) -> None:
    received = headers(sign(SECRET, MSG_ID, SENT, body))
    changed = flip.draw(st.binary(max_size=51).filter(lambda other: other != body))
    assert refusal(received, body=changed).reason == "no_match"


_text = st.text(max_size=30) | st.sampled_from(["webhook-id", "v1,AAAA", str(SENT), ""])
_header_names = st.sampled_from(
    ["webhook-id", "Webhook-Timestamp", "WEBHOOK-SIGNATURE", "content-type", "webhook-id "]
)
_hostile_headers = st.dictionaries(
    _header_names | st.text(max_size=10) | st.integers() | st.none(),
    _text | st.binary(max_size=5) | st.integers() | st.none(),
    max_size=6,
)


@given(
    received=_hostile_headers | st.none() | st.lists(st.tuples(_text, _text)) | _text,
    body=st.binary(max_size=20) | st.text(max_size=5) | st.none(),
    secrets=st.sampled_from([SECRET, SECRET.text, [SECRET, OTHER], "whsec_x", [], 3, None]),
    tolerance=st.timedeltas(timedelta(0), timedelta(days=3650)),
)
def test_anything_into_verify_gives_a_result_or_a_webhook_verification_error(
    received: object, body: object, secrets: object, tolerance: timedelta
) -> None:
    # Nothing here is signed: any answer but a refusal would be a forgery.
    with pytest.raises(WebhookVerificationError) as caught:
        verify(received, body, secrets, tolerance=tolerance, now=NOW)  # type: ignore[arg-type]
    assert caught.value.reason in {
        "missing_header",
        "malformed_header",
        "bad_id",
        "bad_timestamp",
        "expired",
        "future",
        "malformed_signature",
        "not_base64",
        "no_match",
        "bad_body",
        "bad_secret",
    }
