"""The ``ticketflow`` logger, reached on first use: ``import ticketflow`` need not load logging."""

from __future__ import annotations

from typing import Final

__all__ = ["log_failure"]

LOGGER_NAME: Final = "ticketflow"


def log_failure(error: BaseException, message: str, *args: object) -> None:
    """Log ``error`` with its traceback, at ERROR on the ``ticketflow`` logger.

    The record names the caller (its module, function and line), as ``logger.exception``
    called there would. Only a failure is logged, so only a failure imports logging.
    """
    import logging  # noqa: PLC0415 - loaded with the first failure, not with ticketflow

    logging.getLogger(LOGGER_NAME).error(message, *args, exc_info=error, stacklevel=2)
