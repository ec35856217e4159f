"""Web forms: a JSON-like payload a customer submitted, read into a :class:`NewTicket`.

Reading happens in two steps. First the payload is walked against the :class:`FormSpec`: every
key, type, length and limit is checked, and every problem is collected (never only the first).
The walk looks only at the keys the form knows and checks a collection's size before it looks
inside, so the work is bounded whatever arrives: a list of a million tags or a string of a
gigabyte is refused by its length, and nesting below a known key is never followed. Only a
payload without problems is then structured through the project's converter
(:func:`ticketflow.from_primitive`), which applies the value types' own rules once more.

The rules are the ones :func:`form_schema` exports as JSON Schema; where JSON Schema cannot say
a rule (see ``docs/intake.md``), only this walk enforces it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from .._access import Access
from .._fields import MAX_FIELD_TEXT, MAX_FIELDS, FieldValue
from .._identity import address_problem
from .._serde import from_primitive
from .._ticket import MAX_TAGS, Channel, NewTicket, TicketKind
from .._values import (
    INT64_MAX,
    INT64_MIN,
    MAX_NAME_LENGTH,
    MAX_SUBJECT_LENGTH,
    MAX_TEXT_LENGTH,
    check_int,
    check_name,
)
from ..exceptions import DeserializationError, IntakeError, IntakeProblem, InvalidValueError

__all__ = ["MAX_EMAIL_LENGTH", "FormSpec", "parse_form"]

MAX_EMAIL_LENGTH: Final = 254
"""RFC 5321: a forward path holds at most 254 characters of address."""

LEVELS: Final = (1, 5)
"""The lowest and highest impact or urgency."""

_LINE_BREAK: Final = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_SIMPLE_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_MAX_REPORTED_KEYS: Final = 20  # unknown keys named one by one; the rest are counted
_DEFAULT_KINDS: Final = frozenset({TicketKind.INCIDENT, TicketKind.SERVICE_REQUEST})


def _names(field: str, value: Iterable[str]) -> frozenset[str]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError(field, given, "must be a collection of names, not a string")
    return frozenset(check_name(field, name) for name in given)


def _categories(value: Iterable[str]) -> frozenset[str]:
    return _names("categories", value)


def _priorities(value: Iterable[str]) -> frozenset[str]:
    return _names("priorities", value)


def _required_fields(value: Iterable[str]) -> frozenset[str]:
    return _names("required_fields", value)


def _fields(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else _names("fields", value)


def _kinds(value: Iterable[TicketKind | str]) -> frozenset[TicketKind]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("kinds", given, "must be a collection of ticket kinds")
    found: set[TicketKind] = set()
    for kind in given:
        try:
            found.add(TicketKind(kind))
        except ValueError:
            raise InvalidValueError("kinds", kind, "is not a ticket kind") from None
    return frozenset(found)


def _limit(field: str, most: int) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        check_int(field, value, minimum=0, maximum=most)

    return check


def _flag(field: str) -> Any:  # noqa: ANN401 - an attrs validator
    def check(_: object, __: object, value: object) -> None:
        if type(value) is not bool:
            raise InvalidValueError(field, value, "must be True or False")

    return check


def _access(_: object, __: object, value: object) -> None:
    if not isinstance(value, Access):
        raise InvalidValueError("access", value, "must be an Access")


@attrs.frozen(kw_only=True)
class FormSpec:
    """What one web form accepts: its keys, its limits and its choices.

    A form is what a customer submits, so by default it sets only what a customer decides:
    the subject, the description, the requester, the kind (incident or service request), a
    category from :attr:`categories` and the structured fields the desk lets customers set
    (its ``customer_fields``). Queue, assignee, status and links are never keys of a form; priority,
    impact, urgency and tags are keys only where the form enables them.

    Args:
        categories: The category codes the form offers (any collection of codes, such as a
            taxonomy's); empty for a form without a category.
        require_category: Whether a category must be chosen.
        priorities: The priority labels the form offers; empty (the default) lets the desk's
            triage decide priority.
        impact_urgency: Whether the form asks for impact and urgency (1 to 5 each).
        kinds: The ticket kinds the form offers; empty for a form without a kind (then every
            ticket is an incident).
        require_description: Whether the description must be given and not blank.
        max_subject_length: The longest subject, in characters (at most 998).
        max_description_length: The longest description, in characters.
        max_tags: How many tags the form accepts; 0 (the default) for none. Customers do not
            tag on submission (:meth:`ticketflow.Access.require_submit`), so tags suit a form a
            staff member submits on a customer's behalf.
        fields: The structured fields the form accepts; ``None`` (the default) for
            :attr:`access`'s ``customer_fields``.
        required_fields: The structured fields that must be filled in (a subset of
            :attr:`fields`).
        max_fields: How many structured fields one submission may fill in.
        max_field_length: The longest text a structured field may hold, in characters.
        access: The access rules whose customer and internal fields the form follows: pass
            ``desk.access`` so that the form and the :class:`~ticketflow.Desk` agree.

    Raises:
        InvalidValueError: An option is out of its range, a required field is not a field of
            the form, or the form would let customers set an internal field.

    .. versionadded:: 0.1
    """

    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_categories)
    require_category: bool = attrs.field(default=False, validator=_flag("require_category"))
    priorities: frozenset[str] = attrs.field(default=frozenset(), converter=_priorities)
    impact_urgency: bool = attrs.field(default=False, validator=_flag("impact_urgency"))
    kinds: frozenset[TicketKind] = attrs.field(default=_DEFAULT_KINDS, converter=_kinds)
    require_description: bool = attrs.field(default=False, validator=_flag("require_description"))
    max_subject_length: int = attrs.field(
        default=200, validator=_limit("max_subject_length", MAX_SUBJECT_LENGTH)
    )
    max_description_length: int = attrs.field(
        default=20_000, validator=_limit("max_description_length", MAX_TEXT_LENGTH)
    )
    max_tags: int = attrs.field(default=0, validator=_limit("max_tags", MAX_TAGS))
    fields: frozenset[str] | None = attrs.field(default=None, converter=_fields)
    required_fields: frozenset[str] = attrs.field(default=frozenset(), converter=_required_fields)
    max_fields: int = attrs.field(default=32, validator=_limit("max_fields", MAX_FIELDS))
    max_field_length: int = attrs.field(
        default=1_000, validator=_limit("max_field_length", MAX_FIELD_TEXT)
    )
    access: Access = attrs.field(factory=Access, validator=_access, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.require_category and not self.categories:
            raise InvalidValueError(
                "require_category", self.require_category, "the form offers no category"
            )
        internal = self.field_names & self.access.internal_fields
        if internal:
            raise InvalidValueError(
                "fields", sorted(internal), "internal fields are not for customers to set"
            )
        unknown = self.required_fields - self.field_names
        if unknown:
            raise InvalidValueError(
                "required_fields", sorted(unknown), "a required field must be a field of the form"
            )
        if len(self.required_fields) > self.max_fields:
            raise InvalidValueError(
                "required_fields", len(self.required_fields), "more than max_fields"
            )

    @property
    def field_names(self) -> frozenset[str]:
        """The structured fields the form accepts."""
        return self.access.customer_fields if self.fields is None else self.fields

    @property
    def keys(self) -> frozenset[str]:
        """The top-level keys a payload may hold."""
        keys = {"subject", "description", "requester"}
        optional = {
            "category": bool(self.categories),
            "priority": bool(self.priorities),
            "impact": self.impact_urgency,
            "urgency": self.impact_urgency,
            "kind": bool(self.kinds),
            "tags": self.max_tags > 0,
            "fields": bool(self.field_names) and self.max_fields > 0,
        }
        keys.update(key for key, wanted in optional.items() if wanted)
        return frozenset(keys)

    @property
    def required_keys(self) -> frozenset[str]:
        """The top-level keys a payload must hold."""
        keys = {"subject", "requester"}
        if self.require_description:
            keys.add("description")
        if self.require_category:
            keys.add("category")
        if self.required_fields:
            keys.add("fields")
        return frozenset(keys)


_STAFF_KEYS: Final = frozenset(
    {"queue", "assignee", "status", "links", "priority", "impact", "urgency", "tags", "channel"}
)


def child(path: str, key: object) -> str:
    """Return the path of ``key`` inside the object at ``path`` (``$.requester.email``)."""
    if isinstance(key, str):
        if _SIMPLE_KEY.fullmatch(key):
            return f"{path}.{key}"
        shown = key if len(key) <= 64 else key[:61] + "..."  # noqa: PLR2004
        return f"{path}[{shown!r}]"
    return f"{path}[<{type(key).__name__} key>]"


def kind_of(value: object) -> str:
    """Return the JSON name of ``value``'s type, for messages."""
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    return names.get(type(value), type(value).__name__)


class _Walk:
    """One reading of a payload: the problems found so far, and the data for the converter."""

    def __init__(self, form: FormSpec) -> None:
        self.form = form
        self.problems: list[IntakeProblem] = []

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(IntakeProblem(path, code, message))

    def wrong_type(self, path: str, expected: str, value: object) -> None:
        self.add(path, "wrong_type", f"must be {expected}, got {kind_of(value)}")

    def keys(
        self,
        path: str,
        value: Mapping[object, object],
        allowed: Iterable[str],
        why: str,
        staff: frozenset[str] = frozenset(),
    ) -> None:
        """Report each key of ``value`` that is not ``allowed`` (the first few by name)."""
        known = frozenset(allowed)
        unknown = [key for key in value if key not in known]
        for key in unknown[:_MAX_REPORTED_KEYS]:
            if not isinstance(key, str):
                self.add(child(path, key), "unknown_field", "a key must be a string")
            elif key in staff:
                self.add(child(path, key), "unknown_field", "not for this form to set")
            else:
                self.add(child(path, key), "unknown_field", why)
        if len(unknown) > _MAX_REPORTED_KEYS:
            more = len(unknown) - _MAX_REPORTED_KEYS
            self.add(path, "unknown_field", f"{more} more keys this form does not accept")

    def text(
        self,
        path: str,
        value: object,
        *,
        max_length: int,
        blank: bool = True,
        single_line: bool = False,
    ) -> str | None:
        """Return ``value`` if it is text of this kind, else report why and return ``None``."""
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return None
        if len(value) > max_length:
            self.add(path, "too_long", f"at most {max_length} characters (got {len(value)})")
            return None
        if not blank and not value.strip():
            self.add(path, "empty", "must not be empty")
            return None
        if single_line and _LINE_BREAK.search(value):
            self.add(path, "not_single_line", "must be a single line (no line breaks)")
            return None
        if _SURROGATE.search(value):
            self.add(path, "invalid_text", "holds lone surrogates (not valid Unicode text)")
            return None
        return value

    def choice(self, path: str, value: object, allowed: frozenset[str], code: str) -> str | None:
        """Return ``value`` if it is one of ``allowed``, else report ``code``."""
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return None
        if value not in allowed:
            self.add(path, code, f"must be one of: {', '.join(sorted(allowed))}")
            return None
        return value

    def level(self, path: str, value: object) -> int | None:
        """Return an impact or urgency (an integral number from 1 to 5)."""
        # JSON has one number type: 3.0 is the integer 3 (as JSON Schema counts it).
        if isinstance(value, float) and value.is_integer():
            number: object = int(value)
        else:
            number = value
        if isinstance(number, bool) or not isinstance(number, int):
            self.wrong_type(path, "an integer", value)
            return None
        low, high = LEVELS
        if not low <= number <= high:
            self.add(path, "out_of_range", f"must be from {low} to {high}")
            return None
        return number

    def requester(self, value: object) -> dict[str, object] | None:
        path = "$.requester"
        if not isinstance(value, Mapping):
            self.wrong_type(path, "an object", value)
            return None
        self.keys(path, value, ("email", "name"), "a requester has an email and a name only")
        built: dict[str, object] = {"external": True}
        if "email" not in value:
            self.add(child(path, "email"), "missing", "required")
        else:
            built["email"] = self.email(child(path, "email"), value["email"])
        if "name" in value:
            built["name"] = self.text(
                child(path, "name"),
                value["name"],
                max_length=MAX_NAME_LENGTH,
                blank=False,
                single_line=True,
            )
        return built

    def email(self, path: str, value: object) -> str | None:
        if not isinstance(value, str):
            self.wrong_type(path, "a string", value)
            return None
        if len(value) > MAX_EMAIL_LENGTH:
            self.add(path, "too_long", f"at most {MAX_EMAIL_LENGTH} characters (got {len(value)})")
            return None
        text = self.text(path, value, max_length=MAX_EMAIL_LENGTH, blank=False, single_line=True)
        if text is None:
            # Replace the text's own code: whatever it is, this is not an address.
            problem = self.problems.pop()
            self.add(path, "not_an_email", problem.message)
            return None
        problem_text = address_problem(text)
        if problem_text is not None:
            self.add(path, "not_an_email", problem_text)
            return None
        return text

    def tags(self, value: object) -> list[str] | None:
        path = "$.tags"
        if not isinstance(value, list):
            self.wrong_type(path, "an array", value)
            return None
        if len(value) > self.form.max_tags:
            self.add(path, "too_many", f"at most {self.form.max_tags} tags (got {len(value)})")
            return None
        seen: set[str] = set()
        for index, tag in enumerate(value):
            where = f"{path}[{index}]"
            text = self.text(where, tag, max_length=MAX_NAME_LENGTH, blank=False)
            if text is None:
                continue
            if any(c.isspace() for c in text):
                self.add(where, "invalid_tag", "a tag has no white space")
            elif text in seen:
                self.add(where, "duplicate", "the tag is given twice")
            seen.add(text)
        return [tag for tag in value if isinstance(tag, str)]

    def fields(self, value: object) -> dict[str, FieldValue] | None:
        path = "$.fields"
        form = self.form
        if not isinstance(value, Mapping):
            self.wrong_type(path, "an object", value)
            return None
        if len(value) > form.max_fields:
            self.add(path, "too_many", f"at most {form.max_fields} fields (got {len(value)})")
            return None
        self.keys(path, value, form.field_names, "not a field of this form")
        for name in sorted(name for name in form.required_fields if name not in value):
            self.add(child(path, name), "missing", "required")
        built: dict[str, FieldValue] = {}
        for name in sorted(name for name in form.field_names if name in value):
            field_value = self.field_value(child(path, name), value[name])
            if field_value is not None:
                built[name] = field_value
        return built

    def field_value(self, path: str, value: object) -> FieldValue | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return self.text(path, value, max_length=self.form.max_field_length)
        if isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                self.add(path, "not_finite", "a number must be finite")
                return None
            if not INT64_MIN <= value <= INT64_MAX:
                self.add(path, "out_of_range", "must be from -2**63 to 2**63 - 1")
                return None
            return value
        self.wrong_type(path, "a string, number or boolean", value)
        return None


def _read(walk: _Walk, payload: Mapping[object, object]) -> dict[str, object]:
    form = walk.form
    known = form.keys
    walk.keys("$", payload, known, "not a field of this form", staff=_STAFF_KEYS)
    for key in sorted(key for key in form.required_keys if key not in payload):
        walk.add(child("$", key), "missing", "required")

    data: dict[str, object] = {"channel": Channel.WEB.value}
    if "subject" in payload:
        data["subject"] = walk.text(
            "$.subject",
            payload["subject"],
            max_length=form.max_subject_length,
            blank=False,
            single_line=True,
        )
    if "description" in payload:
        data["description"] = walk.text(
            "$.description",
            payload["description"],
            max_length=form.max_description_length,
            blank=not form.require_description,
        )
    if "requester" in payload:
        data["requester"] = walk.requester(payload["requester"])
    readers = {
        "kind": lambda v: walk.choice("$.kind", v, _values(form.kinds), "unknown_kind"),
        "category": lambda v: walk.choice("$.category", v, form.categories, "unknown_category"),
        "priority": lambda v: walk.choice("$.priority", v, form.priorities, "unknown_priority"),
        "impact": lambda v: walk.level("$.impact", v),
        "urgency": lambda v: walk.level("$.urgency", v),
        "tags": walk.tags,
        "fields": walk.fields,
    }
    for key, read in readers.items():
        if key in known and key in payload:
            data[key] = read(payload[key])
    return data


def _values(kinds: frozenset[TicketKind]) -> frozenset[str]:
    return frozenset(kind.value for kind in kinds)


def parse_form(payload: object, *, form: FormSpec | None = None) -> NewTicket:
    """Return the :class:`NewTicket` a web form's payload asks for.

    The payload is what ``json.loads`` returns for the form's JSON body (the shape
    :func:`form_schema` describes). The ticket comes in on the ``web`` channel for an external
    requester.

    Args:
        payload: Any JSON-like value; anything but an object of the form's keys is refused.
        form: What the form accepts; ``FormSpec()`` if not given.

    Returns:
        The submission, for :meth:`ticketflow.Desk.submit` (which still checks the actor).

    Raises:
        IntakeError: Every problem with the payload, each with its path (``$.requester.email``)
            and code: ``missing``, ``wrong_type``, ``too_long``, ``empty``, ``not_single_line``,
            ``invalid_text``, ``not_an_email``, ``unknown_field``, ``unknown_category``,
            ``unknown_kind``, ``unknown_priority``, ``out_of_range``, ``too_many``,
            ``invalid_tag``, ``duplicate`` or ``not_finite``.
        InvalidValueError: ``form`` is not a :class:`FormSpec`.

    .. versionadded:: 0.1
    """
    given: object = FormSpec() if form is None else form
    if not isinstance(given, FormSpec):
        raise InvalidValueError("form", given, "must be a FormSpec")
    if not isinstance(payload, Mapping):
        raise IntakeError(
            [IntakeProblem("$", "wrong_type", f"must be an object, got {kind_of(payload)}")]
        )
    walk = _Walk(given)
    data = _read(walk, payload)
    if walk.problems:
        raise IntakeError(walk.problems)
    try:
        return from_primitive(data, NewTicket)
    except DeserializationError as error:
        # The walk checks what the value types check; this is the last line, not the first.
        raise IntakeError(
            IntakeProblem(path, "invalid_value", message) for path, message in error.errors
        ) from error
