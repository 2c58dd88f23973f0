"""A throw-away PostgreSQL cluster from Debian's postgresql package, on a private data dir and a
loopback port. Used by the server tests and by bench/server.py.

As root, initdb and the server run as the 'postgres' user (PostgreSQL refuses to run as root).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_GLOB = "/usr/lib/postgresql/*/bin"


class PostgresUnavailable(RuntimeError):
    pass


def pg_bin() -> Path | None:
    found = sorted(glob.glob(PG_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPostgres:
    def __init__(self, *, durable: bool = False):
        self.bin = pg_bin()
        self.durable = durable  # tests run with fsync off; the benchmark measures with it on
        self.port = 0
        self.root: Path | None = None
        self._databases = 0

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, **kwargs)

    def start(self) -> LocalPostgres:
        if self.bin is None:
            raise PostgresUnavailable("PostgreSQL is not installed (bash scripts/setup.sh --test installs it)")
        self.root = Path(tempfile.mkdtemp(prefix="rosterbook-pg-"))
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.port = free_port()
        options = [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1", "-c max_connections=200"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.root / "log"), "-w", "-t", "60",
                      "-o", " ".join(options), "start")
        except subprocess.CalledProcessError as exc:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise PostgresUnavailable(f"PostgreSQL did not start: {exc.stderr}{log}") from None
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "rb") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            if self.port:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
