"""Two `rosterbook serve` processes share one PostgreSQL; 16 clients spread over both.

Every batch is also sent, with the same Idempotency-Key and at the same moment, by a twin
client to the other process: uniqueness and idempotency must hold in the database, since
neither process can see the other's memory.
"""
from __future__ import annotations

import copy

from tests.load_clients import run_clients, store_state
from tests.test_server_concurrency import BATCHES, CLIENTS, ROWS, check_exactly_once, overlapping_jobs


def test_two_processes_share_one_postgresql(serve, postgres_url):
    first = serve(postgres_url)
    second = serve(postgres_url, token=first.token)  # same database, same token table
    jobs, distinct = overlapping_jobs([first.url, second.url])
    twins = []
    for job in jobs:  # the same keys and bodies, each to the other process
        twins.append([(second.url if url == first.url else first.url, copy.copy(sent)) for url, sent in job])
    done = run_clients(jobs + twins, first.token)

    originals = [s for _, s in (pair for job in jobs for pair in job)]
    twin_sent = [s for _, s in (pair for job in twins for pair in job)]
    assert len(done) == 2 * CLIENTS * BATCHES
    assert [s.status for s in done if s.status != 201] == []
    for original, twin in zip(originals, twin_sent):
        assert original.url != twin.url
        assert twin.answer == original.answer  # one batch per key, whichever process got it first
    check_exactly_once(originals, distinct, postgres_url)
    assert len(store_state(postgres_url).rows_per_key) == CLIENTS * BATCHES
    assert all(count == ROWS for count in store_state(postgres_url).rows_per_key.values())
    for served in (first, second):
        assert "Traceback" not in served.process.log()


def test_two_processes_can_start_at_once_on_a_fresh_database(postgres_url, tmp_path):
    """Both run the migrations on start; an advisory lock makes the second wait for the first."""
    import threading

    from tests.serve_process import ServeProcess

    processes = [ServeProcess(postgres_url, tmp_path / f"i{n}") for n in range(2)]
    errors = []

    def start(process: ServeProcess) -> None:
        try:
            process.start()
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=start, args=(p,)) for p in processes]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert all(p.process.poll() is None for p in processes)
    finally:
        for process in processes:
            process.stop()
