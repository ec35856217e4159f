"""A webhook dispatcher process for the crash test: ``python _dispatcher_child.py PATH URL``.

Opens the SQLite store at PATH, prints ``started``, and runs one pass delivering its outbox to
URL (secret ``_webhook_desk.SECRET``, lease one minute); the test kills it mid-delivery.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from _webhook_desk import SECRET

from ticketflow.storage import SQLiteTicketStore
from ticketflow.webhooks import WebhookDispatcher, WebhookEndpoint


def main(path: str, url: str) -> None:
    with SQLiteTicketStore(path) as store:
        endpoint = WebhookEndpoint(url, SECRET, timeout=60)
        dispatcher = WebhookDispatcher(store, [endpoint], lease=timedelta(minutes=1))
        sys.stdout.write("started\n")
        sys.stdout.flush()
        dispatcher.run_once()


if __name__ == "__main__":
    main(*sys.argv[1:])
