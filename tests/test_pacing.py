"""The vendor-neutral pacer: never more calls in a window than the vendor reported room for (UIS-17)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from reconciler.errors import VendorError
from reconciler.pacing import Pacer, Quota


@dataclass
class FixedWindow:
    """A vendor counting calls in fixed windows that start with the first call after the last one ended.

    It answers every call (so a test can see how many a window would have refused) and reports its
    reset to the microsecond, so the windows can be short."""

    limit: int
    length: float
    start: float = -1.0
    used: int = 0
    windows: Counter[float] = field(default_factory=Counter)

    def count(self) -> Quota:
        now = time.monotonic()
        if self.start < 0 or now - self.start >= self.length:
            self.start, self.used = now, 0
        self.used += 1
        self.windows[self.start] += 1
        return Quota(self.limit, max(0, self.limit - self.used), self.start + self.length - now)


async def _paced_calls(pacer: Pacer, vendor: FixedWindow, calls: int, concurrency: int, rng: random.Random) -> None:
    """One call to learn the limits, then ``calls`` calls, ``concurrency`` at once, each with random latency
    before and after the vendor counts it, so answers arrive out of order."""
    gate = asyncio.Semaphore(concurrency)
    async with pacer.slot("first") as ticket:
        ticket.report({"minute": vendor.count()})

    async def one() -> None:
        async with gate, pacer.slot("call") as ticket:
            await asyncio.sleep(rng.uniform(0, 0.01))
            quota = vendor.count()
            await asyncio.sleep(rng.uniform(0, 0.01))
            ticket.report({"minute": quota})

    await asyncio.gather(*(one() for _ in range(calls)))


async def _sent_at_once(pacer: Pacer, most: int) -> int:
    """How many calls (up to ``most``) the pacer lets out without waiting."""
    sent = 0
    while sent < most:
        try:
            async with asyncio.timeout(0.05):
                await pacer.slot("next").__aenter__()
        except TimeoutError:
            break
        sent += 1
    return sent


@pytest.mark.parametrize("concurrency", [4, 16])
def test_uis_17_pacer_never_exceeds_the_window_limit_under_concurrency(concurrency: int) -> None:
    vendor = FixedWindow(limit=6, length=0.15)
    started = time.monotonic()
    asyncio.run(_paced_calls(Pacer(), vendor, 40, concurrency, random.Random(concurrency)))
    elapsed = time.monotonic() - started
    assert sum(vendor.windows.values()) == 41
    assert max(vendor.windows.values()) <= vendor.limit, vendor.windows  # nothing the vendor would refuse
    assert elapsed >= (40 // vendor.limit - 1) * vendor.length  # it waited the windows out
    assert elapsed < 5


def test_uis_17_without_a_pacer_the_same_calls_exceed_the_limit() -> None:
    vendor = FixedWindow(limit=6, length=0.15)

    async def unpaced() -> None:
        await asyncio.gather(*(asyncio.sleep(0) for _ in range(40)))
        for _ in range(40):
            vendor.count()

    asyncio.run(unpaced())
    assert max(vendor.windows.values()) > vendor.limit


def test_uis_17_calls_go_straight_out_before_any_limits_are_known() -> None:
    async def run() -> int:
        pacer = Pacer()
        async with pacer.slot("a"), pacer.slot("b"), pacer.slot("c"):
            return pacer.in_flight

    assert asyncio.run(run()) == 3


def test_uis_17_a_late_answer_from_earlier_never_raises_the_budget() -> None:
    async def run() -> int:
        pacer = Pacer()
        async with pacer.slot("first") as first:
            first.report({"minute": Quota(10, 5, 60)})  # room for 5 more
        a = await pacer.slot("a").__aenter__()
        b = await pacer.slot("b").__aenter__()
        b.report({"minute": Quota(10, 3, 60)})  # the vendor counted a, then b; a's answer is late
        a.report({"minute": Quota(10, 4, 60)})  # older news: must not give a call back
        # 3 remain; when b's answer came, a might not have been counted yet, so the pacer allows 2
        return await _sent_at_once(pacer, 20)

    assert asyncio.run(run()) == 2


def test_uis_17_a_spent_day_limit_fails_at_once_saying_when_it_resets() -> None:
    async def run() -> None:
        pacer = Pacer()
        async with pacer.slot("get.sites") as ticket:
            ticket.report({"minute": Quota(60, 59, 30), "day": Quota(10_000, 0, 7_200)})
        async with pacer.slot("update.campaigns"):
            raise AssertionError("the day limit is used up: nothing may be sent")

    started = time.monotonic()
    with pytest.raises(VendorError) as caught:
        asyncio.run(run())
    assert time.monotonic() - started < 1
    exc = caught.value
    assert exc.final and not exc.maybe_applied
    assert "update.campaigns not sent: the day call limit (10000 calls) is used up; it resets in 2 h 0 min" in str(exc)


def test_uis_17_a_spent_minute_limit_is_waited_out_from_when_the_answer_arrived() -> None:
    async def run() -> float:
        pacer = Pacer()
        async with pacer.slot("first") as ticket:
            ticket.report({"minute": Quota(1, 0, 0.3)})
        started = time.monotonic()
        async with pacer.slot("second"):
            return time.monotonic() - started

    assert 0.25 <= asyncio.run(run()) < 1


def test_uis_17_an_answer_from_the_vendors_next_window_starts_it_rather_than_stretching_this_one() -> None:
    """The vendor's window may turn over before the pacer reckons (its reset is measured from answers that
    took time to arrive): an answer that says a new window began must not push this one's end a window on."""
    now = [0.0]

    async def run() -> int:
        pacer = Pacer(clock=lambda: now[0])
        async with pacer.slot("first") as ticket:
            ticket.report({"minute": Quota(10, 1, 1.0)})  # one call left; resets at t = 1.0
        late = await pacer.slot("sent just before the vendor's turnover").__aenter__()
        now[0] = 0.98
        late.report({"minute": Quota(10, 9, 0.99)})  # the vendor counted it in its next window
        return await _sent_at_once(pacer, 20)

    assert asyncio.run(run()) == 9  # the new window's room, at once: no wait until t = 1.97


def test_uis_17_a_late_answer_does_not_push_the_reset_back() -> None:
    """Every answer bounds the vendor's reset from above; one that waited in a busy client bounds it later
    than it is. The earliest bound counts, so the next window's calls go out at the first moment it is safe."""
    now = [0.0]

    async def run() -> int:
        pacer = Pacer(clock=lambda: now[0])
        async with pacer.slot("first") as first:
            first.report({"minute": Quota(2, 1, 1.0)})  # the window resets at t = 1.0
        async with pacer.slot("second") as second:
            now[0] = 0.5
            second.report({"minute": Quota(2, 0, 0.6)})  # counted at t = 0.4, its answer read at t = 0.5
        now[0] = 1.0
        return await _sent_at_once(pacer, 5)

    assert asyncio.run(run()) == 2  # the new window's room at t = 1.0, not at t = 1.1
