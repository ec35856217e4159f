"""One standard category: a stable code for reporting, a label for people, a place in the tree."""

from __future__ import annotations

import re
from typing import Final

import attrs

from .._values import MAX_NAME_LENGTH, check_name, validator
from ..exceptions import InvalidValueError

__all__ = ["UNCATEGORIZED", "Category", "check_code", "code_problem"]

UNCATEGORIZED: Final = "uncategorized"
"""The category of a ticket that no rule places: a person decides. No taxonomy defines it."""

_CODE: Final = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:/[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*")


def code_problem(value: object) -> str | None:
    """Return what keeps ``value`` from being a category code, or ``None`` if nothing does.

    A code is one or more segments joined by ``/`` (``delivery/late``); a segment is lower-case
    ASCII letters and digits, with ``-`` or ``_`` inside. Codes are what reports group by, so
    they are plain and case-exact: ``Delivery`` is malformed rather than a second bucket.
    """
    if not isinstance(value, str):
        return "a category code is a string"
    if len(value) > MAX_NAME_LENGTH:
        return f"a category code has at most {MAX_NAME_LENGTH} characters"
    if _CODE.fullmatch(value) is None:
        return (
            "a category code is lower-case ASCII segments joined by '/' (letters, digits,"
            " '-' or '_' inside), e.g. 'delivery/late'"
        )
    return None


def check_code(field: str, value: object) -> str:
    """Return ``value`` if it is a well-formed category code (see :func:`code_problem`).

    Raises:
        InvalidValueError: It is not.
    """
    problem = code_problem(value)
    if problem is not None:
        raise InvalidValueError(field, value, problem)
    return value  # type: ignore[return-value]


def _optional_code(_: object, __: object, value: str | None) -> None:
    if value is not None:
        check_code("parent", value)


@attrs.frozen
class Category:
    """A standard category of a :class:`Taxonomy`.

    Attributes:
        code: The stable code reports group by, e.g. ``delivery/late``.
        label: What people read, e.g. ``Late delivery``.
        parent: The enclosing category. A code with a path (``delivery/late``) has its path
            as parent (``delivery``), given or not; a one-segment code may name any parent.

    Raises:
        InvalidValueError: A malformed code or label, a parent other than the code's path,
            or a category that is its own parent.

    .. versionadded:: 0.2
    """

    code: str = attrs.field(validator=validator(check_code, "code"))
    label: str = attrs.field(validator=validator(check_name, "label"))
    parent: str | None = attrs.field(default=None, validator=_optional_code)

    def __attrs_post_init__(self) -> None:
        path = self.code.rpartition("/")[0] or None
        if self.code == UNCATEGORIZED:
            raise InvalidValueError("code", self.code, "is reserved for 'a person decides'")
        if path is not None and self.parent is None:
            object.__setattr__(self, "parent", path)
        elif path is not None and self.parent != path:
            raise InvalidValueError("parent", self.parent, f"the parent of {self.code} is {path}")
        elif self.parent == self.code:
            raise InvalidValueError("parent", self.parent, "a category is not its own parent")
