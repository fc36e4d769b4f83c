"""Fault injection over real HTTP: each fault does what it says, and no more, to any sandbox app."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reconciler.config import load_config
from reconciler.engine.connect import sandbox_app
from reconciler.errors import ProblemsError
from reconciler.sandbox.faults import FaultInjector, Faults, with_faults
from reconciler.sandbox.server import SandboxServer
from reconciler.sandbox.store import SandboxStore, read_log


def _store(tmp_path: Path) -> SandboxStore:
    return SandboxStore(tmp_path / "t.json", tmp_path / "t.requests.jsonl", {"items": []})


def _app(store: SandboxStore) -> Starlette:
    """A tiny vendor: POST /items appends (a change), GET /items and POST /noop change nothing."""

    async def add(request: Request) -> JSONResponse:
        item = await request.json()
        with store.lock:
            store.state["items"].append(item)
            store.save()
        store.log("POST", "add", item, "ok")
        return JSONResponse({"count": len(store.state["items"])})

    async def items(request: Request) -> JSONResponse:
        store.log("GET", "items", None, "ok")
        return JSONResponse(store.state["items"])

    async def noop(request: Request) -> JSONResponse:
        store.log("POST", "noop", await request.json(), "ok")
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/items", add, methods=["POST"]), Route("/items", items, methods=["GET"]),
                             Route("/noop", noop, methods=["POST"])])


class Served:
    def __init__(self, tmp_path: Path, faults: Faults, timeout: float = 5.0) -> None:
        self.store = _store(tmp_path)
        self.app = with_faults(_app(self.store), faults, self.store)
        self.server = SandboxServer(self.app).start()
        self.client = httpx.Client(base_url=self.server.url, timeout=timeout)

    def close(self) -> None:
        self.client.close()
        self.server.stop()

    def outcome(self, method: str, path: str, body: Any = None) -> str:
        """The status code the client got, or the name of the transport error it met."""
        try:
            return str(self.client.request(method, path, json=body).status_code)
        except httpx.TransportError as exc:
            return type(exc).__name__

    @property
    def logged(self) -> list[dict[str, Any]]:
        return read_log(self.store.log_path)


Serve = Callable[..., Served]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    opened: list[Served] = []

    def start(faults: Faults, timeout: float = 5.0, name: str = "a") -> Served:
        (tmp_path / name).mkdir()
        opened.append(Served(tmp_path / name, faults, timeout))
        return opened[-1]

    yield start
    for served in opened:
        served.close()


def test_error_answers_500_without_reaching_the_app(serve: Serve) -> None:
    s = serve(Faults(error_rate=1))
    response = s.client.post("/items", json={"x": 1})
    assert response.status_code == 500 and "injected" in response.text
    assert s.store.state == {"items": []} and s.store.changes == 0 and s.logged == []
    assert s.app.stats.error == s.app.stats.injected == 1


def test_429_says_retry_after_and_changes_nothing(serve: Serve) -> None:
    s = serve(Faults(rate_429=1, retry_after=0.05))
    response = s.client.post("/items", json={"x": 1})
    assert response.status_code == 429 and response.headers["retry-after"] == "0.05"
    assert s.store.state == {"items": []} and s.logged == [] and s.app.stats.throttle == 1


def test_drop_commits_the_change_but_the_client_gets_no_answer(serve: Serve, capfd: pytest.CaptureFixture[str]) -> None:
    s = serve(Faults(drop_rate=1))
    with pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"):
        s.client.post("/items", json={"x": 1})
    assert s.store.state == {"items": [{"x": 1}]} and [e["operation"] for e in s.logged] == ["add"]
    assert s.app.stats.drop == 1
    assert s.client.get("/items").json() == [{"x": 1}]  # the client reconnects and sees the change
    assert capfd.readouterr() == ("", "")  # uvicorn closes the connection quietly


def test_drop_never_fires_for_a_request_that_changed_nothing(serve: Serve) -> None:
    s = serve(Faults(drop_rate=1))
    assert [s.outcome("GET", "/items") for _ in range(5)] == ["200"] * 5
    assert s.outcome("POST", "/noop", {"y": 2}) == "200"
    assert s.app.stats.injected == 0


def test_timeout_hangs_then_commits_after_the_client_gave_up(serve: Serve) -> None:
    s = serve(Faults(timeout_rate=1, hang_s=0.3), timeout=0.05)
    with pytest.raises(httpx.ReadTimeout):
        s.client.post("/items", json={"x": 1})
    assert s.store.changes == 0  # still hanging
    deadline = time.monotonic() + 5
    while s.store.changes == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.store.state == {"items": [{"x": 1}]} and s.app.stats.timeout == 1


def test_commit_delay_loses_the_answer_at_once_and_commits_seconds_later(serve: Serve) -> None:
    # 2 s: room enough on a loaded machine for the lost answer and the look-up to come before the commit
    s = serve(Faults(drop_rate=1, limit=1, commit_delay=2))
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        s.client.post("/items", json={"x": 1})
    assert time.monotonic() - started < 1.5  # the answer was lost before the request ran
    assert s.client.get("/items").json() == [] and s.app.late == 1  # a look-up now finds nothing yet
    deadline = time.monotonic() + 10
    while s.store.changes == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.store.state == {"items": [{"x": 1}]} and s.app.stats.drop == 1 and s.app.late == 0
    assert s.client.get("/items").json() == [{"x": 1}]


def test_only_limits_the_faults_to_matching_requests(serve: Serve) -> None:
    s = serve(Faults(error_rate=1, only="/noop"))
    assert [s.outcome("GET", "/items"), s.outcome("POST", "/items", {"x": 1})] == ["200", "200"]
    assert s.outcome("POST", "/noop", {"y": 2}) == "500" and s.app.stats.error == 1
    t = serve(Faults(error_rate=1, only='"x"'), name="b")  # or in the body
    assert [t.outcome("POST", "/items", {"x": 1}), t.outcome("POST", "/items", {"y": 1})] == ["500", "200"]


def test_latency_delays_every_answer(serve: Serve) -> None:
    s = serve(Faults(latency_ms=100))
    started = time.monotonic()
    assert s.client.get("/items").status_code == 200
    assert time.monotonic() - started >= 0.1 and s.app.stats.injected == 0


def test_limit_caps_the_number_of_faults(serve: Serve) -> None:
    s = serve(Faults(error_rate=1, limit=2))
    assert [s.outcome("POST", "/items", {"n": n}) for n in range(4)] == ["500", "500", "200", "200"]
    assert s.store.state == {"items": [{"n": 2}, {"n": 3}]} and s.app.stats.injected == 2


def _sequence(served: Served) -> list[str]:
    return [served.outcome("POST", "/items", {"n": n}) if n % 3 else served.outcome("GET", "/items")
            for n in range(30)]


def test_the_same_seed_gives_the_same_faults(serve: Serve) -> None:
    faults = Faults(error_rate=0.2, rate_429=0.2, drop_rate=0.5, seed=7)
    first, second = _sequence(serve(faults, name="a")), _sequence(serve(faults, name="b"))
    other = _sequence(serve(faults.model_copy(update={"seed": 8}), name="c"))
    assert first == second != other
    assert {"200", "500", "429", "RemoteProtocolError"} <= set(first)


def _config(tmp_path: Path, faults: str) -> Path:
    (tmp_path / "reconciler.yaml").write_text(f"""version: 1
accounts:
  demo:
    provider: uis
    sandbox:
      faults: {faults}
""")
    return tmp_path


def test_a_rate_above_1_is_a_located_config_error(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as err:
        load_config(_config(tmp_path, "{error_rate: 1.5, seed: 3}"), base=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "reconciler.yaml:6:28: CONFIG sandbox.faults.error_rate: Input should be less than or equal to 1"]


def test_rates_of_one_draw_may_not_exceed_1(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as err:
        load_config(_config(tmp_path, "{error_rate: 0.6, rate_429: 0.6}"), base=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "reconciler.yaml:6:15: CONFIG sandbox.faults: Value error, error_rate + rate_429 + timeout_rate must not "
        "exceed 1 (one draw picks one)"]


def test_the_configured_faults_wrap_the_account_sandbox(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "{error_rate: 1, limit: 1}"), base=tmp_path)
    app = sandbox_app(config, config.accounts["demo"], {"access_token": "t0k"})
    assert isinstance(app, FaultInjector)
    call = {"jsonrpc": "2.0", "id": 1, "method": "get.sites", "params": {"access_token": "t0k"}}
    with SandboxServer(app) as server, httpx.Client(base_url=server.url) as client:
        assert client.post("/", json=call).status_code == 500
        answer = client.post("/", json=call)
    assert answer.status_code == 200 and answer.json()["result"]["data"] == []
