"""Local HTTP servers for tests of what warta sends (hubs, IndexNow, the AMP cache).

Each answers on 127.0.0.1 from a thread, with a status the test scripts one request at a time.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StatusScript:
    """The statuses to answer with, one per request, then the last one for good."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


class LocalServers:
    """Servers started by one test, all shut down when it ends."""

    def __init__(self) -> None:
        self._running: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(self, handler: type[BaseHTTPRequestHandler]) -> str:
        """Serve `handler` on a free port; the base URL (no trailing slash)."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self._running.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}"

    def stop_all(self) -> None:
        for server, thread in self._running:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._running.clear()


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that keeps the test output free of access logs."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
