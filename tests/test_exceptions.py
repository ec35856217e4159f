from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from ticketflow import exceptions as ex

# The value types errors carry: not errors themselves.
VALUES = frozenset({"CheckFailure", "IntakeProblem"})


def test_every_error_is_a_ticketflow_error_with_a_distinct_code() -> None:
    errors = [getattr(ex, n) for n in ex.__all__ if n not in VALUES]
    assert all(issubclass(e, ex.TicketflowError) for e in errors)
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (ex.InvalidTransitionError("T", "new", "closed"), ValueError),
        (ex.PermissionDeniedError("T", "a", "b", "customer", []), PermissionError),
        (ex.TicketNotFoundError("T"), LookupError),
        (ex.ConflictError("T", 2, 3), RuntimeError),
        (ex.NotATicketflowStoreError("x.db", "no table"), RuntimeError),
        (ex.SchemaVersionError("x.db", 9, 1), RuntimeError),
        (ex.CalendarError("hours['mon']", "bad"), ValueError),
        (ex.JournalError("T", 2, "x"), ValueError),
        (ex.IntakeError([ex.IntakeProblem("subject", "missing", "required")]), ValueError),
        (ex.PluginError("categorizer", "keywords", "has no categorize() method"), ValueError),
        (ex.UnknownStrategyError("router", "rr", ["skills"]), LookupError),
        (ex.WebhookVerificationError("no_match", "no v1 signature"), ValueError),
        (ex.WebhookDeliveryError("timeout", "https://x.example/", "slow"), ConnectionError),
    ],
)
def test_errors_also_subclass_the_fitting_builtin(error: Exception, builtin: type) -> None:
    assert isinstance(error, builtin)
    assert str(error)


def test_the_tree_in_the_docstring_names_every_error() -> None:
    for name in ex.__all__:
        if name not in VALUES:
            assert name in (ex.__doc__ or "")


def test_messages_carry_the_structured_facts() -> None:
    assert "expected version 2, store has 3" in str(ex.ConflictError("T", 2, 3))
    assert "allowed: nobody" in str(ex.PermissionDeniedError("T", "a", "b", "ai", []))
    assert "schema version 9" in str(ex.SchemaVersionError("x.db", 9, 1))
    failure = ex.CheckFailure("a", "b")
    assert failure == ex.CheckFailure("a", "b")
    assert failure != "a"
    assert hash(failure) == hash(ex.CheckFailure("a", "b"))
    assert repr(failure) == "CheckFailure(name='a', reason='b')"


def test_an_intake_error_lists_every_problem() -> None:
    problems = [ex.IntakeProblem("raw", "too_large", "too big"), ex.IntakeProblem("a", "b", "c")]
    error = ex.IntakeError(problems)
    assert error.problems == tuple(problems)
    assert error.code == "invalid_intake"
    assert "raw: too big [too_large]; a: c [b]" in str(error)
    assert "no reason given" in str(ex.IntakeError([]))
    assert problems[0] == ex.IntakeProblem("raw", "too_large", "too big")
    assert problems[0] != "raw"
    assert hash(problems[1]) == hash(ex.IntakeProblem("a", "b", "c"))
    assert repr(problems[1]) == "IntakeProblem(path='a', code='b', message='c')"


def test_a_plugin_error_names_the_entry_point_and_its_distribution() -> None:
    error = ex.PluginError(
        "router", "rr", "has no route() method", plugin="pkg:RR", distribution="pkg 1.0"
    )
    assert (error.kind, error.name, error.plugin, error.distribution) == (
        "router",
        "rr",
        "pkg:RR",
        "pkg 1.0",
    )
    assert (
        str(error) == "router strategy 'rr' (entry point pkg:RR in pkg 1.0): has no route() method"
    )
    assert str(ex.PluginError("", "odd", "bad name")) == "strategy 'odd': bad name"
    missing = ex.UnknownStrategyError("router", "rr", [])
    assert isinstance(missing, ex.PluginError)
    assert "not registered (registered: none)" in str(missing)


def test_a_webhook_verification_error_names_its_reason_and_header() -> None:
    error = ex.WebhookVerificationError("expired", "too old", header="webhook-timestamp")
    assert (error.code, error.reason, error.header, error.problem) == (
        "invalid_webhook",
        "expired",
        "webhook-timestamp",
        "too old",
    )
    assert str(error) == "webhook refused (expired): webhook-timestamp: too old"
    assert str(ex.WebhookVerificationError("bad_secret", "x")) == "webhook refused (bad_secret): x"


def test_a_webhook_delivery_error_names_its_reason_url_and_status() -> None:
    error = ex.WebhookDeliveryError("status", "https://x.example/h", "answered 503", status=503)
    assert (error.code, error.reason, error.url, error.status, error.problem) == (
        "webhook_not_delivered",
        "status",
        "https://x.example/h",
        503,
        "answered 503",
    )
    assert str(error) == "webhook not delivered to https://x.example/h (status): answered 503"
    assert ex.WebhookDeliveryError("timeout", "u", "p").status is None


def _one_of_each() -> dict[str, object]:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    failure = ex.CheckFailure("a", "b")
    return {
        "AccessDeniedError": ex.AccessDeniedError("close", "agent", ["lead"], "no"),
        "CalendarError": ex.CalendarError("hours['mon']", "bad"),
        "CheckFailedError": ex.CheckFailedError("T", "new", "triaged", [failure]),
        "CheckFailure": failure,
        "ClaimTakenError": ex.ClaimTakenError("T", "k", "U"),
        "ClockSkewError": ex.ClockSkewError("T", at, at, timedelta(seconds=5)),
        "ConfigurationError": ex.ConfigurationError("sla", "none"),
        "ConfirmationRequiredError": ex.ConfirmationRequiredError("T", "why"),
        "ConflictError": ex.ConflictError("T", 2, None),
        "DeserializationError": ex.DeserializationError("Ticket", [("a", "b")]),
        "DoneCriteriaNotMetError": ex.DoneCriteriaNotMetError("T", [failure]),
        "FixNotVerifiedError": ex.FixNotVerifiedError("T", "why"),
        "IntakeError": ex.IntakeError([ex.IntakeProblem("subject", "missing", "required")]),
        "IntakeProblem": ex.IntakeProblem("subject", "missing", "required"),
        "InvalidTransitionError": ex.InvalidTransitionError("T", "new", "closed"),
        "InvalidValueError": ex.InvalidValueError("limit", [1, "x"], "must be an integer"),
        "JournalError": ex.JournalError("T", 2, "x"),
        "NaiveDatetimeError": ex.NaiveDatetimeError("now", datetime(2026, 1, 1)),  # noqa: DTZ001
        "NotATicketflowStoreError": ex.NotATicketflowStoreError("x.db", "no table"),
        "PermissionDeniedError": ex.PermissionDeniedError("T", "a", "b", "customer", ["agent"]),
        "PluginError": ex.PluginError("router", "rr", "bad", plugin="p", distribution="d"),
        "RecordNotFoundError": ex.RecordNotFoundError("dead letter", "m1"),
        "SchemaVersionError": ex.SchemaVersionError("x.db", 9, 1),
        "StoreError": ex.StoreError("disk full"),
        "TaxonomyError": ex.TaxonomyError([("a", "b")]),
        "TicketNotFoundError": ex.TicketNotFoundError(7),
        "TicketflowError": ex.TicketflowError("plain"),
        "UnknownCategoryError": ex.UnknownCategoryError("misc"),
        "UnknownStrategyError": ex.UnknownStrategyError("router", "rr", ["skills"]),
        "WebhookDeliveryError": ex.WebhookDeliveryError("status", "https://x/", "500", status=500),
        "WebhookVerificationError": ex.WebhookVerificationError("no_match", "none", header="h"),
        "WorkflowDefinitionError": ex.WorkflowDefinitionError(["a", "b"]),
    }


def test_every_error_and_value_pickles_as_itself() -> None:
    examples = _one_of_each()
    assert sorted(examples) == sorted(ex.__all__)  # a new error joins the table
    for name, value in examples.items():
        copy = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own bytes
        assert type(copy) is type(value), name
        assert repr(copy) == repr(value), name
        if isinstance(value, BaseException):
            assert isinstance(copy, BaseException)
            assert str(copy) == str(value), name
            assert copy.args == value.args, name
            assert vars(copy) == vars(value), name
