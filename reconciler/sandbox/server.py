"""Serve a sandbox's ASGI app over real HTTP on 127.0.0.1, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType

import orjson
import uvicorn
from starlette.responses import JSONResponse
from starlette.types import ASGIApp

from reconciler.errors import SandboxError

HOST = "127.0.0.1"


class FastJSONResponse(JSONResponse):
    """A JSON answer encoded by orjson: a page of 10,000 campaigns took json 0.1 s, which a plan waited for."""

    def render(self, content: object) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class SandboxServer:
    """``with SandboxServer(app) as srv: srv.url`` -- stops when the block ends (or the process exits)."""

    def __init__(self, app: ASGIApp, port: int = 0) -> None:
        self._app = app
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> SandboxServer:
        self.launch()
        self.wait_started()
        return self

    def launch(self) -> None:
        """Listen, and start serving in a thread of its own; ``wait_started`` waits until it answers."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY on accept
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, self._port))
        except OSError as exc:
            sock.close()
            raise SandboxError(f"cannot listen on {HOST}:{self._port}: {exc.strerror}") from exc
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app, log_level="critical", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()

    def wait_started(self) -> None:
        assert self._server is not None and self._thread is not None, "launch() first"
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise SandboxError(f"sandbox on {HOST}:{self.port} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        self.ask_to_stop()
        self.join()

    def ask_to_stop(self) -> None:
        """Tell the server to stop, without waiting for it (``join`` waits)."""
        if self._server is not None:
            self._server.should_exit = True

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@contextmanager
def serving(apps: Sequence[ASGIApp]) -> Iterator[list[SandboxServer]]:
    """A server for each app, in the same order. They start together and stop together: each spends most of
    its starting and stopping waiting (on its thread's event loop, and on uvicorn's exit checks), so one after
    the other the waits add up."""
    servers = [SandboxServer(app) for app in apps]
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.join)
        for server in servers:
            stack.callback(server.ask_to_stop)  # runs first: all are asked, then each is waited for
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_started()
        yield servers
