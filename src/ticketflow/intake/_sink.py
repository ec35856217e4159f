"""Where attachments' bytes go: a protocol the host implements, and two that ship.

A ticket's journal names each attachment by its SHA-256; the bytes live in the host's own
blob storage (S3, a database, a directory), behind :class:`AttachmentSink`. Content addressing
makes every put idempotent: the same bytes arriving twice are one blob.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..exceptions import InvalidValueError, StoreError
from ._inbound import Attachment

__all__ = ["AttachmentSink", "DirectoryAttachmentSink", "InMemoryAttachmentSink"]


@runtime_checkable
class AttachmentSink(Protocol):
    """Keeps attachments' bytes for the host; intake puts each one before it commits.

    ``put`` must be idempotent (the same attachment may arrive twice, a retried message say)
    and durable when it returns: the ticket's commit that names the attachment follows it. It
    raises :class:`~ticketflow.exceptions.StoreError` when it cannot keep the bytes, and then
    nothing is committed (a mail gateway answers "try again later").

    .. versionadded:: 0.2
    """

    def put(self, attachment: Attachment, data: bytes) -> None:
        """Keep ``data``, whose description (SHA-256 included) is ``attachment``."""
        ...


def check_put(attachment: object, data: object) -> tuple[Attachment, bytes]:
    """Return the arguments of a put, checked: the bytes must match their description."""
    if type(attachment) is not Attachment:
        raise InvalidValueError("attachment", attachment, "must be an Attachment")
    if type(data) is not bytes:
        raise InvalidValueError("data", data, "must be bytes")
    if len(data) != attachment.size or hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise InvalidValueError(
            "data", f"<{len(data)} bytes>", "does not match the attachment's size and SHA-256"
        )
    return attachment, data


class InMemoryAttachmentSink:
    """Attachments' bytes in a dictionary by SHA-256: for tests and small hosts.

    .. versionadded:: 0.2
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._described: dict[str, Attachment] = {}

    def __repr__(self) -> str:
        return f"InMemoryAttachmentSink(blobs={len(self._blobs)})"

    def __len__(self) -> int:
        return len(self._blobs)

    def __contains__(self, sha256: object) -> bool:
        return sha256 in self._blobs

    def put(self, attachment: Attachment, data: bytes) -> None:
        """Keep ``data`` under its SHA-256 (again: no change)."""
        attachment, data = check_put(attachment, data)
        with self._lock:
            self._blobs.setdefault(attachment.sha256, data)
            self._described.setdefault(attachment.sha256, attachment)

    def get(self, sha256: str) -> bytes:
        """Return the bytes with this SHA-256.

        Raises:
            KeyError: None are kept.
        """
        with self._lock:
            return self._blobs[sha256]

    def described(self, sha256: str) -> Attachment:
        """Return the description the bytes first arrived with (raises ``KeyError``)."""
        with self._lock:
            return self._described[sha256]


class DirectoryAttachmentSink:
    """Attachments' bytes as files named by SHA-256 in a directory (``ab/abcdef...``).

    Each file is written to a temporary name, flushed to disk and renamed into place, so a
    reader never sees half a file and a crash leaves no partial blob.

    Args:
        directory: Where the files go; made if missing.

    .. versionadded:: 0.2
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        given: object = directory
        if not isinstance(given, str | os.PathLike) or not os.fspath(given):
            raise InvalidValueError("directory", given, "must be a path")
        if "\x00" in str(os.fspath(given)):
            # no file system takes one: every put would fail with ValueError, not StoreError
            raise InvalidValueError("directory", given, "a path holds no NUL character")
        self.directory = Path(os.fspath(given))

    def __repr__(self) -> str:
        return f"DirectoryAttachmentSink({str(self.directory)!r})"

    def path(self, sha256: str) -> Path:
        """Return where the bytes with this SHA-256 are (or would be) kept."""
        return self.directory / sha256[:2] / sha256

    def put(self, attachment: Attachment, data: bytes) -> None:
        """Write ``data`` to its file unless it is there already."""
        attachment, data = check_put(attachment, data)
        target = self.path(attachment.sha256)
        if target.exists():
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                Path(temporary).replace(target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StoreError(f"{self.directory}: cannot keep an attachment: {error}") from error
