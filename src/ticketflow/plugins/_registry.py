"""Strategies by kind and name, each checked when it registers rather than when first called.

A kind (``categorizer``, ``router``, ...) is a table of the methods its protocol requires, each
with the positional parameters it is called with. Registering checks the name, that the name
is free, and that the strategy has every method, callable with those arguments: a plugin that
would fail on the first ticket fails at start-up instead, with an error that names it.
"""

from __future__ import annotations

import inspect
import keyword
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, overload

import attrs

from .._shown import shown
from .._values import MAX_NAME_LENGTH, text_problem
from ..exceptions import InvalidValueError, PluginError, UnknownStrategyError

if TYPE_CHECKING:
    import ticketflow.triage

    from ..triage import Categorizer, PriorityModifier, PriorityPolicy

__all__ = ["STRATEGY_KINDS", "StrategyRegistry"]

Methods = Mapping[str, tuple[str, ...]]
"""A protocol as the registry checks it: each method's name and its positional parameters."""


def _frozen(methods: Mapping[str, Sequence[str]]) -> Methods:
    return MappingProxyType({method: tuple(params) for method, params in methods.items()})


STRATEGY_KINDS: Final[Mapping[str, Methods]] = MappingProxyType(
    {
        "categorizer": _frozen({"categorize": ("ticket",)}),
        "priority_modifier": _frozen({"modify": ("ticket", "level", "top")}),
        "priority_policy": _frozen({"prioritize": ("ticket",)}),
        "router": _frozen({"route": ("ticket", "context")}),
    }
)
"""The kinds every registry starts with: each kind's methods and their positional parameters.

``categorizer`` is :class:`~ticketflow.triage.Categorizer`, ``priority_modifier``
:class:`~ticketflow.triage.PriorityModifier`, ``priority_policy``
:class:`~ticketflow.triage.PriorityPolicy` and ``router`` :class:`~ticketflow.triage.Router`.
"""

# A kind is the part of an entry point's name before the colon: it can hold no colon itself.
_KIND: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
_LONGEST_DETAIL: Final = 300


@attrs.frozen
class _Entry:
    strategy: object
    plugin: str | None
    distribution: str | None

    def origin(self) -> str:
        if self.plugin is None:
            return "registered explicitly"
        found_in = f" in {self.distribution}" if self.distribution is not None else ""
        return f"from entry point {self.plugin}{found_in}"


def _described(error: BaseException) -> str:
    # A plugin's exception must not break the error that reports it (str() may raise too).
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 - any failure of a foreign __str__ is just that
        text = ""
    text = " ".join(text.split())
    if len(text) > _LONGEST_DETAIL:
        text = text[: _LONGEST_DETAIL - 3] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _plain(signature: inspect.Signature) -> str:
    # The parameters as a reader compares them with the call: names, stars and defaults.
    empty = inspect.Parameter.empty
    bare = [param.replace(annotation=empty) for param in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=empty))


def _protocol_problems(strategy: object, methods: Methods) -> list[str]:
    """Return what keeps ``strategy`` from having every method, callable as the kind calls it."""
    problems: list[str] = []
    for method, params in methods.items():
        call = f"{method}({', '.join(params)})"
        try:
            attribute = getattr(strategy, method)
        except AttributeError:
            problems.append(f"has no {method}() method")
            continue
        except Exception as error:  # noqa: BLE001 - a foreign property may raise anything
            problems.append(f"reading its {method} attribute raised {_described(error)}")
            continue
        if not callable(attribute):
            problems.append(f"its {method} is not callable")
            continue
        try:
            signature = inspect.signature(attribute)
        except Exception:  # noqa: BLE001, S112 - no signature to read (a builtin): cannot check
            continue
        try:
            signature.bind(*params)
        except TypeError:
            problems.append(f"its {method}{_plain(signature)} cannot be called as {call}")
    return problems


def _resolved(candidate: object, methods: Methods) -> tuple[object, str, Exception | None]:
    """Return the strategy ``candidate`` stands for, or what is wrong with it and why.

    ``candidate`` is the strategy when it has the methods and is not a class; otherwise, if
    callable, it is a factory: called once, with no arguments, for the strategy.
    """
    if not isinstance(candidate, type):
        problems = _protocol_problems(candidate, methods)
        if not problems:
            return candidate, "", None
        if not callable(candidate):
            return candidate, "; ".join(problems), None
        first = f"{'; '.join(problems)}, and calling it as a factory"
    else:
        first = "calling the class as a factory"
    try:
        made = candidate()
    except Exception as error:  # noqa: BLE001 - a plugin's factory may raise anything
        return candidate, f"{first} with no arguments raised {_described(error)}", error
    problems = _protocol_problems(made, methods)
    if problems:
        return made, f"its factory returned {shown(made)}, which " + "; ".join(problems), None
    return made, "", None


class StrategyRegistry:
    """Strategies (categorizers, routers, ...) by kind and name, each checked as it registers.

    A registry starts with the kinds in :data:`STRATEGY_KINDS`; :meth:`register_kind` adds
    others. :func:`~ticketflow.plugins.discover` fills it from installed plugins, and a host may
    :meth:`register` its own beside them. A registry is safe to share between threads.

    .. versionadded:: 0.2
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._kinds: dict[str, Methods] = dict(STRATEGY_KINDS)
        self._entries: dict[str, dict[str, _Entry]] = {kind: {} for kind in self._kinds}

    def __repr__(self) -> str:
        with self._lock:
            parts = [f"{kind}={sorted(entries)!r}" for kind, entries in self._entries.items()]
        return f"StrategyRegistry({', '.join(parts)})"

    def kinds(self) -> tuple[str, ...]:
        """Return the kinds this registry knows, sorted."""
        with self._lock:
            return tuple(sorted(self._kinds))

    def methods(self, kind: str) -> Methods:
        """Return the methods a strategy of ``kind`` must have, with their positional parameters.

        Raises:
            InvalidValueError: ``kind`` is no kind this registry knows.
        """
        with self._lock:
            return self._kinds[self._known_kind(kind)]

    def register_kind(self, kind: str, methods: Mapping[str, Iterable[str]]) -> None:
        """Add a kind of strategy: the methods its protocol requires, with their parameters.

        Args:
            kind: Lower-case letters, digits and underscores, starting with a letter (it is the
                part of an entry point's name before the colon).
            methods: Each required method's name and the names of the positional parameters it
                is called with, e.g. ``{"targets": ("ticket",)}``.

        Raises:
            InvalidValueError: ``kind`` is not such a name or is already known, or ``methods``
                is empty or not a mapping of method names to parameter names.
        """
        if type(kind) is not str or not _KIND.match(kind) or len(kind) > MAX_NAME_LENGTH:
            raise InvalidValueError(
                "kind", kind, "must be lower-case letters, digits and _, starting with a letter"
            )
        table = _methods_table(methods)
        with self._lock:
            if kind in self._kinds:
                raise InvalidValueError("kind", kind, "is already a kind of strategy")
            self._kinds[kind] = table
            self._entries[kind] = {}

    def register(
        self,
        kind: str,
        name: str,
        strategy: object,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
    ) -> None:
        """Check a strategy and register it as ``name`` among the strategies of ``kind``.

        Args:
            kind: One of :meth:`kinds`, e.g. ``categorizer``.
            name: Its name within the kind: one line of text, at most 256 characters, with no
                whitespace at either end; unique within the kind.
            strategy: An object with the kind's methods, or a factory: a class, or a callable
                without those methods, called once here with no arguments for the strategy
                (while the registry is locked: a factory should be quick).
            plugin: Where it came from (an entry point's ``module:attr``), named in errors.
            distribution: The distribution that declared it, named in errors.

        Raises:
            PluginError: The kind is unknown, the name is not valid or already taken in the
                kind, the factory raised, or the strategy lacks a method or a method cannot be
                called with the kind's arguments. Nothing was registered.
        """
        for field, value in (("plugin", plugin), ("distribution", distribution)):
            if value is not None and type(value) is not str:
                raise InvalidValueError(field, value, "must be a string or None")
        shown_kind = kind if type(kind) is str else shown(kind)
        shown_name = name if type(name) is str else shown(name)

        def refuse(problem: str) -> PluginError:
            return PluginError(
                shown_kind, shown_name, problem, plugin=plugin, distribution=distribution
            )

        with self._lock:
            if type(kind) is not str or kind not in self._kinds:
                raise refuse(f"no such kind of strategy (kinds: {', '.join(sorted(self._kinds))})")
            problem = _name_problem(name)
            if problem is not None:
                raise refuse(f"the name {problem}")
            entries = self._entries[kind]
            if name in entries:
                raise refuse(f"the name is taken ({entries[name].origin()})")
            made, problem, cause = _resolved(strategy, self._kinds[kind])
            if problem:
                raise refuse(problem) from cause
            if name in entries:  # its own factory registered the name meanwhile
                raise refuse(f"the name is taken ({entries[name].origin()})")
            entries[name] = _Entry(made, plugin, distribution)

    def names(self, kind: str) -> tuple[str, ...]:
        """Return the names registered for ``kind``, sorted.

        Raises:
            InvalidValueError: ``kind`` is no kind this registry knows.
        """
        with self._lock:
            return tuple(sorted(self._entries[self._known_kind(kind)]))

    @overload
    def get(self, kind: Literal["categorizer"], name: str) -> Categorizer: ...
    @overload
    def get(self, kind: Literal["priority_modifier"], name: str) -> PriorityModifier: ...
    @overload
    def get(self, kind: Literal["priority_policy"], name: str) -> PriorityPolicy: ...
    @overload
    def get(self, kind: Literal["router"], name: str) -> ticketflow.triage.Router: ...
    @overload
    def get(self, kind: str, name: str) -> object: ...
    def get(self, kind: str, name: str) -> object:
        """Return the strategy of ``kind`` registered as ``name``.

        For the kinds in :data:`STRATEGY_KINDS` the result is typed as the kind's protocol,
        so ``Triage(categorizer=registry.get("categorizer", "keywords"), ...)`` type-checks.

        Raises:
            UnknownStrategyError: No such kind, or nothing registered as ``name`` in it; the
                error lists what there is.
        """
        shown_kind = kind if type(kind) is str else shown(kind)
        shown_name = name if type(name) is str else shown(name)
        with self._lock:
            if type(kind) is not str or kind not in self._entries:
                raise UnknownStrategyError(
                    shown_kind, shown_name, sorted(self._kinds), kind_known=False
                )
            entries = self._entries[kind]
            if type(name) is not str or name not in entries:
                raise UnknownStrategyError(kind, shown_name, sorted(entries))
            return entries[name].strategy

    def _known_kind(self, kind: object) -> str:
        if type(kind) is not str or kind not in self._kinds:
            raise InvalidValueError(
                "kind", kind, f"no such kind of strategy (kinds: {', '.join(sorted(self._kinds))})"
            )
        return kind


def _name_problem(name: object) -> str | None:
    problem = text_problem(name, empty=False, single_line=True, max_length=MAX_NAME_LENGTH)
    if problem is None and isinstance(name, str) and name != name.strip():
        # Entry point names lose surrounding whitespace: " keywords" would shadow "keywords".
        problem = "must not start or end with whitespace"
    return problem


def _methods_table(methods: object) -> Methods:
    if not isinstance(methods, Mapping) or not methods:
        raise InvalidValueError("methods", methods, "must be a non-empty mapping")
    table: dict[str, tuple[str, ...]] = {}
    for method, params in methods.items():
        if type(method) is not str or not method.isidentifier() or keyword.iskeyword(method):
            raise InvalidValueError("methods", method, "a method name must be an identifier")
        if isinstance(params, str | bytes) or not isinstance(params, Iterable):
            raise InvalidValueError(
                f"methods[{method!r}]", params, "must be the names of its positional parameters"
            )
        names = tuple(params)
        for param in names:
            if type(param) is not str or not param.isidentifier() or keyword.iskeyword(param):
                raise InvalidValueError(
                    f"methods[{method!r}]", param, "a parameter name must be an identifier"
                )
        table[method] = names
    return MappingProxyType(table)
