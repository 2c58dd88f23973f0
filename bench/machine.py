"""How busy and how fast this machine is right now, printed beside every bench's figures."""
from __future__ import annotations

import os
import time


def fixed_loop_ms() -> float:
    """How long a fixed Python loop takes: the shared cores' speed drifts, by up to half, even
    when nothing else runs (about 23 ms on a quiet machine of this project's kind)."""
    started = time.process_time()
    sum(i * i for i in range(1_000_000))
    return (time.process_time() - started) * 1000


def load_average() -> str:
    """Other work on the machine slows what is measured and its floor alike, but not equally: say
    how much there was, and how fast this machine ran a fixed loop of Python."""
    return f"{' '.join(f'{n:.1f}' for n in os.getloadavg())}, a fixed Python loop took {fixed_loop_ms():.0f} ms"
