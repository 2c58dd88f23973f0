"""A big import request runs with the cyclic collector paused, and leaves it as it was."""
from __future__ import annotations

import gc
import json

import pytest

from server.api.imports import BIG_BODY_BYTES
from tests.plugin_server import new_token
from tests.server_rows import example_rows


@pytest.fixture
def collections():
    """The collections that start while a test runs, by generation."""
    started: list[int] = []

    def count(phase, info):
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(count)
    yield started
    gc.callbacks.remove(count)


def post(app, client, body: dict, collections: list[int] | None = None):
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {new_token(app)}", "Content-Type": "application/json",
               "Idempotency-Key": "collector-" + str(len(data))}
    if collections is not None:
        gc.collect()  # the young generations empty, so the request starts with its own count
        collections.clear()
    return client.post("/api/v1/imports", data=data, headers=headers), len(data)


def test_a_big_batch_meets_no_collection_and_the_collector_runs_again_after(app, client, collections):
    answer, size = post(app, client, {"profile": "pbx", "rows": example_rows("pbx", 3000)}, collections)
    assert answer.status_code == 201 and size >= BIG_BODY_BYTES
    assert collections == []  # without the pause: two dozen
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_refused_big_batch_also_gives_the_collector_back(app, client):
    rows = [{"Type": "User"}] * 20_000  # no LastName anywhere: the whole batch is refused
    answer, size = post(app, client, {"profile": "pbx", "rows": rows})
    assert answer.status_code == 422 and size >= BIG_BODY_BYTES
    assert gc.isenabled() and gc.get_freeze_count() == 0
