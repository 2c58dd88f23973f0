"""A request's big objects are freed once its answer has been sent, not while the client waits."""
from __future__ import annotations

import gc
import weakref

from flask import Response

from server.after_response import release_after_response
from tests.server_rows import example_rows


class Rows(list):
    """A stand-in for a batch's rows: a list, but one a weak reference can watch."""


def test_objects_live_until_the_response_is_closed_then_are_freed(app):
    with app.test_request_context("/api/v1/imports", method="POST"):
        rows = Rows(range(10))
        watched = weakref.ref(rows)
        release_after_response(rows)
        del rows
        response = app.process_response(Response(b"{}"))
    gc.collect()
    assert watched() is not None  # the view and the request's context are gone: still kept
    response.close()  # what the server does once it has the body to send
    assert watched() is None


def test_a_response_without_anything_kept_closes_as_before(app):
    with app.test_request_context("/"):
        response = app.process_response(Response(b"ok"))
    response.close()
    assert response.get_data() == b"ok"


def test_outside_a_request_nothing_is_kept():
    rows = Rows(range(10))
    watched = weakref.ref(rows)
    release_after_response(rows)
    del rows
    assert watched() is None


def test_an_import_through_the_api_hands_its_rows_over(app, client, api_token, monkeypatch):
    handed: list[type] = []
    import server.after_response as after_response

    kept = after_response.release_after_response

    def recording(*objects):
        handed.extend(type(o).__name__ for o in objects)
        kept(*objects)

    monkeypatch.setattr("server.api.imports.release_after_response", recording)
    monkeypatch.setattr("server.imports.release_after_response", recording)
    answer = client.post("/api/v1/imports", json={"profile": "pbx", "rows": example_rows("pbx", 2)},
                         headers={"Authorization": f"Bearer {api_token}", "Idempotency-Key": "k1"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert handed == ["_Batch", "ImportRequest", "BatchResult"]
