"""16 clients submit overlapping batches at once over loopback against `rosterbook serve`
(SQLite, the default store): every valid row stored once, overlaps reported as duplicates,
no request failed."""
from __future__ import annotations

from tests.load_clients import new_sent, run_clients, store_state
from tests.server_rows import example_rows

CLIENTS, BATCHES, ROWS, STEP = 16, 4, 20, 10  # each batch overlaps the next one by ROWS - STEP rows


def overlapping_jobs(urls: list[str], profile_id: str = "pbx"):
    """Client c's batch b covers rows (c*BATCHES + b)*STEP ... +ROWS: neighbours share 10 rows."""
    jobs = []
    for c in range(CLIENTS):
        sends = []
        for b in range(BATCHES):
            start = (c * BATCHES + b) * STEP
            sends.append((urls[(c + b) % len(urls)], new_sent(profile_id, example_rows(profile_id, ROWS, start))))
        jobs.append(sends)
    distinct = (CLIENTS * BATCHES - 1) * STEP + ROWS
    return jobs, distinct


def check_exactly_once(done, distinct: int, database_url: str) -> None:
    assert len(done) == CLIENTS * BATCHES
    failed = [(s.status, s.error, s.answer) for s in done if s.status != 201]
    assert failed == [], failed[:3]
    answers = {s.key: s.answer for s in done}
    assert sum(a["accepted"] for a in answers.values()) == distinct
    assert sum(a["duplicates"] for a in answers.values()) == CLIENTS * BATCHES * ROWS - distinct
    assert all(a["rejected"] == 0 for a in answers.values())
    state = store_state(database_url)
    assert state.accepted == distinct
    assert len(set(state.accepted_keys)) == distinct  # stored once each
    assert state.rows_per_key == {key: ROWS for key in answers}  # every batch whole, once


def test_sixteen_clients_with_overlapping_batches(serve, tmp_path):
    served = serve()
    jobs, distinct = overlapping_jobs([served.url])
    done = run_clients(jobs, served.token)
    check_exactly_once(done, distinct, served.process.database_url)
    assert "Traceback" not in served.process.log()
