"""Bad input over loopback: a clear JSON error with a 4xx, nothing stored, never a 500 or a traceback."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.server_rows import example_rows


@pytest.fixture
def served(served_sqlite):
    return served_sqlite


def batch_total(served) -> int:
    return requests.get(served.url + "/api/v1/imports", headers=served.headers(), timeout=30).json()["total"]


def send(served, data: bytes, content_type: str = "application/json", key: str | None = "fresh") -> requests.Response:
    headers = served.headers(str(uuid.uuid4()) if key == "fresh" else key)
    if content_type is not None:
        headers["Content-Type"] = content_type
    return requests.post(served.url + "/api/v1/imports", data=data, headers=headers, timeout=120)


def body(**fields) -> bytes:
    document = {"profile": "pbx", "rows": example_rows("pbx", 1, 900_000)} | fields
    return json.dumps(document).encode()


CASES = {
    "malformed JSON": (b'{"profile": "pbx", "rows": [', "application/json", 400, "malformed_json", "not valid JSON"),
    "not JSON at all": (b"fname,lname\nAnn,Lee", "text/csv", 415, "unsupported_media_type", "Content-Type"),
    "form post": (b"profile=pbx", "application/x-www-form-urlencoded", 415, "unsupported_media_type", "JSON"),
    "no content type": (body(), None, 415, "unsupported_media_type", "JSON"),
    "body is a list": (b"[]", "application/json", 422, "invalid_body", "must be a JSON object"),
    "unknown profile": (body(profile="salesforce"), "application/json", 422, "invalid_body", "unknown profile 'salesforce'"),
    "rows not a list": (body(rows={"a": 1}), "application/json", 422, "invalid_body", "rows must be a list of objects"),
    "rows of lists": (body(rows=[["Type", "User"]]), "application/json", 422, "invalid_body", "rows must be a list of objects"),
    "no rows": (body(rows=[]), "application/json", 422, "invalid_body", "rows"),
    "object in a cell": (body(rows=[{"Type": {"x": 1}}]), "application/json", 422, "invalid_body", "not an object"),
    "list in a cell": (body(rows=[{"Type": ["User"]}]), "application/json", 422, "invalid_body", "not a list"),
    "NaN in a cell": (b'{"profile": "pbx", "rows": [{"Type": NaN}]}', "application/json", 400, "malformed_json", "NaN"),
    "number too big for a float": (b'{"profile": "pbx", "rows": [{"Type": "User", "LastName": 1e999}]}',
                                   "application/json", 422, "invalid_body", "an infinite number"),
    "negative number too big, capital E": (b'{"profile": "pbx", "rows": [{"Type": "User", "LastName": -1.5E+400}]}',
                                           "application/json", 422, "invalid_body", "an infinite number"),
    "a 400-digit decimal number": (b'{"profile": "pbx", "rows": [{"Type": "User", "LastName": 1' + b"0" * 400 + b'.5}]}',
                                   "application/json", 422, "invalid_body", "an infinite number"),
    "unknown field": (body(extra=1), "application/json", 422, "invalid_body", "extra"),
    "row numbers do not match": (body(source={"row_numbers": [1, 2]}), "application/json", 422, "invalid_body",
                                 "2 numbers for 1 rows"),
    "null byte in a value": (body(rows=[{"Type": "User", "LastName": "Lee\u0000"}]), "application/json", 422,
                             "invalid_body", "NUL character"),
    "null byte in a header": (body(rows=[{"Type\u0000": "User"}]), "application/json", 422, "invalid_body", "NUL"),
    "lone surrogate": (b'{"profile": "pbx", "rows": [{"Type": "User", "LastName": "\\ud800"}]}', "application/json",
                       422, "invalid_body", "broken unicode"),
    "invalid UTF-8": (b'{"profile": "pbx", "rows": [{"Type": "User", "LastName": "\xff\xfe"}]}', "application/json",
                      400, "invalid_encoding", "not valid UTF-8"),
    "latin-1 text": ('{"profile": "pbx", "rows": [{"LastName": "García"}]}'.encode("latin-1"), "application/json",
                     400, "invalid_encoding", "UTF-8"),
    "required column missing everywhere": (body(rows=[{"Type": "User"}]), "application/json", 422, "invalid_batch",
                                           "Required column 'LastName' is missing"),
    "bad settings": (body(settings={"pin_notification": "carrier pigeon"}), "application/json", 422, "invalid_batch",
                     "pin_notification"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_clear_4xx_and_stores_nothing(served, case):
    data, content_type, status, error, words = CASES[case]
    before = batch_total(served)
    answer = send(served, data, content_type)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    payload = answer.json()
    assert payload["error"] == error
    assert words in payload["message"] or any(words in d["message"] for d in payload["details"]), payload
    assert "Traceback" not in answer.text
    assert batch_total(served) == before


def test_missing_or_bad_idempotency_key_is_400(served):
    before = batch_total(served)
    missing = send(served, body(), key=None)
    assert missing.status_code == 400 and missing.json()["error"] == "missing_idempotency_key"
    assert "Idempotency-Key" in missing.json()["message"]
    bad = send(served, body(), key="x" * 300)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_idempotency_key"
    assert batch_total(served) == before


def test_body_over_the_default_16_mb_limit_is_413(served):
    before = batch_total(served)
    big = json.dumps({"profile": "pbx", "rows": [{"LastName": "x" * 1000}] * 17_000}).encode()
    assert len(big) > 16 * 1024 * 1024
    answer = send(served, big)
    assert answer.status_code == 413
    assert answer.json()["error"] == "request_entity_too_large"
    assert "fewer rows" in answer.json()["message"]
    assert batch_total(served) == before


def test_a_smaller_limit_is_configurable(serve):
    small = serve(ROSTERBOOK_MAX_CONTENT_LENGTH="2000")
    answer = requests.post(small.url + "/api/v1/imports", data=body(rows=example_rows("pbx", 20, 0)),
                           headers=small.headers("k") | {"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 413


def test_wrong_method_and_unknown_path_answer_json(served):
    answer = requests.delete(served.url + "/api/v1/imports", headers=served.headers(), timeout=30)
    assert answer.status_code == 405 and answer.json()["error"] == "method_not_allowed"
    answer = requests.get(served.url + "/api/v1/nothing-here", headers=served.headers(), timeout=30)
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json"
