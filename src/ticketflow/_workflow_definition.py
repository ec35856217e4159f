"""Reading a workflow definition: every problem found in one pass, each named.

A definition arrives from host code or a configuration file, so anything may be in it: a string
where a collection of statuses is meant (``initial="new"`` must not become ``n, e, w``), a key
that is not a ``(source, target)`` pair, a check that is not callable. Each is reported as a
problem of the :class:`~ticketflow.exceptions.WorkflowDefinitionError`, never as the
``TypeError`` or unpacking ``ValueError`` it would otherwise become.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeAlias

import attrs

from ._actors import Role
from ._shown import shown
from ._status import as_status
from ._value_methods import value_repr
from ._values import text_problem
from .exceptions import WorkflowDefinitionError

__all__ = ["ANY", "EdgeKey", "Parsed", "parse_definition"]

ANY: Final = "*"
"""The wildcard in role and check keys: ``("*", "closed")`` is every edge into ``closed``."""

EdgeKey: TypeAlias = tuple[str, str]
_MAX_STATUS: Final = 64


@attrs.frozen
class Parsed:
    """A definition that passed every check, normalized."""

    __repr__ = value_repr

    name: str
    statuses: tuple[str, ...]
    initial: tuple[str, ...]
    edges: dict[str, frozenset[str]]
    roles: dict[EdgeKey, frozenset[Role]]
    checks: dict[EdgeKey, tuple[tuple[str, Callable[..., Any]], ...]]
    reopen: frozenset[EdgeKey]


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def status(self, where: str, value: object) -> str | None:
        problem = text_problem(value, empty=False, single_line=True, max_length=_MAX_STATUS)
        if problem is not None:
            self.problems.append(f"{where}: {shown(value)} is not a status name ({problem})")
            return None
        return as_status(value)  # type: ignore[arg-type]

    def collection(self, where: str, value: object) -> list[object]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            self.problems.append(f"{where}: must be a collection of statuses, not {shown(value)}")
            return []
        return list(value)

    def statuses(self, where: str, value: object) -> tuple[str, ...]:
        found = [
            self.status(f"{where}[{i}]", s) for i, s in enumerate(self.collection(where, value))
        ]
        return tuple(dict.fromkeys(s for s in found if s is not None))

    def key(self, where: str, key: object) -> EdgeKey | None:
        if not isinstance(key, tuple) or len(key) != 2:  # noqa: PLR2004
            self.problems.append(f"{where}: a key is a (source, target) pair, not {shown(key)}")
            return None
        source, target = (self.status(f"{where}{shown(key)}", part) for part in key)
        if source is None or target is None:
            return None
        return source, target

    def mapping(self, where: str, value: object) -> list[tuple[object, object]]:
        if value is None:
            return []
        if not isinstance(value, Mapping):
            self.problems.append(f"{where}: must be a mapping, not {shown(value)}")
            return []
        return list(value.items())

    def roles(
        self, roles: object, rule_key: Callable[[str, object], EdgeKey | None]
    ) -> dict[EdgeKey, frozenset[Role]]:
        found: dict[EdgeKey, frozenset[Role]] = {}
        for key, allowed in self.mapping("roles", roles):
            checked = rule_key("roles", key)
            parsed: set[Role] = set()
            listed: Iterable[object] = ()
            if isinstance(allowed, str | bytes) or not isinstance(allowed, Iterable):
                self.problems.append(
                    f"roles[{shown(key)}]: must be a collection of roles, not {shown(allowed)}"
                )
            else:
                listed = allowed
            for role in listed:
                try:
                    parsed.add(Role(role))  # type: ignore[arg-type]
                except (ValueError, TypeError):
                    self.problems.append(f"roles[{shown(key)}]: unknown role {shown(role)}")
            if checked is not None:
                found[checked] = frozenset(parsed)
        return found

    def checks(
        self, checks: object, rule_key: Callable[[str, object], EdgeKey | None]
    ) -> dict[EdgeKey, tuple[tuple[str, Callable[..., Any]], ...]]:
        found: dict[EdgeKey, tuple[tuple[str, Callable[..., Any]], ...]] = {}
        for key, named in self.mapping("checks", checks):
            checked = rule_key("checks", key)
            good: list[tuple[str, Callable[..., Any]]] = []
            for check_name, check in self.mapping(f"checks[{shown(key)}]", named):
                if text_problem(check_name, empty=False, single_line=True, max_length=200):
                    self.problems.append(
                        f"checks[{shown(key)}]: {shown(check_name)} is not a check name"
                    )
                elif not callable(check):
                    self.problems.append(
                        f"checks[{shown(key)}][{shown(check_name)}] is not callable"
                    )
                else:
                    good.append((check_name, check))  # type: ignore[arg-type]
            if checked is not None:
                found[checked] = tuple(good)
        return found

    def reopen(self, reopen: object, graph: Mapping[str, frozenset[str]]) -> frozenset[EdgeKey]:
        found: set[EdgeKey] = set()
        if isinstance(reopen, str | bytes) or not isinstance(reopen, Iterable):
            self.problems.append(
                f"reopen: must be a collection of (source, target) pairs, not {shown(reopen)}"
            )
            return frozenset()
        for key in reopen:
            checked = self.key(f"reopen[{shown(key)}]", key)
            if checked is None:
                continue
            if checked[1] not in graph.get(checked[0], frozenset()):
                self.problems.append(
                    f"reopen[{shown(key)}]: {checked[0]} -> {checked[1]} is not an edge"
                )
            else:
                found.add(checked)
        return frozenset(found)


def parse_definition(  # noqa: C901 - one pass that lists every problem
    *,
    statuses: object,
    edges: object,
    initial: object,
    roles: object,
    checks: object,
    reopen: object,
    name: object,
) -> Parsed:
    """Return the checked definition, or raise listing every problem.

    Raises:
        WorkflowDefinitionError: Lists every problem found.
    """
    read = _Reader()
    if text_problem(name, empty=False, single_line=True, max_length=200) is not None:
        read.problems.append(f"name: {shown(name)} is not a one-line name")
        name = "workflow"
    known_list = read.statuses("statuses", statuses)
    known = frozenset(known_list)
    table: dict[str, frozenset[str]] = {}
    for source, targets in read.mapping("edges", edges):
        checked = read.status("edges", source)
        found = read.statuses(f"edges[{shown(source)}]", targets)
        if checked is not None:
            table[checked] = frozenset(found)
    unknown = sorted((set(table) | {t for ts in table.values() for t in ts}) - known)
    if unknown:
        read.problems.append(f"edges name unknown statuses: {', '.join(unknown)}")
    first = read.statuses("initial", initial)
    if not first and not isinstance(initial, str):
        read.problems.append("no initial status")
    bad_initial = [s for s in first if s not in known]
    if bad_initial:
        read.problems.append(f"unknown initial statuses: {', '.join(bad_initial)}")
    graph = {s: table.get(s, frozenset()) & known for s in known_list}
    _shape_problems(read.problems, known_list, first, graph)

    def rule_key(what: str, key: object) -> EdgeKey | None:
        checked = read.key(f"{what}[{shown(key)}]", key)
        if checked is None:
            return None
        source, target = checked
        names = [s for s in checked if s != ANY and s not in known]
        if names:
            read.problems.append(f"{what}[{shown(key)}] names unknown statuses: {', '.join(names)}")
        elif ANY not in checked and target not in graph.get(source, frozenset()):
            read.problems.append(f"{what}[{shown(key)}]: {source} -> {target} is not an edge")
        return checked

    role_rules = read.roles(roles, rule_key)
    check_rules = read.checks(checks, rule_key)
    reopen_edges = read.reopen(reopen, graph)
    if read.problems:
        raise WorkflowDefinitionError(read.problems)
    return Parsed(
        name=name,  # type: ignore[arg-type]
        statuses=known_list,
        initial=first,
        edges=graph,
        roles=role_rules,
        checks=check_rules,
        reopen=reopen_edges,
    )


def _shape_problems(
    problems: list[str],
    statuses: tuple[str, ...],
    initial: tuple[str, ...],
    graph: Mapping[str, frozenset[str]],
) -> None:
    terminal = frozenset(s for s, ts in graph.items() if not ts)
    reachable = _closure(initial, graph)
    unreachable = [s for s in statuses if s not in reachable]
    if unreachable and initial:
        problems.append(
            f"unreachable from the initial statuses ({', '.join(initial)}):"
            f" {', '.join(unreachable)}"
        )
    if not terminal:
        if statuses:
            problems.append("no terminal status: every status has an outgoing edge")
        else:
            problems.append("no statuses")
        return
    reverse: dict[str, set[str]] = {s: set() for s in statuses}
    for source, targets in graph.items():
        for target in targets:
            reverse[target].add(source)
    finishing = _closure(terminal, reverse)
    stuck = [s for s in statuses if s not in finishing]
    if stuck:
        problems.append(f"no way to a terminal status from: {', '.join(stuck)}")


def _closure(start: Iterable[str], graph: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
