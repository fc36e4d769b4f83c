"""Per-minute and per-day call limits, counted the way vendors count them (fixed windows).

A window starts with the first call after the previous one ended. The "minute" window lasts ``window_s``
seconds: 60 like the vendors', shorter only to keep tests that wait it out fast.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.config import DEFAULT_DAY_LIMIT, DEFAULT_MINUTE_LIMIT, MINUTE

DAY = 86_400.0


@dataclass
class RateLimits:
    """Calls allowed per "minute" (``window_s`` seconds) and per day; ``snapshot`` reports what is left."""

    minute_limit: int = DEFAULT_MINUTE_LIMIT
    day_limit: int = DEFAULT_DAY_LIMIT
    window_s: float = MINUTE
    clock: Callable[[], float] = time.monotonic
    _minute_start: float = field(default=-1.0, init=False)
    _day_start: float = field(default=-1.0, init=False)
    _minute_used: int = field(default=0, init=False)
    _day_used: int = field(default=0, init=False)

    def _roll(self) -> float:
        now = self.clock()
        if self._minute_start < 0 or now - self._minute_start >= self.window_s:
            self._minute_start, self._minute_used = now, 0
        if self._day_start < 0 or now - self._day_start >= DAY:
            self._day_start, self._day_used = now, 0
        return now

    def exceeded(self) -> bool:
        """True when no call is left in the current minute or day."""
        self._roll()
        return self._minute_used >= self.minute_limit or self._day_used >= self.day_limit

    def take(self) -> None:
        """Count one successful call."""
        self._roll()
        self._minute_used += 1
        self._day_used += 1

    def snapshot(self) -> dict[str, int | float]:
        """The ``metadata.limits`` shape: limits, what remains, seconds to each reset."""
        now = self._roll()
        return {
            "day_limit": self.day_limit,
            "day_remaining": max(0, self.day_limit - self._day_used),
            "day_reset": math.ceil(DAY - (now - self._day_start)),
            "minute_limit": self.minute_limit,
            "minute_remaining": max(0, self.minute_limit - self._minute_used),
            "minute_reset": _seconds(self.window_s - (now - self._minute_start), self.window_s),
        }


def _seconds(left: float, window_s: float) -> int | float:
    """Seconds to a reset as vendors report them: whole, rounded up. A window shortened for a test or a
    benchmark (a second, say) reports milliseconds, or rounding would double the wait it asks for."""
    return math.ceil(left) if window_s >= MINUTE else math.ceil(left * 1000) / 1000
