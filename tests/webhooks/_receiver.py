"""A webhook receiver on 127.0.0.1 for the HTTP tests: answers from a script, records requests.

Each request takes the next scripted answer: an HTTP status, ``"hang"`` (answer nothing until
:meth:`Receiver.release` is called or the server stops), or ``"redirect"`` (a 307 to
``/elsewhere``). When the script runs out it answers 200.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs

Answer = int | str


@attrs.frozen
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, script: Iterable[Answer]) -> None:
        self._script = list(script)
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self.arrived = threading.Event()  # set when any request has arrived
        self._released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    answer = receiver._script.pop(0) if receiver._script else 200
                receiver.arrived.set()
                if answer == "hang":
                    receiver._released.wait(30)
                    return
                if answer == "redirect":
                    self.send_response(307)
                    self.send_header("location", "/elsewhere")
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                assert isinstance(answer, int)
                self.send_response(answer)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def release(self) -> None:
        self._released.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@contextmanager
def receiving(script: Iterable[Answer] = ()) -> Iterator[Receiver]:
    receiver = Receiver(script)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
