"""kill -9 in the middle of a stream of submissions, then restart on the same store.

Every batch answered 201 is there complete, no batch is there in part, and replaying the
unanswered ones with their Idempotency-Keys completes each of them once.
"""
from __future__ import annotations

import threading

import pytest
import requests

from tests.load_clients import Sent, new_sent, run_clients, send, store_state
from tests.serve_process import ServeProcess
from tests.server_rows import example_rows

SENDERS, BATCHES_EACH, ROWS = 4, 10, 200
KILL_AFTER = 12  # answers received before the kill


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_kill_dash_nine_mid_stream_then_replay(serve, tmp_path, request, store):
    database_url = (f"sqlite:///{tmp_path / 'crash.sqlite3'}" if store == "sqlite"
                    else request.getfixturevalue("postgres_url"))
    served = serve(database_url)
    jobs = [[(served.url, new_sent("pbx", example_rows("pbx", ROWS, (s * BATCHES_EACH + b) * ROWS)))
             for b in range(BATCHES_EACH)] for s in range(SENDERS)]
    answered = threading.Semaphore(0)
    killed = threading.Event()

    def killer() -> None:
        for _ in range(KILL_AFTER):
            answered.acquire()
        served.process.kill()
        killed.set()

    threading.Thread(target=killer, daemon=True).start()

    def after_each(sent: Sent) -> bool:
        if sent.status == 201:
            answered.release()
        return killed.is_set() or sent.error is not None  # a sender stops when its server vanished

    done = run_clients(jobs, served.token, after_each=after_each)
    assert killed.wait(60)
    everything = [sent for job in jobs for _, sent in job]
    ok = [s for s in done if s.status == 201]
    unanswered = [s for s in everything if s.status != 201]
    assert len(ok) >= KILL_AFTER and unanswered, "the kill should land in the middle of the stream"

    # Restart on the same store (a new process; same database and token).
    restarted = ServeProcess(database_url, served.process.instance).start()
    try:
        state = store_state(database_url)
        for sent in ok:  # answered: there, complete
            assert state.rows_per_key.get(sent.key) == ROWS
            detail = requests.get(f"{restarted.url}/api/v1/imports/{sent.answer['batch_id']}",
                                  headers={"Authorization": f"Bearer {served.token}"}, timeout=30).json()
            assert detail["rows"] == sent.answer["rows"]
        assert all(count == ROWS for count in state.rows_per_key.values())  # nothing in part

        with requests.Session() as http:
            for sent in unanswered:  # replay with the same keys
                send(http, restarted.url, served.token, sent)
                assert sent.status == 201, (sent.status, sent.answer)
            for sent in ok:  # and an answered one again: the original answer
                original = sent.answer
                assert send(http, restarted.url, served.token, sent).answer == original
        final = store_state(database_url)
        assert final.rows_per_key == {sent.key: ROWS for sent in everything}
        assert final.accepted == len(set(final.accepted_keys)) == SENDERS * BATCHES_EACH * ROWS
    finally:
        restarted.stop()
