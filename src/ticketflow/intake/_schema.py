r"""A form's accepted shape as JSON Schema (draft 2020-12), for host front ends.

The schema is built from the same :class:`FormSpec` that :func:`parse_form` reads with, and
says the same rules where JSON Schema can say them. Text rules are written as patterns that
need no anchors (``$`` would match before a final line break): ``\S`` for "not blank", and
``not`` a line break or lone surrogate anywhere for "single line" and "valid Unicode".
"""

from __future__ import annotations

from typing import Any, Final

from .._values import INT64_MAX, INT64_MIN, MAX_NAME_LENGTH
from ..exceptions import InvalidValueError
from ._forms import LEVELS, MAX_EMAIL_LENGTH, FormSpec

__all__ = ["form_schema"]

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

_NOT_BLANK: Final = r"\S"
_SURROGATE: Final = r"[\ud800-\udfff]"
_BREAK_OR_SURROGATE: Final = r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]|" + _SURROGATE
_SPACE_OR_SURROGATE: Final = r"\s|" + _SURROGATE


def _text(max_length: int, *, blank: bool = True, single_line: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if not blank:
        schema["pattern"] = _NOT_BLANK
    schema["not"] = {"pattern": _BREAK_OR_SURROGATE if single_line else _SURROGATE}
    return schema


def _choice(values: frozenset[str]) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(values)}


def _level(title: str) -> dict[str, Any]:
    low, high = LEVELS
    return {"title": title, "type": "integer", "minimum": low, "maximum": high}


def _field_value(form: FormSpec) -> dict[str, Any]:
    return {
        "anyOf": [
            _text(form.max_field_length),
            {"type": "boolean"},
            {"type": "number", "minimum": INT64_MIN, "maximum": INT64_MAX},
        ]
    }


def _requester() -> dict[str, Any]:
    email = {"type": "string", "maxLength": MAX_EMAIL_LENGTH, "format": "email"}
    return {
        "title": "Requester",
        "type": "object",
        "properties": {
            "email": email,
            "name": _text(MAX_NAME_LENGTH, blank=False, single_line=True),
        },
        "required": ["email"],
        "additionalProperties": False,
    }


def _fields(form: FormSpec) -> dict[str, Any]:
    value = _field_value(form)
    return {
        "title": "Fields",
        "type": "object",
        "properties": dict.fromkeys(sorted(form.field_names), value),
        "required": sorted(form.required_fields),
        "maxProperties": form.max_fields,
        "additionalProperties": False,
    }


def _tags(form: FormSpec) -> dict[str, Any]:
    tag = {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_NAME_LENGTH,
        "not": {"pattern": _SPACE_OR_SURROGATE},
    }
    return {
        "title": "Tags",
        "type": "array",
        "items": tag,
        "maxItems": form.max_tags,
        "uniqueItems": True,
    }


def form_schema(form: FormSpec | None = None) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of the payloads ``form`` accepts.

    A front end can validate with it before it posts, or build its inputs from it. It says
    every structural rule of :func:`parse_form`: the keys (``additionalProperties: false``),
    which are required, types, lengths, counts, the categories, kinds and priorities offered
    (``enum``) and the ranges of numbers. ``parse_form`` checks more than JSON Schema can say
    (``docs/intake.md`` lists it): an address is checked by ticketflow's rule, not only by
    ``format: email``, and values that JSON cannot carry (NaN, keys that are not strings) are
    refused.

    Args:
        form: The form; ``FormSpec()`` if not given.

    Returns:
        A new dictionary, JSON-serializable (``json.dumps`` it as it is).

    Raises:
        InvalidValueError: ``form`` is not a :class:`FormSpec`.

    .. versionadded:: 0.1
    """
    given: object = FormSpec() if form is None else form
    if not isinstance(given, FormSpec):
        raise InvalidValueError("form", given, "must be a FormSpec")
    description = _text(given.max_description_length, blank=not given.require_description)
    properties: dict[str, Any] = {
        "subject": _text(given.max_subject_length, blank=False, single_line=True),
        "description": description,
        "requester": _requester(),
    }
    optional: dict[str, Any] = {
        "kind": lambda: _choice(frozenset(kind.value for kind in given.kinds)),
        "category": lambda: _choice(given.categories),
        "priority": lambda: _choice(given.priorities),
        "impact": lambda: _level("Impact"),
        "urgency": lambda: _level("Urgency"),
        "tags": lambda: _tags(given),
        "fields": lambda: _fields(given),
    }
    keys = given.keys
    for key, build in optional.items():
        if key in keys:
            properties[key] = build()
    return {
        "$schema": DIALECT,
        "title": "Ticket form",
        "type": "object",
        "properties": properties,
        "required": sorted(given.required_keys),
        "additionalProperties": False,
    }
