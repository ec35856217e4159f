"""Workers: ``python -m ticketflow worker`` ticks and delivers the outbox, many at once.

A worker opens the store (a SQLite file or a ``postgresql://`` URL), calls the host's
configuration hook (``--config MODULE:CALLABLE``) with it for a :class:`WorkerSetup` (the desk
to tick and the outbox's consumers), and then, every ``--tick-every``, runs
:meth:`Desk.tick <ticketflow.Desk.tick>` and, with ``--dispatch``, delivers the outbox, each
in batches until nothing is left for now. Any number of workers on any number of machines may
share one store: ticks claim their tickets (:class:`~ticketflow.storage.DueClaims`) and
deliveries their messages, each for a lease, so no two work on the same thing while the lease
holds; a worker that dies leaves its claims to lapse, and the others take them then. SIGTERM
or SIGINT lets the batch at hand finish, then the worker exits 0; a second signal stops it at
once. See the deployment guide (``docs/deployment.md``).

.. versionadded:: 0.2
"""

from .._public import publish as _publish
from ._setup import WorkerSetup as WorkerSetup

__all__ = ["WorkerSetup"]

_publish(globals(), __all__, __name__)
