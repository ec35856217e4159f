"""JSON text as the SQLite store writes it: compact, ASCII-only, keys in insertion order.

ASCII-only, so any Python string (even a lone surrogate) survives SQLite's UTF-8; keys in
insertion order (sorting them costs a fifth of the encoding and buys nothing here). No
default hook: a change holds only what converts to plain JSON (see ``Change``).

``json.dumps`` builds a new C encoder on every call, which costs as much as encoding a small
value; the store encodes several values per commit, so it keeps one encoder. Without the C
accelerator (another interpreter), the standard encoder does the same work.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any, Final

__all__ = ["dumps"]


def _refuse(value: object) -> Any:  # noqa: ANN401 - raises
    raise TypeError(f"{type(value).__name__} is not JSON")


_FLAGS: Final = {"sort_keys": False, "skipkeys": False, "allow_nan": True}


def _c_dumps() -> Callable[[object], str] | None:
    make: Any = getattr(json.encoder, "c_make_encoder", None)  # not in the type stubs
    if make is None:  # pragma: no cover - CPython has it
        return None
    # The arguments JSONEncoder(separators=(",", ":")).iterencode passes, but no markers
    # for circular references: values come from the converter or were round-tripped.
    encode = make(
        None,
        _refuse,
        json.encoder.encode_basestring_ascii,
        None,
        ":",
        ",",
        *_FLAGS.values(),
    )

    def dumps(value: object) -> str:
        return "".join(encode(value, 0))

    return dumps


dumps: Final[Callable[[object], str]] = _c_dumps() or json.JSONEncoder(separators=(",", ":")).encode
"""Return ``value`` as compact ASCII JSON (what ``json.JSONEncoder(separators=(",", ":"))``
gives)."""
