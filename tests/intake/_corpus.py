"""The corpus of raw messages under ``tests/data/email``, for the intake tests."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "data" / "email"


def corpus() -> dict[str, bytes]:
    """Every message of the corpus, by file name without ``.eml``."""
    return {path.stem: path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))}
