"""The apply engine on its own, against a scripted session: concurrency, dependencies, retries, recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from reconciler.engine.apply import ApplyOptions, Status, apply_plan
from reconciler.errors import TransportError, VendorError
from reconciler.http import RetryPolicy
from reconciler.model import Action, LiveState, Operation, Plan, ResultRef

FAST = RetryPolicy(attempts=4, base=0.001, cap=0.01)

Script = Callable[[Operation, int], Mapping[str, Any]]


class FakeSession:
    """Runs ``script(op, attempt)`` for each call; records calls, recoveries and the most in flight at once."""

    def __init__(self, script: Script | None = None, delay: float = 0.0,
                 applied: set[str] | None = None) -> None:
        self.script = script or (lambda op, n: {"id": op.id})
        self.delay = delay
        self.calls: list[tuple[str, Mapping[str, Any]]] = []
        self.recovered: list[str] = []
        self.applied = applied if applied is not None else set()
        self.in_flight = 0
        self.peak = 0

    async def read(self) -> LiveState:
        return LiveState(())

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            self.calls.append((op.id, request))
            return self.script(op, sum(1 for c in self.calls if c[0] == op.id))
        finally:
            self.in_flight -= 1

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        self.recovered.append(op.id)
        return {"id": "found-" + op.id} if op.id in self.applied else None

    async def aclose(self) -> None:
        return None


def _op(name: str, *waits: str, action: Action = Action.UPDATE, request: Mapping[str, Any] | None = None,
         account: str = "a") -> Operation:
    return Operation(id=name, account=account, campaign=name, action=action, method="m",
                     request=request or {"x": 1}, waits_for=waits)


def _run(ops: list[Operation], session: FakeSession, concurrency: int = 4,
         policy: RetryPolicy = FAST) -> dict[str, Any]:
    plan = Plan(tuple(ops), ("a",))
    outcomes = asyncio.run(apply_plan(plan, {"a": session}, options=ApplyOptions(concurrency, policy)))
    return {o.operation.id: o for o in outcomes}


def test_independent_operations_run_concurrently_up_to_the_account_bound() -> None:
    session = FakeSession(delay=0.05)
    start = time.monotonic()
    outcomes = _run([_op(f"op{i}") for i in range(12)], session, concurrency=4)
    elapsed = time.monotonic() - start
    assert all(o.status is Status.DONE for o in outcomes.values())
    assert session.peak == 4
    assert elapsed < 12 * 0.05 / 2  # three waves of four, not twelve calls one by one


def test_an_operation_waits_for_its_dependencies_and_gets_their_results() -> None:
    session = FakeSession(delay=0.01)
    ops = [_op("create", action=Action.CREATE), _op("update", "create", request={"id": ResultRef("create", "id")})]
    outcomes = _run(ops, session)
    assert [c[0] for c in session.calls] == ["create", "update"]
    assert session.calls[1][1] == {"id": "create"}
    assert outcomes["update"].status is Status.DONE


def test_a_failure_stops_what_waits_for_it_and_nothing_else() -> None:
    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if op.id == "bad":
            raise VendorError("refused: invalid_parameter_value", code="invalid_parameter_value")
        return {}

    session = FakeSession(script)
    outcomes = _run([_op("bad"), _op("after-bad", "bad"), _op("then", "after-bad"), _op("other")], session)
    assert outcomes["bad"].status is Status.FAILED and outcomes["bad"].attempts == 1
    assert outcomes["after-bad"].status is Status.SKIPPED and "waits for bad" in outcomes["after-bad"].detail
    assert outcomes["then"].status is Status.SKIPPED
    assert outcomes["other"].status is Status.DONE
    assert [c[0] for c in session.calls].count("bad") == 1  # a final (4xx) error is never retried


def test_retryable_errors_are_retried_and_an_exhausted_operation_fails_with_the_count() -> None:
    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if op.id == "flaky" and n < 3:
            raise VendorError("HTTP 503", code="503", final=False, maybe_applied=False)
        if op.id == "down":
            raise VendorError("HTTP 500", code="500", final=False, maybe_applied=False)
        return {}

    session = FakeSession(script)
    outcomes = _run([_op("flaky"), _op("down")], session)
    assert outcomes["flaky"].status is Status.DONE and outcomes["flaky"].attempts == 3
    assert outcomes["down"].status is Status.FAILED and "(after 4 attempts)" in outcomes["down"].detail


def test_retry_after_is_honoured() -> None:
    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if n == 1:
            raise VendorError("HTTP 429", code="429", final=False, retry_after=0.3, maybe_applied=False)
        return {}

    start = time.monotonic()
    outcomes = _run([_op("limited")], FakeSession(script))
    assert outcomes["limited"].status is Status.DONE
    assert time.monotonic() - start >= 0.3


def test_backoff_grows_exponentially_with_jitter_and_respects_the_cap() -> None:
    policy = RetryPolicy(attempts=10, base=1.0, cap=8.0)
    delays = [policy.delay(n) for n in range(6)]
    for n, d in enumerate(delays):
        ceiling = min(8.0, 2.0 ** n)
        assert ceiling / 2 <= d <= ceiling
    assert policy.delay(0, hint=5.0) >= 5.0


def test_eng_09_a_create_whose_answer_was_lost_is_looked_up_not_repeated() -> None:
    applied: set[str] = set()

    def script(op: Operation, n: int) -> Mapping[str, Any]:
        applied.add(op.id)  # the vendor commits ...
        raise TransportError("no answer: connection closed")  # ... and the answer is lost

    session = FakeSession(script, applied=applied)
    outcomes = _run([_op("new", action=Action.CREATE)], session)
    assert outcomes["new"].status is Status.DONE and outcomes["new"].result == {"id": "found-new"}
    assert [c[0] for c in session.calls] == ["new"]  # sent once
    assert session.recovered == ["new"]


def test_eng_09_a_lost_create_that_did_not_happen_is_sent_again_after_the_lookup() -> None:
    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if n == 1:
            raise TransportError("timed out")
        return {"id": 7}

    session = FakeSession(script)
    outcomes = _run([_op("new", action=Action.CREATE)], session)
    assert outcomes["new"].result == {"id": 7} and outcomes["new"].attempts == 2
    assert session.recovered == ["new"] and len(session.calls) == 2


def test_a_refusal_that_certainly_did_not_apply_is_resent_without_a_lookup() -> None:
    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if n == 1:
            raise VendorError("HTTP 429", code="429", final=False, maybe_applied=False)
        return {"id": 1}

    session = FakeSession(script)
    _run([_op("new", action=Action.CREATE)], session)
    assert session.recovered == [] and len(session.calls) == 2


def test_eng_09_after_a_timeout_the_lookup_waits_until_the_vendor_could_have_finished() -> None:
    """A request that timed out may still be running at the vendor: looking it up at once could miss it and
    send the create twice, so the look-up waits as long as the timeout first."""
    applied: set[str] = set()

    def script(op: Operation, n: int) -> Mapping[str, Any]:
        if n == 1:
            asyncio.get_running_loop().call_later(0.15, applied.add, op.id)  # the vendor commits a bit later
            raise TransportError("timed out waiting", pending=True)
        return {"id": "again"}

    session = FakeSession(script, applied=applied)
    policy = RetryPolicy(attempts=4, base=0.001, cap=0.01, timeout=0.3)
    outcomes = _run([_op("new", action=Action.CREATE)], session, policy=policy)
    assert outcomes["new"].result == {"id": "found-new"}  # found, not created twice
    assert len(session.calls) == 1 and session.recovered == ["new"]
