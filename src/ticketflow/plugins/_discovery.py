"""Finding installed plugins: the entry points of the group ``ticketflow.strategies``.

An entry point is named ``kind:name`` (``categorizer:keywords``) and refers to a strategy or to
a factory for one (``my_package.triage:KeywordCategorizer``). Each is loaded and registered in
turn, sorted by name, so two installs of the same plugins register alike; each is checked as it
registers. Setting ``TICKETFLOW_NO_PLUGINS`` turns discovery off without uninstalling anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, Literal

from .._values import MAX_NAME_LENGTH, check_bool, check_name, check_text
from ..exceptions import InvalidValueError, PluginError
from ._registry import StrategyRegistry, _described

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

__all__ = ["ENTRY_POINT_GROUP", "NO_PLUGINS_VARIABLE", "DiscoveryReport", "discover"]

ENTRY_POINT_GROUP: Final = "ticketflow.strategies"
"""The entry-point group plugins declare their strategies in."""

NO_PLUGINS_VARIABLE: Final = "TICKETFLOW_NO_PLUGINS"
"""The environment variable that turns discovery off: set to anything but empty or ``0``."""


def _entry_point_names(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("registered", value, "must be a collection of entry point names")
    # An entry point's name is a kind and a name, each at most MAX_NAME_LENGTH long.
    longest = 2 * MAX_NAME_LENGTH + 1
    return tuple(
        check_text("registered", name, empty=False, single_line=True, max_length=longest)
        for name in value
    )


def _plugin_errors(value: object) -> tuple[PluginError, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidValueError("failed", value, "must be a collection of PluginErrors")
    errors = tuple(value)
    for error in errors:
        if not isinstance(error, PluginError):
            raise InvalidValueError("failed", error, "must be a PluginError")
    return errors


class DiscoveryReport:
    """What one :func:`discover` pass did.

    Not a JSON value, unlike ticketflow's attrs types: it holds the errors themselves, with
    their causes, for a host to log or raise. Its parts are read-only properties.

    Raises:
        InvalidValueError: A part is not of its kind.

    .. versionadded:: 0.2
    """

    __slots__ = ("_disabled", "_failed", "_registered")

    def __init__(
        self,
        registered: Iterable[str] = (),
        failed: Iterable[PluginError] = (),
        disabled: bool = False,
    ) -> None:
        self._registered = _entry_point_names(registered)
        self._failed = _plugin_errors(failed)
        self._disabled = check_bool("disabled", disabled)

    @property
    def registered(self) -> tuple[str, ...]:
        """The entry points registered, by name (``kind:name``), in the order tried."""
        return self._registered

    @property
    def failed(self) -> tuple[PluginError, ...]:
        """One error per entry point refused, in the order tried (only with ``errors="collect"``).

        Each names the entry point, its distribution, and what is wrong.
        """
        return self._failed

    @property
    def disabled(self) -> bool:
        """Whether :data:`NO_PLUGINS_VARIABLE` turned discovery off (then nothing was read)."""
        return self._disabled

    def _key(self) -> tuple[tuple[str, ...], tuple[int, ...], bool]:
        return self._registered, tuple(id(error) for error in self._failed), self._disabled

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DiscoveryReport):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"DiscoveryReport(registered={self._registered!r}, failed={self._failed!r},"
            f" disabled={self._disabled!r})"
        )


def _disabled() -> bool:
    """Return whether :data:`NO_PLUGINS_VARIABLE` is set to turn discovery off."""
    return os.environ.get(NO_PLUGINS_VARIABLE, "").strip() not in {"", "0"}


def discover(
    registry: StrategyRegistry,
    *,
    group: str = ENTRY_POINT_GROUP,
    errors: Literal["raise", "collect"] = "raise",
) -> DiscoveryReport:
    """Register in ``registry`` every strategy that installed distributions declare in ``group``.

    Entry points are tried in order of name. One whose name is not ``kind:name``, that cannot
    be imported, or that :meth:`StrategyRegistry.register` refuses (unknown kind, name taken,
    wrong protocol) is an error naming the entry point and its distribution. Strategies that
    the host registered before keep their names: a plugin that claims one is refused. Discover
    once per registry: a second pass finds every plugin's name taken.

    Args:
        registry: Where to register what is found.
        group: The entry-point group to read; :data:`ENTRY_POINT_GROUP` unless testing.
        errors: ``"raise"`` stops at the first broken entry point (those before it stay
            registered); ``"collect"`` registers every good one and reports the others in
            :attr:`DiscoveryReport.failed`, so that a host can start and log them.

    Returns:
        What was registered and what was refused; if the environment variable
        :data:`NO_PLUGINS_VARIABLE` is set (to anything but empty or ``0``), nothing is looked at
        and the report says it was disabled.

    Raises:
        PluginError: With ``errors="raise"``, the first entry point refused.
        InvalidValueError: An argument is not of its kind.

    .. versionadded:: 0.2
    """
    if not isinstance(registry, StrategyRegistry):
        raise InvalidValueError("registry", registry, "must be a StrategyRegistry")
    check_name("group", group)
    mode: object = errors  # as given: a caller may pass anything
    if type(mode) is not str or mode not in {"raise", "collect"}:
        raise InvalidValueError("errors", errors, "must be 'raise' or 'collect'")
    if _disabled():
        return DiscoveryReport(disabled=True)

    import importlib.metadata  # noqa: PLC0415 - only discovery reads the installed metadata

    points = sorted(
        importlib.metadata.entry_points(group=group), key=lambda point: (point.name, point.value)
    )
    registered: list[str] = []
    failed: list[PluginError] = []
    for point in points:
        try:
            _register(registry, point)
        except PluginError as error:
            if errors == "raise":
                raise
            failed.append(error)
        else:
            registered.append(point.name)
    return DiscoveryReport(tuple(registered), tuple(failed))


def _register(registry: StrategyRegistry, point: EntryPoint) -> None:
    distribution = _distribution(point)
    kind, colon, name = point.name.partition(":")
    if not colon or not kind or not name:
        raise PluginError(
            kind if colon else "",
            point.name,
            f"an entry point of {point.group} must be named 'kind:name', e.g."
            " 'categorizer:keywords'",
            plugin=point.value,
            distribution=distribution,
        )
    if kind not in registry.kinds():  # refused before its code is imported
        raise PluginError(
            kind,
            name,
            f"no such kind of strategy (kinds: {', '.join(registry.kinds())})",
            plugin=point.value,
            distribution=distribution,
        )
    try:
        loaded = point.load()
    except Exception as error:
        raise PluginError(
            kind,
            name,
            f"cannot be loaded: {_described(error)}",
            plugin=point.value,
            distribution=distribution,
        ) from error
    registry.register(kind, name, loaded, plugin=point.value, distribution=distribution)


def _distribution(point: EntryPoint) -> str | None:
    # Entry points built by hand, or read from a broken METADATA, may lack either part.
    dist = point.dist
    if dist is None:
        return None
    try:
        metadata = dist.metadata
    except Exception:  # noqa: BLE001 - unreadable metadata only loses the name in errors
        return None
    if "Name" not in metadata or not metadata["Name"]:
        return None
    name = metadata["Name"]
    return f"{name} {metadata['Version']}" if "Version" in metadata else name
