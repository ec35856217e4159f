"""Attachment sinks keep bytes by SHA-256, once, and only bytes that match their description."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ticketflow import InvalidValueError, StoreError
from ticketflow.intake import (
    Attachment,
    AttachmentSink,
    DirectoryAttachmentSink,
    InMemoryAttachmentSink,
)

DATA = b"%PDF-1.4 an invoice"
PDF = Attachment("invoice.pdf", "application/pdf", len(DATA), hashlib.sha256(DATA).hexdigest())


@pytest.fixture(params=["memory", "directory"])
def sink(request: pytest.FixtureRequest, tmp_path: Path) -> AttachmentSink:
    if request.param == "memory":
        return InMemoryAttachmentSink()
    return DirectoryAttachmentSink(tmp_path / "blobs")


def _kept(sink: AttachmentSink, sha256: str) -> bytes:
    if isinstance(sink, InMemoryAttachmentSink):
        return sink.get(sha256)
    assert isinstance(sink, DirectoryAttachmentSink)
    return sink.path(sha256).read_bytes()


def test_both_sinks_are_attachment_sinks(sink: AttachmentSink) -> None:
    assert isinstance(sink, AttachmentSink)


def test_a_put_keeps_the_bytes_under_their_sha256_once(sink: AttachmentSink) -> None:
    sink.put(PDF, DATA)
    sink.put(PDF, DATA)
    sink.put(Attachment("copy.pdf", "application/pdf", PDF.size, PDF.sha256), DATA)
    assert _kept(sink, PDF.sha256) == DATA


@pytest.mark.parametrize(
    ("attachment", "data"),
    [
        (PDF, DATA + b"!"),
        (PDF, b""),
        (Attachment("x", "application/pdf", PDF.size, "0" * 64), DATA),
        (PDF, bytearray(DATA)),
        (PDF, DATA.decode()),
        ("invoice.pdf", DATA),
        (None, DATA),
    ],
)
def test_bytes_that_do_not_match_their_description_are_refused(
    sink: AttachmentSink, attachment: object, data: object
) -> None:
    with pytest.raises(InvalidValueError):
        sink.put(attachment, data)  # type: ignore[arg-type]


def test_the_memory_sink_answers_what_it_keeps() -> None:
    sink = InMemoryAttachmentSink()
    assert len(sink) == 0
    assert PDF.sha256 not in sink
    sink.put(PDF, DATA)
    assert len(sink) == 1
    assert PDF.sha256 in sink
    assert sink.described(PDF.sha256) == PDF
    with pytest.raises(KeyError):
        sink.get("0" * 64)


def test_the_directory_sink_fans_out_by_hash_and_leaves_no_partial_files(tmp_path: Path) -> None:
    sink = DirectoryAttachmentSink(tmp_path / "blobs")
    sink.put(PDF, DATA)
    assert sink.path(PDF.sha256) == tmp_path / "blobs" / PDF.sha256[:2] / PDF.sha256
    assert [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [PDF.sha256]


def test_a_directory_sink_that_cannot_write_raises_store_error(tmp_path: Path) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a directory")
    with pytest.raises(StoreError):
        DirectoryAttachmentSink(occupied).put(PDF, DATA)


@pytest.mark.parametrize("directory", ["", "blobs\x00evil", b"blobs", 5, None])
def test_a_directory_that_is_no_path_is_refused(directory: object) -> None:
    # A NUL in the path once made every put raise ValueError ("embedded null byte").
    with pytest.raises(InvalidValueError):
        DirectoryAttachmentSink(directory)  # type: ignore[arg-type]
