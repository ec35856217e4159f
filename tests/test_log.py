"""Failures the library survives are logged on the ``ticketflow`` logger, with their traceback."""

from __future__ import annotations

import logging

import pytest

from ticketflow._log import log_failure


def crm_lookup() -> None:
    raise ValueError("the CRM is down")


def failing_caller() -> None:
    try:
        crm_lookup()
    except ValueError as error:
        log_failure(error, "next_due failed for ticket %s", "T1")


def test_a_failure_is_logged_at_error_with_its_traceback_naming_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="ticketflow"):
        failing_caller()
    [record] = caplog.records
    assert (record.name, record.levelno) == ("ticketflow", logging.ERROR)
    assert record.getMessage() == "next_due failed for ticket T1"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)
    assert record.funcName == "failing_caller"
    assert record.module == "test_log"
