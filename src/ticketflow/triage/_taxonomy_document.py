"""A taxonomy as a document: read from parsed TOML or JSON, written back as TOML.

The shape, in TOML (JSON is the same as an object)::

    [[categories]]
    code = "delivery/late"
    label = "Late delivery"

    [[categories]]
    code = "refund"
    label = "Refund"
    parent = "billing"          # only where the code has no path

    [retired]
    "delivery/delayed" = "delivery/late"

Categories are a list, not a table keyed by code, so that a code given twice is reported rather
than silently overwritten. Every problem is collected, each named by the code it concerns (or
by its place in the document where there is no code to name).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Final

from .._shown import shown
from ..exceptions import InvalidValueError, TaxonomyError
from ._category import Category

__all__ = ["Problems", "loads_json", "read_document", "toml_text"]

Problems = list[tuple[str, str]]
"""Where (a code, or a place in the document) and what is wrong there."""

_TOP: Final = frozenset({"categories", "retired"})
_ENTRY: Final = frozenset({"code", "label", "parent"})


def read_document(data: object) -> tuple[list[Category], dict[str, str], Problems]:
    """Return the categories and retirements a parsed document holds, and its problems."""
    problems: Problems = []
    if not isinstance(data, Mapping):
        return [], {}, [("$", f"a taxonomy document is a table/object, not {_kind(data)}")]
    problems.extend((str(key), "unknown key") for key in data if key not in _TOP)
    entries = data.get("categories")
    categories: list[Category] = []
    if not isinstance(entries, list):
        problems.append(("categories", "must be a list of categories"))
        entries = []
    for index, entry in enumerate(entries):
        category = _category(f"categories[{index}]", entry, problems)
        if category is not None:
            categories.append(category)
    return categories, _retired(data.get("retired", {}), problems), problems


def _category(where: str, entry: object, problems: Problems) -> Category | None:
    if not isinstance(entry, Mapping):
        problems.append((where, f"a category is a table/object, not {_kind(entry)}"))
        return None
    code = entry.get("code")
    if isinstance(code, str) and code:
        where = code
    problems.extend((where, f"unknown key {shown(key)}") for key in entry if key not in _ENTRY)
    try:
        return Category(code, entry.get("label"), entry.get("parent"))  # type: ignore[arg-type]
    except InvalidValueError as error:
        problems.append((where, f"{error.field}: {error.problem} (got {shown(error.value)})"))
        return None


def _retired(value: object, problems: Problems) -> dict[str, str]:
    if not isinstance(value, Mapping):
        problems.append(("retired", "must map retired codes to their successors"))
        return {}
    return dict(value)


def _kind(value: object) -> str:
    return type(value).__name__


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique(pairs: Iterable[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def loads_json(text: object) -> object:
    """Return the parsed JSON ``text``; a key given twice in one object is an error.

    Raises:
        TaxonomyError: ``text`` is not JSON text (``str`` or UTF-8 bytes), or repeats a key.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise TaxonomyError([("$", f"not UTF-8: {error.reason}")]) from None
    if not isinstance(text, str):
        raise TaxonomyError([("$", f"expected JSON text, got {_kind(text)}")])
    try:
        return json.loads(text, object_pairs_hook=_unique)
    except _DuplicateKeyError as error:
        raise TaxonomyError([(error.key, "given twice in one object")]) from None
    except RecursionError:
        raise TaxonomyError([("$", "nested too deeply to read")]) from None
    except ValueError as error:
        raise TaxonomyError([("$", f"not JSON: {str(error)[:200]}")]) from None


_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n"}
_ESCAPES_MORE: Final = {"\f": "\\f", "\r": "\\r"}


def _string(text: str) -> str:
    # A TOML basic string: quotes, backslashes and control characters escaped, the rest as is.
    out = ['"']
    for char in text:
        escaped = _ESCAPES.get(char) or _ESCAPES_MORE.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_text(categories: Iterable[Category], retired: Mapping[str, str]) -> str:
    """Return the TOML document for ``categories`` and ``retired`` (see the module docstring)."""
    blocks = []
    for category in categories:
        lines = [
            "[[categories]]",
            f"code = {_string(category.code)}",
            f"label = {_string(category.label)}",
        ]
        if category.parent is not None and "/" not in category.code:
            lines.append(f"parent = {_string(category.parent)}")
        blocks.append("\n".join(lines))
    if retired:
        lines = ["[retired]"]
        lines.extend(f"{_string(old)} = {_string(new)}" for old, new in sorted(retired.items()))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
