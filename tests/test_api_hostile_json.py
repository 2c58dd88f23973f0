"""Hostile JSON against the real server over loopback: bodies nested far deeper than any batch, and
broken unicode in a settings name. Each gets a 4xx that says what is wrong (the workbook's
endpoints: an alert), never a 500."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.server_rows import example_rows

DEPTHS = [1_100, 100_000]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def post_import(served, body: str):
    return requests.post(served.url + "/api/v1/imports", data=body.encode(), timeout=60,
                         headers={**served.headers(str(uuid.uuid4())), "Content-Type": "application/json"})


def _row_json(profile: str = "pbx") -> str:
    return json.dumps(example_rows(profile, 1)[0])


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("where", ["a cell", "a row", "the settings", "the body"])
def test_json_nested_thousands_of_levels_deep_is_refused_with_a_message(served_sqlite, where, depth):
    row = _row_json()
    body = {
        "a cell": '{"profile": "pbx", "rows": [' + row[:-1] + ', "FirstName": ' + nested(depth) + "}]}",
        "a row": '{"profile": "pbx", "rows": [' + row + ", " + nested(depth) + "]}",
        "the settings": '{"profile": "pbx", "rows": [' + row + '], "settings": {"x": ' + '{"a": ' * depth + "1"
                        + "}" * depth + "}}",
        "the body": nested(depth),
    }[where]
    answer = post_import(served_sqlite, body)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["error"] == "malformed_json"
    assert "nests lists or objects too many levels deep" in error["message"]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("button", ["validate", "submit", "clear"])
def test_the_workbook_buttons_answer_deep_json_with_an_alert(served_sqlite, button, depth):
    payload = ('{"client": "VBA", "version": "0.37.8", "book": {"name": "x.xlsm", "active_sheet_index": 0, '
               '"selection": "A1"}, "names": [], "sheets": [{"name": "Users", "values": [[' + nested(depth)
               + ']], "pictures": [], "tables": []}]}')
    answer = requests.post(f"{served_sqlite.url}/xlwings/{button}", data=payload.encode(), timeout=60,
                           headers={**served_sqlite.headers(), "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    actions = answer.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "not a workbook sent by a rosterbook template" in actions[0]["args"][0]


@pytest.mark.parametrize("where", ["settings name", "settings value", "column header", "cell"])
def test_a_lone_surrogate_is_refused_like_anywhere_else(served_sqlite, where):
    row = _row_json()[:-1]
    body = {
        "settings name": '{"profile": "pbx", "rows": [' + row + '}], "settings": {"\\ud800": "x"}}',
        "settings value": '{"profile": "pbx", "rows": [' + row + '}], "settings": {"x": "\\ud800"}}',
        "column header": '{"profile": "pbx", "rows": [' + row + ', "\\ud800": "x"}]}',
        "cell": '{"profile": "pbx", "rows": [' + row + ', "Language": "\\ud800"}]}',
    }[where]
    answer = post_import(served_sqlite, body)
    assert answer.status_code == 422, answer.text
    assert "broken unicode (a lone surrogate)" in answer.json()["message"]


def test_a_lone_surrogate_in_a_settings_name_with_a_wrong_value_is_refused_too(served_sqlite):
    body = '{"profile": "pbx", "rows": [' + _row_json() + '], "settings": {"\\udfff": {"nested": 1}}}'
    answer = post_import(served_sqlite, body)
    assert answer.status_code == 422, answer.text
    assert "broken unicode (a lone surrogate)" in answer.json()["message"]
