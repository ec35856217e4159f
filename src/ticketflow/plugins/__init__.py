"""Plugins: strategies registered by kind and name, explicitly or from installed packages.

A :class:`StrategyRegistry` holds strategies (categorizers, priority modifiers, priority
policies, routers, and kinds a host adds) by kind and name, and checks each when it registers:
a valid, unique name and the kind's methods, callable as the kind calls them. :func:`discover`
registers what installed distributions declare in the entry-point group
``ticketflow.strategies``; the environment variable ``TICKETFLOW_NO_PLUGINS`` turns that off.
A refused plugin raises :class:`~ticketflow.exceptions.PluginError`, naming it.

Nothing here runs on ``import ticketflow``: a host discovers plugins when it chooses to.

.. versionadded:: 0.2
"""

from .._public import publish as _publish
from ._discovery import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from ._discovery import NO_PLUGINS_VARIABLE as NO_PLUGINS_VARIABLE
from ._discovery import DiscoveryReport as DiscoveryReport
from ._discovery import discover as discover
from ._registry import STRATEGY_KINDS as STRATEGY_KINDS
from ._registry import StrategyRegistry as StrategyRegistry

__all__ = [
    "ENTRY_POINT_GROUP",
    "NO_PLUGINS_VARIABLE",
    "STRATEGY_KINDS",
    "DiscoveryReport",
    "StrategyRegistry",
    "discover",
]

_publish(globals(), __all__, __name__)
