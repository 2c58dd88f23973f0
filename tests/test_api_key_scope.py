"""Idempotency-Keys belong to the token that used them: another token's same key is another batch,
never a replay of the first nor a 409 that tells it the key exists. On both stores, against the
real server; and a store with keys from before keeps honouring them after the upgrade."""
from __future__ import annotations

import json
import uuid

import pytest
import requests
from sqlalchemy import select, text

from server.db import engine_for, session_scope
from server.models import Batch
from tests.plugin_server import make_app, new_token
from tests.server_rows import example_rows


def post(url: str, token: str, key: str, rows: list[dict]) -> requests.Response:
    return requests.post(url + "/api/v1/imports", data=json.dumps({"profile": "pbx", "rows": rows}), timeout=60,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key,
                                  "Content-Type": "application/json"})


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_another_tokens_key_is_its_own(serve, tmp_path, request, store):
    instance = tmp_path / "instance"
    url = (f"sqlite:///{instance / 'rosterbook.sqlite3'}" if store == "sqlite"
           else request.getfixturevalue("postgres_url"))
    app = make_app(url, instance)
    alice, bob = new_token(app, "alice"), new_token(app, "bob")
    engine_for(app).dispose()
    served = serve(database_url=url, instance=instance, token=alice)
    key = str(uuid.uuid4())

    first = post(served.url, alice, key, example_rows("pbx", 2, 0))
    assert first.status_code == 201, first.text
    same_body = post(served.url, bob, key, example_rows("pbx", 2, 0))  # Bob guesses Alice's key and body
    assert same_body.status_code == 201, same_body.text
    assert same_body.json()["batch_id"] != first.json()["batch_id"]
    assert same_body.json()["duplicates"] == 2  # the users are Alice's; the key told Bob nothing
    other_body = post(served.url, bob, str(uuid.uuid4()), example_rows("pbx", 1, 10))
    assert other_body.status_code == 201
    bob_again = post(served.url, bob, key, example_rows("pbx", 1, 20))  # Bob's own key, another body
    assert bob_again.status_code == 409

    replay = post(served.url, alice, key, example_rows("pbx", 2, 0))  # Alice's retry: her first answer
    assert replay.status_code == 201 and replay.json() == first.json()


def test_keys_stored_before_the_upgrade_are_kept_in_their_own_scope(database_url, tmp_path):
    from server import create_app, db

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url})
    db.upgrade(app, "0002")
    insert = text("INSERT INTO batches (profile, submitted_by, created_at, source, accepted, rejected, duplicates, "
                  "idempotency_key, request_hash) VALUES ('pbx', :who, CURRENT_TIMESTAMP, '{}', 0, 0, 0, :key, :hash)")
    web_key = "web-" + "ab" * 32
    with engine_for(app).begin() as connection:
        connection.execute(insert, {"who": "hr-team", "key": "key-1", "hash": "h1"})
        connection.execute(insert, {"who": "alice", "key": web_key, "hash": "h2"})
        connection.execute(insert, {"who": "hr-team", "key": None, "hash": "h3"})
    db.upgrade(app)
    with session_scope(app) as session:
        scopes = {b.request_hash: (b.idempotency_scope, b.idempotency_key) for b in session.scalars(select(Batch))}
    assert scopes == {"h1": ("token:hr-team", "key-1"), "h2": ("pages", web_key), "h3": (None, None)}

    from server.imports import IdempotencyConflict, submit_batch
    from server.db import new_session

    def submit(who: str, key: str):
        session = new_session(app)
        try:
            return submit_batch(session, "pbx", example_rows("pbx", 1), idempotency_key=key, submitted_by=who,
                                key_scope=f"token:{who}")
        finally:
            session.close()

    with pytest.raises(IdempotencyConflict):  # hr-team's key still holds for hr-team
        submit("hr-team", "key-1")
    assert submit("bob", "key-1").accepted == 1  # and is free for another token
    engine_for(app).dispose()
