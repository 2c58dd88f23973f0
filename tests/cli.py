"""Running `rosterbook validate` as the admin does: the installed console script, in a subprocess."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROSTERBOOK = Path(sys.executable).with_name("rosterbook")


def run_validate(*args, check_exit: int | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(ROSTERBOOK), "validate", *map(str, args)], capture_output=True, text=True, timeout=120)
    if check_exit is not None:
        assert done.returncode == check_exit, done.stdout + done.stderr
    return done


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
