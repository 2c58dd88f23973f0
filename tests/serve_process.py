"""`rosterbook serve` as a real process on a free loopback port, for API, load and fault tests."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.local_postgres import free_port

STARTUP_SECONDS = 60


def rosterbook_command() -> list[str]:
    script = Path(sys.executable).with_name("rosterbook")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


class ServeProcess:
    def __init__(self, database_url: str, instance: Path, env: dict[str, str] | None = None, threads: int = 8):
        self.database_url = database_url
        self.instance = instance
        self.extra_env = env or {}
        self.threads = threads
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = instance / f"serve-{id(self)}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERBOOK_")}
        env.update(DATABASE_URL=self.database_url, ROSTERBOOK_INSTANCE_PATH=str(self.instance), **self.extra_env)
        return env

    def start(self) -> ServeProcess:
        self.instance.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        command = [*rosterbook_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--threads", str(self.threads)]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rosterbook serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"rosterbook serve did not answer within {STARTUP_SECONDS}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
