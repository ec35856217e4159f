"""Automatic mail (RFC 3834): mail no one wrote by hand, which must get no automatic answer.

A help desk that answers an auto-reply with an acknowledgement, which is answered by the
auto-reply again, loops until a mailbox fills. So mail is automatic when any of these says so,
checked in this order: a delivery or disposition report (``multipart/report``),
``Auto-Submitted`` other than ``no``, an empty return path (``Return-Path: <>``, as bounces
carry), ``X-Autoreply``, ``X-Autorespond``, ``X-Auto-Response-Suppress``, ``Precedence: bulk``,
``junk`` or ``list``, and ``List-Id`` (mailing-list traffic).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final

__all__ = ["AutoReason", "auto_reason"]


class AutoReason(enum.StrEnum):
    """Why a message is automatic mail: the first sign found, in the order listed here.

    .. versionadded:: 0.1
    """

    DELIVERY_REPORT = "delivery_report"
    """``Content-Type: multipart/report``: a bounce, delay or read receipt (RFC 6522)."""
    AUTO_SUBMITTED = "auto_submitted"
    """``Auto-Submitted`` with a value other than ``no`` (RFC 3834)."""
    EMPTY_RETURN_PATH = "empty_return_path"
    """``Return-Path: <>``: sent with a null envelope sender, as bounces are."""
    X_AUTOREPLY = "x_autoreply"
    """``X-Autoreply`` (vacation programs)."""
    X_AUTORESPOND = "x_autorespond"
    """``X-Autorespond``."""
    X_AUTO_RESPONSE_SUPPRESS = "x_auto_response_suppress"
    """``X-Auto-Response-Suppress`` (Exchange marks its automatic mail so)."""
    PRECEDENCE = "precedence"
    """``Precedence: bulk``, ``junk`` or ``list``."""
    LIST = "list"
    """``List-Id``: mail from a mailing list."""


_NO: Final = frozenset({"", "no", "none", "false", "0"})


def _first(value: str) -> str:
    return value.partition(";")[0].partition("(")[0].strip().lower()


_CHECKS: Final[tuple[tuple[AutoReason, str, Callable[[str], bool]], ...]] = (
    (AutoReason.AUTO_SUBMITTED, "auto-submitted", lambda v: _first(v) not in _NO),
    (AutoReason.EMPTY_RETURN_PATH, "return-path", lambda v: v.replace(" ", "") in {"<>", ""}),
    (AutoReason.X_AUTOREPLY, "x-autoreply", lambda v: _first(v) not in _NO - {""}),
    (AutoReason.X_AUTORESPOND, "x-autorespond", lambda v: _first(v) not in _NO - {""}),
    (
        AutoReason.X_AUTO_RESPONSE_SUPPRESS,
        "x-auto-response-suppress",
        lambda v: _first(v) not in _NO,
    ),
    (AutoReason.PRECEDENCE, "precedence", lambda v: _first(v) in {"bulk", "junk", "list"}),
    (AutoReason.LIST, "list-id", lambda _: True),
)


def auto_reason(content_type: str, headers: Callable[[str], str | None]) -> AutoReason | None:
    """Return why a message is automatic mail, or ``None`` if nothing says it is.

    Args:
        content_type: The message's own content type, lower case (``multipart/report``).
        headers: Returns the first value of a header by lower-case name, ``None`` if absent.
    """
    if content_type == "multipart/report":
        return AutoReason.DELIVERY_REPORT
    for reason, name, says in _CHECKS:
        value = headers(name)
        if value is not None and says(value.strip()):
            return reason
    return None
