"""Submit in local mode: addin.macros.submit posts to a real `rosterbook serve` over loopback."""
from __future__ import annotations

import copy
import itertools
import re

import psycopg
import pytest
import requests
import xlwings

from addin import macros
from addin.profiles import get_profile
from addin.sheet.http_sender import MISSING_TOKEN, HttpSender, find_token
from tests.local_postgres import free_port
from tests.plugin_xlwings import WorkbookModel, control_panel_rows, grid, run_local

PROFILE = get_profile("controlpanel")
IMPORTED = re.compile(r"^Imported \d{4}-\d\d-\d\d \d\d:\d\d UTC \(id (\d+), batch (\d+)\)$")
_prefixes = (f"loc{i}x" for i in itertools.count())


def local_model(url: str, count: int, **options) -> WorkbookModel:
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(count, prefix=next(_prefixes), **options),
                                        mode="local", server_url=url)
    return model


def accepted(served) -> int:
    items = requests.get(served.url + "/api/v1/imports?per_page=200", headers=served.headers(), timeout=30).json()
    return sum(b["accepted"] for b in items["items"])


@pytest.fixture
def token_env(monkeypatch, served_sqlite, tmp_path):
    """The admin's environment: the token in ROSTERBOOK_TOKEN, no xlwings user config."""
    monkeypatch.setenv("ROSTERBOOK_TOKEN", served_sqlite.token)
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / "no-such" / "xlwings.conf"))
    return served_sqlite


def test_local_submit_imports_over_http_and_clears_the_passwords(token_env):
    served = token_env
    before = accepted(served)
    model = local_model(served.url, 25, errors=2, repairs=3)
    counts = run_local(model, macros.submit)
    assert counts["reads"] == 2
    values = grid(model, PROFILE)
    imported = [v for v in values.values() if IMPORTED.match(v["Status"] or "")]
    assert len(imported) == 23 and all(v["Password"] is None for v in imported)
    assert sum(1 for v in values.values() if v["Status"] == "1 error" and v["Password"]) == 2
    assert accepted(served) == before + 23


def test_a_second_press_a_retry_and_a_saved_copy_import_nothing_twice(token_env):
    served = token_env
    model = local_model(served.url, 30)
    saved_copy = copy.deepcopy(model)
    before = accepted(served)
    run_local(model, macros.submit)
    first = {r: IMPORTED.match(v["Status"]).groups() for r, v in grid(model, PROFILE).items()}
    run_local(model, macros.submit)
    assert model.alerts[-1]["prompt"].startswith("Nothing to send")
    run_local(saved_copy, macros.submit)
    assert {r: IMPORTED.match(v["Status"]).groups() for r, v in grid(saved_copy, PROFILE).items()} == first
    assert accepted(served) == before + 30


def test_a_timed_out_submit_is_safe_to_press_again(token_env):
    """The answer does not arrive in time: nothing is marked imported; the next press gets every row
    imported exactly once (the server finished the first request or takes the second)."""
    served = token_env
    model = local_model(served.url, 3000)
    before = accepted(served)
    run_local(model, macros.submit, send=HttpSender(served.url, served.token, timeout=(5, 0.001)))
    assert "did not answer within" in model.alerts[-1]["prompt"]
    assert not any(IMPORTED.match(v["Status"] or "") for v in grid(model, PROFILE).values())
    run_local(model, macros.submit)
    assert all(IMPORTED.match(v["Status"]) for v in grid(model, PROFILE).values())
    assert accepted(served) == before + 3000


def assert_nothing_imported(model: WorkbookModel, before: dict) -> str:
    """One critical alert; no row marked imported; every data cell as it was."""
    assert len(model.alerts) == 1 and model.alerts[0]["mode"] == "critical"
    after = grid(model, PROFILE)
    assert not any(IMPORTED.match(v["Status"] or "") for v in after.values())
    data = [h for h in after[3] if h not in ("Status", "Errors", "Marks")]
    assert [{h: v[h] for h in data} for v in after.values()] == [{h: v[h] for h in data} for v in before.values()]
    return model.alerts[0]["prompt"]


def test_a_dead_server_gets_one_clear_alert(monkeypatch, tmp_path):
    monkeypatch.setenv("ROSTERBOOK_TOKEN", "rb_whatever")
    model = local_model(f"http://127.0.0.1:{free_port()}", 5)
    before = grid(model, PROFILE)
    run_local(model, macros.submit)
    prompt = assert_nothing_imported(model, before)
    assert "cannot be reached" in prompt and "rosterbook serve" in prompt


def test_a_wrong_token_gets_one_clear_alert(monkeypatch, served_sqlite):
    monkeypatch.setenv("ROSTERBOOK_TOKEN", "rb_not-the-token")
    model = local_model(served_sqlite.url, 5)
    before = grid(model, PROFILE)
    run_local(model, macros.submit)
    assert "did not accept your token" in assert_nothing_imported(model, before)


def test_no_token_anywhere_but_the_workbook_is_no_token(monkeypatch, tmp_path, served_sqlite):
    monkeypatch.delenv("ROSTERBOOK_TOKEN", raising=False)
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / "xlwings.conf"))
    model = local_model(served_sqlite.url, 5)
    model.set_config("ROSTERBOOK_TOKEN", served_sqlite.token)  # a token typed into the workbook: never used
    before = grid(model, PROFILE)
    run_local(model, macros.submit)
    assert MISSING_TOKEN in assert_nothing_imported(model, before)


def test_the_token_comes_from_the_admins_xlwings_user_config(monkeypatch, tmp_path, served_sqlite):
    monkeypatch.delenv("ROSTERBOOK_TOKEN", raising=False)
    config = tmp_path / "xlwings.conf"
    config.write_text(f'"INTERPRETER_WIN","python"\n"ROSTERBOOK_TOKEN","{served_sqlite.token}"\n')
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(config))
    assert find_token() == served_sqlite.token
    model = local_model(served_sqlite.url, 4)
    run_local(model, macros.submit)
    assert all(IMPORTED.match(v["Status"]) for v in grid(model, PROFILE).values())


def test_a_server_error_gets_one_clear_alert(monkeypatch, serve, postgres):
    """The server's database disappears under it: the API answers 503, nothing is imported."""
    url = postgres.create_database()
    served = serve(database_url=url)
    monkeypatch.setenv("ROSTERBOOK_TOKEN", served.token)
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    model = local_model(served.url, 5)
    before = grid(model, PROFILE)
    run_local(model, macros.submit)
    prompt = assert_nothing_imported(model, before)
    assert "had a problem (HTTP 503)" in prompt and "Press Submit again" in prompt


@pytest.mark.parametrize("limit,words", [
    ({"ROSTERBOOK_MAX_BATCH_ROWS": "5"}, "turned the rows away (HTTP 422)"),
    ({"ROSTERBOOK_MAX_CONTENT_LENGTH": "2000"}, "more than the import server accepts in one go"),
])
def test_a_request_the_server_refuses_gets_one_clear_alert(monkeypatch, serve, limit, words):
    served = serve(**limit)
    monkeypatch.setenv("ROSTERBOOK_TOKEN", served.token)
    model = local_model(served.url, 8)
    before = grid(model, PROFILE)
    run_local(model, macros.submit)
    assert words in assert_nothing_imported(model, before)
