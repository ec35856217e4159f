"""``python -m ticketflow mailgate``: one message on stdin, as an MTA's pipe delivers it.

Like Request Tracker's ``rt-mailgate``, it answers the MTA with an exit status: 0 when the
message was handled (created, appended, a duplicate, or kept as a rejected or ignored record),
75 (``EX_TEMPFAIL``) when it could not be taken in *now* (the store busy or unreachable, the
attachment directory not writable, the configuration incomplete), so the MTA keeps the message
queued and tries again. Nothing is ever answered with a bounce: a message that cannot be read is
kept as a record, and one that could not be kept stays with the MTA.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

if TYPE_CHECKING:
    from ._outcome import IntakeOutcome

__all__ = ["EX_OK", "EX_TEMPFAIL", "mailgate"]

EX_OK: Final = 0
EX_TEMPFAIL: Final = 75  # sysexits.h: the MTA queues the message and retries

SECRET_VARIABLE: Final = "TICKETFLOW_MAIL_SECRET"  # noqa: S105 - the name of the variable
ADDRESS_VARIABLE: Final = "TICKETFLOW_MAIL_ADDRESS"


def _load_desk_factory(spec: str) -> Callable[[object], object]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--desk {spec!r}: expected MODULE:CALLABLE")
    factory = getattr(importlib.import_module(module_name), attribute)
    if not callable(factory):
        raise TypeError(f"--desk {spec!r} is not callable")
    return factory  # type: ignore[no-any-return]


def mailgate(
    db: Path,
    *,
    stdin: BinaryIO,
    write: Callable[[str], object],
    warn: Callable[[str], object],
    as_json: bool = False,
    address: str | None = None,
    attachments: Path | None = None,
    desk_factory: str | None = None,
    timeout: float = 10.0,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """Take in the message on ``stdin``; return the exit status for the MTA.

    Args:
        db: The SQLite store.
        stdin: Where the message comes from (binary).
        write: Prints the outcome: one line, or a JSON object with ``as_json``.
        warn: Prints why the message must be retried (to standard error).
        as_json: Print the outcome as JSON.
        address: The desk's address (default: ``$TICKETFLOW_MAIL_ADDRESS``, else
            ``support@localhost``).
        attachments: The directory for attachments' bytes (default: ``<db>.attachments``).
        desk_factory: ``MODULE:CALLABLE`` that builds the host's :class:`~ticketflow.Desk`
            from the store (its workflow, SLA policy, roles); default: a plain Desk.
        timeout: How long to wait for a busy store, in seconds, before answering 75.
        environ: Where ``TICKETFLOW_MAIL_SECRET`` (at least 16 bytes, the same in every
            process that signs or reads reply tokens) and the address are read from.
    """
    try:
        outcome = _take(db, stdin, address, attachments, desk_factory, timeout, environ)
    except _RetryError as retry:
        warn(f"ticketflow mailgate: try again later: {retry}")
        return EX_TEMPFAIL
    if as_json:
        write(json.dumps(outcome.to_json(), ensure_ascii=False, sort_keys=True))
    else:
        write(outcome.line())
    return EX_OK


class _RetryError(Exception):
    """The message was not taken in now; the MTA keeps it."""


def _take(
    db: Path,
    stdin: BinaryIO,
    address: str | None,
    attachments: Path | None,
    desk_factory: str | None,
    timeout: float,
    environ: Mapping[str, str],
) -> IntakeOutcome:
    from .. import Desk  # noqa: PLC0415 - loaded with the command, not with the package
    from ..storage import SQLiteTicketStore  # noqa: PLC0415
    from ._addressing import MailIdentity  # noqa: PLC0415
    from ._service import Intake  # noqa: PLC0415
    from ._sink import DirectoryAttachmentSink  # noqa: PLC0415

    secret = environ.get(SECRET_VARIABLE, "")
    if len(secret.encode("utf-8", "surrogateescape")) < 16:  # noqa: PLR2004
        raise _RetryError(f"set {SECRET_VARIABLE} to a secret of at least 16 bytes")
    raw = stdin.read()
    try:
        identity = MailIdentity(
            address or environ.get(ADDRESS_VARIABLE) or "support@localhost",
            secret.encode("utf-8", "surrogateescape"),
        )
        sink = DirectoryAttachmentSink(attachments or db.with_name(db.name + ".attachments"))
        with SQLiteTicketStore(db, timeout=timeout) as store:
            desk = Desk(store) if desk_factory is None else _load_desk_factory(desk_factory)(store)
            intake = Intake(desk, identity=identity, attachments=sink)  # type: ignore[arg-type]
            return intake.ingest_email(raw)
    except Exception as error:
        raise _RetryError(f"{type(error).__name__}: {error}") from error
