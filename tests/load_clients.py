"""Clients that submit batches over loopback, and a look straight into the store afterwards.

Shared by the concurrency, scale-out and crash tests and by bench/server.py.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import create_engine, text


@dataclass
class Sent:
    key: str
    body: dict[str, Any]
    url: str = ""
    status: int | None = None
    answer: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Job:
    """What one client thread sends, in order, and to which server each."""

    sends: list[tuple[str, Sent]] = field(default_factory=list)


def new_sent(profile_id: str, rows: list[dict[str, Any]]) -> Sent:
    return Sent(key=str(uuid.uuid4()), body={"profile": profile_id, "rows": rows})


def send(http: requests.Session, url: str, token: str, sent: Sent, timeout: float = 120) -> Sent:
    sent.url = url
    started = time.perf_counter()
    try:
        response = http.post(url + "/api/v1/imports", json=sent.body, timeout=timeout,
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": sent.key})
        sent.status = response.status_code
        sent.answer = response.json() if response.headers.get("Content-Type") == "application/json" else None
    except requests.RequestException as exc:
        sent.error = type(exc).__name__
    sent.seconds = time.perf_counter() - started
    return sent


def run_clients(jobs: Sequence[Sequence[tuple[str, Sent]]], token: str,
                after_each: Callable[[Sent], bool] | None = None) -> list[Sent]:
    """One thread per job, all released at once; each sends its list in order (and stops early
    when after_each returns True)."""
    barrier = threading.Barrier(len(jobs))
    done: list[Sent] = []
    lock = threading.Lock()

    def client(sends: Sequence[tuple[str, Sent]]) -> None:
        with requests.Session() as http:
            barrier.wait()
            for url, sent in sends:
                send(http, url, token, sent)
                with lock:
                    done.append(sent)
                if after_each and after_each(sent):
                    return

    threads = [threading.Thread(target=client, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return done


@dataclass
class StoreState:
    rows_per_key: dict[str, int]  # idempotency key -> rows stored for that batch (all statuses)
    accepted_keys: list[str]  # every stored login key of an accepted row
    accepted: int


def store_state(database_url: str) -> StoreState:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            per_key = dict(connection.execute(text(
                "SELECT b.idempotency_key, COUNT(r.id) FROM batches b LEFT JOIN batch_rows r ON r.batch_id = b.id "
                "GROUP BY b.idempotency_key")).all())
            keys = [k for (k,) in connection.execute(text(
                "SELECT login_key FROM batch_rows WHERE status = 'accepted'"))]
    finally:
        engine.dispose()
    return StoreState(per_key, keys, len(keys))
