"""Built-in sandboxes of a run start together and stop together (issue 21), and none outlives its block."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from reconciler.errors import SandboxError
from reconciler.sandbox import server as sandbox_server
from reconciler.sandbox.server import SandboxServer, serving


async def hello(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sandbox-")]


def test_every_server_answers_inside_the_block_and_none_is_left_after_it() -> None:
    with serving([hello, hello, hello]) as servers:
        assert len({s.port for s in servers}) == 3
        assert [httpx.get(s.url).text for s in servers] == ["ok"] * 3
        urls = [s.url for s in servers]
    assert _sandbox_threads() == []
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(url)


def test_all_are_launched_before_any_is_waited_for_and_all_are_asked_to_stop_before_any_is_joined(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    for name in ("launch", "wait_started", "ask_to_stop", "join"):
        real = getattr(SandboxServer, name)

        def spy(self: SandboxServer, real: Callable[[SandboxServer], None] = real, name: str = name) -> None:
            calls.append(name)
            real(self)

        monkeypatch.setattr(SandboxServer, name, spy)
    with serving([hello, hello, hello]):
        pass
    assert calls == ["launch"] * 3 + ["wait_started"] * 3 + ["ask_to_stop"] * 3 + ["join"] * 3


def test_when_one_does_not_start_those_already_running_are_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[SandboxServer] = []
    real = SandboxServer.wait_started

    def second_fails(self: SandboxServer) -> None:
        if started:
            raise SandboxError("did not start")
        real(self)
        started.append(self)

    monkeypatch.setattr(sandbox_server.SandboxServer, "wait_started", second_fails)
    with pytest.raises(SandboxError), serving([hello, hello]):
        pytest.fail("the block must not run")
    assert _sandbox_threads() == []
