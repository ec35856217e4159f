"""The taxonomy: the closed set of categories a ticket may be in, and where retired ones went."""

from __future__ import annotations

import json
import tomllib
import types
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from .._values import MAX_TEXT_LENGTH, check_key
from ..exceptions import InvalidValueError, TaxonomyError, UnknownCategoryError
from ._category import UNCATEGORIZED, Category, code_problem
from ._taxonomy_document import Problems, loads_json, read_document, toml_text

__all__ = ["Taxonomy"]

_NO_RETIRED: Final[Mapping[str, str]] = types.MappingProxyType({})


class Taxonomy:
    """A closed, hierarchical set of standard categories, with retired codes and successors.

    An unknown category is an error wherever a category enters; a ticket that nothing places
    stays :data:`UNCATEGORIZED` for a person, never in an ad-hoc bucket. A retired code still
    resolves (to its successor, following a chain of retirements), so old data and old forms
    keep working while reports use the current code.

    Args:
        categories: The categories, in any order.
        retired: Retired codes to their successors (a category, another retired code, or
            :data:`UNCATEGORIZED`).

    Raises:
        TaxonomyError: Every problem at once, each naming its codes: no category at all, a
            code defined twice, a parent not defined, a loop of parents, a code both defined
            and retired, a retired or successor code that is malformed or unknown, a loop of
            retirements, or something that is not a :class:`Category`.

    .. versionadded:: 0.2
    """

    __slots__ = ("_by_code", "_children", "_retired")

    _by_code: dict[str, Category]
    _children: dict[str | None, tuple[str, ...]]
    _retired: Mapping[str, str]

    def __init__(
        self, categories: Iterable[Category], *, retired: Mapping[str, str] | None = None
    ) -> None:
        by_code, moved, problems = _checked(categories, retired)
        if problems:
            raise TaxonomyError(problems)
        children: dict[str | None, list[str]] = {}
        for code in sorted(by_code):
            children.setdefault(by_code[code].parent, []).append(code)
        self._by_code = {code: by_code[code] for code in sorted(by_code)}
        self._children = {parent: tuple(codes) for parent, codes in children.items()}
        self._retired = (
            types.MappingProxyType(dict(sorted(moved.items()))) if moved else _NO_RETIRED
        )

    # -- reading and writing -------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Taxonomy:
        """Build a taxonomy from a parsed document (see :meth:`from_toml` for the shape).

        Raises:
            TaxonomyError: The document is malformed, or the taxonomy it holds is; every
                problem is listed.
        """
        categories, retired, problems = read_document(data)
        if problems:
            # Report the taxonomy's own problems too, so that one round of fixes is enough.
            problems.extend(_checked(categories, retired)[2])
            raise TaxonomyError(problems)
        return cls(categories, retired=retired)

    @classmethod
    def from_toml(cls, text: str) -> Taxonomy:
        """Build a taxonomy from a TOML document.

        The document has an array of tables ``[[categories]]``, each with ``code``, ``label``
        and, for a one-segment code, an optional ``parent``; and an optional table
        ``[retired]`` of retired codes to their successors.

        Raises:
            TaxonomyError: The text is not TOML, or its taxonomy is malformed.
            InvalidValueError: ``text`` is not a string, or is longer than a megabyte.
        """
        given: object = text
        if not isinstance(given, str) or len(given) > MAX_TEXT_LENGTH:
            raise InvalidValueError("text", text, "must be TOML text of at most 1 MiB")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise TaxonomyError([("$", f"not TOML: {error}")]) from None
        except RecursionError:
            raise TaxonomyError([("$", "nested too deeply to read")]) from None
        return cls.from_mapping(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> Taxonomy:
        """Build a taxonomy from a JSON document of the same shape as :meth:`from_toml`'s.

        Raises:
            TaxonomyError: The text is not JSON, repeats a key, or its taxonomy is malformed.
        """
        data = loads_json(text)
        if not isinstance(data, dict):
            raise TaxonomyError([("$", "a taxonomy document is a JSON object")])
        return cls.from_mapping(data)

    def to_mapping(self) -> dict[str, object]:
        """Return the document :meth:`from_mapping` reads back as an equal taxonomy."""
        entries: list[dict[str, str]] = []
        for category in self._by_code.values():
            entry = {"code": category.code, "label": category.label}
            if category.parent is not None and "/" not in category.code:
                entry["parent"] = category.parent
            entries.append(entry)
        document: dict[str, object] = {"categories": entries}
        if self._retired:
            document["retired"] = dict(self._retired)
        return document

    def to_toml(self) -> str:
        """Return the TOML document :meth:`from_toml` reads back as an equal taxonomy."""
        return toml_text(self._by_code.values(), self._retired)

    def to_json(self) -> str:
        """Return the JSON document :meth:`from_json` reads back as an equal taxonomy."""
        return json.dumps(self.to_mapping(), ensure_ascii=False, indent=2)

    # -- questions -----------------------------------------------------------------------------

    @property
    def categories(self) -> tuple[Category, ...]:
        """Every category, by code."""
        return tuple(self._by_code.values())

    @property
    def retired(self) -> Mapping[str, str]:
        """Every retired code and its direct successor (read-only)."""
        return self._retired

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Category:
        """Return the category ``code`` (a current code, not a retired one).

        Raises:
            UnknownCategoryError: No category has this code.
            InvalidValueError: ``code`` is not a string.
        """
        found = self._by_code.get(check_key("code", code))
        if found is None:
            raise UnknownCategoryError(code)
        return found

    def resolve(self, code: str) -> str:
        """Return the current code for ``code``: itself, or the last successor of a retired one.

        :data:`UNCATEGORIZED` resolves to itself: it is always a valid answer.

        Raises:
            UnknownCategoryError: ``code`` is neither defined nor retired.
            InvalidValueError: ``code`` is not a string.
        """
        check_key("code", code)
        while code in self._retired:
            code = self._retired[code]
        if code in self._by_code or code == UNCATEGORIZED:
            return code
        raise UnknownCategoryError(code)

    def parent(self, code: str) -> str | None:
        """Return the parent of the category ``code``, or ``None`` for a top-level one."""
        return self.get(code).parent

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Return the parent of ``code``, its parent, and so on up to a top-level category."""
        found: list[str] = []
        parent = self.get(code).parent
        while parent is not None:
            found.append(parent)
            parent = self._by_code[parent].parent
        return tuple(found)

    def children(self, code: str | None) -> tuple[str, ...]:
        """Return the categories directly under ``code`` (``None``: the top-level ones)."""
        if code is not None:
            self.get(code)
        return self._children.get(code, ())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Taxonomy):
            return NotImplemented
        return self._by_code == other._by_code and dict(self._retired) == dict(other._retired)

    def __hash__(self) -> int:
        return hash((tuple(self._by_code.values()), tuple(self._retired.items())))

    def __repr__(self) -> str:
        return f"<Taxonomy of {len(self._by_code)} categories, {len(self._retired)} retired>"


def _checked(
    categories: object, retired: object
) -> tuple[dict[str, Category], dict[str, str], Problems]:
    problems: Problems = []
    by_code = _collect(categories, problems)
    moved = _check_retired(retired, by_code, problems)
    _check_parents(by_code, problems)
    return by_code, moved, problems


def _collect(categories: object, problems: Problems) -> dict[str, Category]:
    if isinstance(categories, str | bytes | Mapping) or not isinstance(categories, Iterable):
        problems.append(("categories", "must be a collection of Category values"))
        return {}
    by_code: dict[str, Category] = {}
    twice: set[str] = set()
    for index, category in enumerate(categories):
        if type(category) is not Category:
            problems.append((f"categories[{index}]", "must be a Category"))
        elif category.code in by_code:
            twice.add(category.code)
        else:
            by_code[category.code] = category
    problems.extend((code, "is defined more than once") for code in sorted(twice))
    if not by_code and not problems:
        problems.append(("categories", "a taxonomy has at least one category"))
    return by_code


def _check_parents(by_code: Mapping[str, Category], problems: Problems) -> None:
    for code, category in by_code.items():
        if category.parent is not None and category.parent not in by_code:
            problems.append((code, f"its parent {category.parent} is not defined"))
    parents = {code: c.parent for code, c in by_code.items() if c.parent is not None}
    problems.extend(
        (loop[0], "its parents loop: " + " -> ".join([*loop, loop[0]])) for loop in _loops(parents)
    )


def _check_retired(
    retired: object, by_code: Mapping[str, Category], problems: Problems
) -> dict[str, str]:
    if retired is None:
        return {}
    if not isinstance(retired, Mapping):
        problems.append(("retired", "must map retired codes to their successors"))
        return {}
    moved: dict[str, str] = {}
    for old, new in retired.items():
        where = old if isinstance(old, str) else "retired"
        problem = code_problem(old) or _successor_problem(new, retired, by_code)
        if problem is None and old in by_code:
            problem = "is both defined and retired"
        if problem is None and old == UNCATEGORIZED:
            problem = "is reserved for 'a person decides' and cannot be retired"
        if problem is not None:
            problems.append((where, problem))
        else:
            moved[old] = new
    problems.extend(
        (loop[0], "its retirements loop: " + " -> ".join([*loop, loop[0]]))
        for loop in _loops(moved)
    )
    return moved


def _loops(links: Mapping[str, str]) -> list[list[str]]:
    # Each loop once, starting at its smallest code, whichever code the walk came from.
    loops: dict[str, list[str]] = {}
    for start, first_step in links.items():
        path = [start]
        step = first_step
        while step in links and step not in path:
            path.append(step)
            step = links[step]
        if step in path:
            loop = path[path.index(step) :]
            first = loop.index(min(loop))
            loops.setdefault(loop[first], loop[first:] + loop[:first])
    return [loops[code] for code in sorted(loops)]


def _successor_problem(
    new: object, retired: Mapping[object, object], by_code: Mapping[str, Category]
) -> str | None:
    problem = code_problem(new)
    if problem is not None:
        return f"successor: {problem}"
    if new not in by_code and new not in retired and new != UNCATEGORIZED:
        return f"its successor {new} is neither defined nor retired"
    return None
