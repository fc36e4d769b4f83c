"""Pacing from a vendor's reported call limits: never send a call the vendor has said it would refuse.

Vendors that count calls in fixed windows report with each answer, per window, how many calls remain and
how many seconds until the window resets (UIS ``metadata.limits``; others use X-RateLimit-* headers).
A ``Pacer`` turns those reports into a budget per window, safe with many calls in flight at once:

- Before the first report, calls go straight out.
- A call takes one from every window's budget when it is sent. An answer can only lower a budget: to
  what it reported minus the calls still in flight (they may not be counted yet). Answers that arrive out
  of order therefore never raise a budget wrongly.
- A spent window is waited out until its reset. Each answer's reset, counted from when the answer arrived,
  is never earlier than the vendor's own (vendors round it up); the earliest is used, since an answer that
  waited in a busy client would otherwise hold the next window back. The next window starts with the
  full limit minus the calls still in flight; answers to calls sent before it began are about the old
  window and are ignored.
- A wait longer than ``max_wait`` (a day limit) is not made: the call fails with a final VendorError
  that says when the window resets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from reconciler.errors import VendorError
from reconciler.terminal import duration, waiting

MAX_WAIT = 300.0
"""Longest wait for a window to reset (seconds); a minute window always fits, a day window does not."""


@dataclass(frozen=True)
class Quota:
    """What one answer said about one window: its limit, the calls left in it, seconds until it resets."""

    limit: int
    remaining: int
    reset: float


@dataclass
class _Window:
    """The pacer's view of one vendor window (a minute, a day)."""

    limit: int
    budget: int
    """Calls that may still be sent in this window."""
    reset_at: float | None
    """Clock time by which the window has surely reset; None until an answer from this window arrives."""
    span: float
    """The longest reset reported: how long a window lasts, at most, as far as we know."""
    generation: int = 0


@dataclass
class Ticket:
    """One call let through: report what its answer said about the limits with ``report``."""

    pacer: Pacer
    generations: dict[str, int]
    """Window name -> its generation when the call was sent."""
    open: bool = True

    def report(self, quotas: Mapping[str, Quota]) -> None:
        """The answer arrived and reported these windows (by name)."""
        self.pacer.answered(self, quotas)


class Pacer:
    """Lets a call out only when every known window has room for it; see the module docstring."""

    def __init__(self, max_wait: float = MAX_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_wait = max_wait
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._in_flight = 0
        self._news = asyncio.Event()
        self._told: set[tuple[str, int]] = set()

    @property
    def in_flight(self) -> int:
        """Calls sent whose answers have not arrived."""
        return self._in_flight

    @asynccontextmanager
    async def slot(self, what: str) -> AsyncIterator[Ticket]:
        """Wait until ``what`` (a call, named in errors) may be sent; the block sends it."""
        ticket = await self._acquire(what)
        try:
            yield ticket
        finally:
            self._close(ticket)

    async def _acquire(self, what: str) -> Ticket:
        while True:
            now = self._clock()
            self._roll(now)
            blocked = [name for name, window in sorted(self._windows.items()) if window.budget <= 0]
            if not blocked:
                for window in self._windows.values():
                    window.budget -= 1
                self._in_flight += 1
                return Ticket(self, {name: w.generation for name, w in self._windows.items()})
            await self._pause(self._wait(now, what, blocked))

    def _roll(self, now: float) -> None:
        """Start the next window of every window whose reset time has passed."""
        for window in self._windows.values():
            if window.reset_at is not None and now >= window.reset_at:
                window.generation += 1
                window.budget = window.limit - self._in_flight
                window.reset_at = None

    def _wait(self, now: float, what: str, blocked: list[str]) -> float | None:
        """Seconds until the latest reset of the ``blocked`` windows (None: until an answer tells it).

        A wait over ``max_wait`` raises instead."""
        waits: list[tuple[float, str]] = []
        for name in blocked:
            window = self._windows[name]
            if window.reset_at is None and self._in_flight == 0:
                window.reset_at = now + window.span  # no answer will tell: wait a whole window out
            if window.reset_at is not None:
                if window.reset_at - now > self._max_wait:
                    raise self._exhausted(what, name, window, window.reset_at - now)
                waits.append((window.reset_at - now, name))
        if not waits:
            return None
        seconds, name = max(waits)
        told = (name, self._windows[name].generation)
        if told not in self._told:  # once per window, however many calls wait for it
            self._told.add(told)
            waiting(what, seconds, f"the vendor's {name} call limit ({self._windows[name].limit} calls) to reset")
        return seconds

    def _exhausted(self, what: str, name: str, window: _Window, seconds: float) -> VendorError:
        at = (datetime.now() + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M")
        return VendorError(f"{what} not sent: the {name} call limit ({window.limit} calls) is used up; it resets "
                           f"in {duration(seconds)} (at {at} local time), too long to wait", code="call_limit",
                           final=True, maybe_applied=False)

    async def _pause(self, seconds: float | None) -> None:
        """Sleep ``seconds`` (None: indefinitely), or less if an answer arrives meanwhile."""
        news = self._news
        try:
            async with asyncio.timeout(seconds):
                await news.wait()
        except TimeoutError:
            pass

    def answered(self, ticket: Ticket, quotas: Mapping[str, Quota]) -> None:
        """``ticket``'s answer arrived and reported these windows (``Ticket.report`` calls this)."""
        now = self._clock()
        self._close(ticket)
        self._roll(now)  # an answer after a window's reset is about the next one: never let it extend this one
        for name, quota in quotas.items():
            window = self._windows.get(name)
            if window is None:  # the first report: nothing answered before it was counted after it
                self._windows[name] = _Window(quota.limit, quota.remaining - self._in_flight, now + quota.reset,
                                              quota.reset)
                continue
            window.span = max(window.span, quota.reset)
            if window.reset_at is not None and now + quota.reset > window.reset_at + window.span / 2:
                # the vendor's window turned over before we reckoned: the next one is as this answer says
                window.generation += 1
                window.budget = quota.remaining - self._in_flight
                window.reset_at = now + quota.reset
                continue
            if ticket.generations.get(name) != window.generation:
                continue  # sent before this window began: its answer tells about an older one
            window.limit = quota.limit
            window.budget = min(window.budget, quota.remaining - self._in_flight)
            # every answer bounds the reset from above (the vendor counted down before it was sent); the
            # earliest bound is the closest: an answer that waited for a busy client must not delay the window
            ends = now + quota.reset
            window.reset_at = ends if window.reset_at is None else min(window.reset_at, ends)

    def _close(self, ticket: Ticket) -> None:
        """The call is over (answered or failed): it is no longer in flight; waiters look again."""
        if ticket.open:
            ticket.open = False
            self._in_flight -= 1
            self._news.set()
            self._news = asyncio.Event()


