"""Slows down password guessing on the sign-in page: too many failures in a window lock it for a while.

Counted per (address, user name) and per address, in this process's memory: enough for a
server on one machine; behind several processes each keeps its own count.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_TRACKED = 10_000  # keys kept at most, so a flood of names cannot grow memory without bound


class SignInThrottle:
    def __init__(self, per_user: int = 5, per_address: int = 20, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic):
        self.per_user, self.per_address, self.window = per_user, per_address, window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, address: str, username: str) -> list[tuple[tuple[str, str], int]]:
        return [((address, username.strip().casefold()), self.per_user), ((address, ""), self.per_address)]

    def wait_seconds(self, address: str, username: str) -> int:
        """0 when a sign-in may be tried now, else the seconds until it may."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(address, username):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, address: str, username: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._forget_stale(now)
            for key, _ in self._keys(address, username):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(address, username)[0][0], None)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_stale(self, now: float) -> None:
        for key in [k for k, times in self._failures.items() if not times or times[-1] <= now - self.window]:
            del self._failures[key]
        while len(self._failures) >= MAX_TRACKED:  # still full: the oldest entries go
            del self._failures[next(iter(self._failures))]
