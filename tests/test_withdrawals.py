"""Withdrawing a batch or one user: rows stay, marked with who and when; the login is free again; the
export leaves them out. Storage on SQLite and PostgreSQL, the API over loopback, the command line and
the batch page (CSRF, confirmation)."""
from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select

from addin.profiles import get_profile
from server.db import session_scope
from server.models import Batch, BatchRow
from server.versions import ReplaceRefused, histories, import_conflict
from server.withdrawals import NothingToWithdraw, holding_users, users_taken_back, withdraw_batch, withdraw_user
from tests.server_rows import example_rows
from tests.server_store import export_text
from tests.server_store import stored_batch as batch
from tests.server_store import submit
from tests.web_client import WebClient, create_admin


def rows_of(app, batch_id) -> list[BatchRow]:
    with session_scope(app) as session:
        return list(session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id).order_by(BatchRow.position)))


def test_a_withdrawn_batch_frees_its_logins_and_leaves_its_rows_marked(store_app):
    first = submit(store_app, "controlpanel", example_rows("controlpanel", 3) + [{"Username": "bad user"}])
    with session_scope(store_app) as session:
        assert withdraw_batch(session, first.batch_id, "alice") == 3
        assert withdraw_batch(session, first.batch_id, "bob") == 0  # nothing left to take back
        withdrawn_at = session.get(Batch, first.batch_id).withdrawn_at
    stored = rows_of(store_app, first.batch_id)
    assert [(r.status, r.login_key, r.former_key, r.withdrawn_by) for r in stored] == [
        ("accepted", None, "user0", "alice"), ("accepted", None, "user1", "alice"),
        ("accepted", None, "user2", "alice"), ("rejected", None, None, None)]
    assert all(r.withdrawn_at is not None for r in stored[:3])
    found = batch(store_app, first.batch_id)
    # the first withdrawal's who and when: the second one found nothing to take back
    assert (found.accepted, found.withdrawn, found.withdrawn_by, found.withdrawn_at) == (3, 3, "alice", withdrawn_at)
    assert found.passwords is None and found.passwords_erased_at is not None  # no file needs them now
    assert export_text(store_app, first.batch_id).splitlines() == []
    again = submit(store_app, "controlpanel", example_rows("controlpanel", 3))  # the logins are free again
    assert again.accepted == 3
    assert export_text(store_app, again.batch_id).splitlines()[0].startswith("user0,Pw-0-secret,")
    with session_scope(store_app) as session:
        versions = histories(session, get_profile("controlpanel"), ["user0"])["user0"]
    assert [(v.batch_id, v.current, v.withdrawn_by) for v in versions] == [
        (first.batch_id, False, "alice"), (again.batch_id, True, None)]


def test_one_user_is_withdrawn_by_login_whatever_its_case(store_app):
    first = submit(store_app, "commpeak", example_rows("commpeak", 2))
    with session_scope(store_app) as session:
        row = withdraw_user(session, "commpeak", "  AGENT1 ", "api-user")
        assert (row.row_number, row.former_key, row.withdrawn_by) == (2, "agent1", "api-user")
        with pytest.raises(NothingToWithdraw, match="No CommPeak user 'agent1' is stored now"):
            withdraw_user(session, "commpeak", "agent1", "api-user")
        with pytest.raises(NothingToWithdraw):
            withdraw_user(session, "commpeak", "nobody", "api-user")
    assert batch(store_app, first.batch_id).withdrawn == 1
    assert [line.split(",")[0] for line in export_text(store_app, first.batch_id).splitlines()[1:]] == ["agent0"]
    assert submit(store_app, "commpeak", example_rows("commpeak", 2)).accepted == 1  # agent1 again; agent0 stored


def test_a_withdrawn_batch_s_conflicts_replace_no_one(store_app):
    submit(store_app, "iplum", example_rows("iplum", 1))
    changed = example_rows("iplum", 1)
    changed[0]["Name"] = "Other Name"
    result = submit(store_app, "iplum", changed)
    with session_scope(store_app) as session:
        withdraw_batch(session, result.batch_id, "alice")
        with pytest.raises(ReplaceRefused, match="was withdrawn"):
            import_conflict(session, result.batch_id, rows_of(store_app, result.batch_id)[0].id, "alice")


def test_the_api_withdraws_batches_and_users_and_shows_a_user_s_history(served_sqlite):
    served = served_sqlite
    rows = example_rows("pbx", 3, 990_000)
    created = requests.post(served.url + "/api/v1/imports", json={"profile": "pbx", "rows": rows},
                            headers=served.headers(str(uuid.uuid4())), timeout=60).json()
    extension = rows[1]["Extension"]
    history = requests.get(f"{served.url}/api/v1/users/pbx/{extension}", headers=served.headers(), timeout=30)
    assert history.status_code == 200 and history.json()["current"] is True
    assert history.json()["versions"][0]["values"]["extension"] == extension
    gone = requests.delete(f"{served.url}/api/v1/users/pbx/{extension}", headers=served.headers(), timeout=30)
    assert gone.status_code == 200, gone.text
    body = gone.json()
    assert body["current"] is False and body["versions"][0]["withdrawn_by"] == "api-tests"
    again = requests.delete(f"{served.url}/api/v1/users/pbx/{extension}", headers=served.headers(), timeout=30)
    assert again.status_code == 404 and "nothing was withdrawn" in again.json()["message"]
    assert requests.get(f"{served.url}/api/v1/users/pbx/nobody-here", headers=served.headers(),
                        timeout=30).status_code == 404
    assert requests.get(f"{served.url}/api/v1/users/nope/x", headers=served.headers(), timeout=30).status_code == 404
    withdrawn = requests.delete(f"{served.url}/api/v1/imports/{created['batch_id']}", headers=served.headers(),
                                timeout=30)
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["withdrawn"], withdrawn.json()["withdrawn_by"]) == (3, "api-tests")
    detail = requests.get(f"{served.url}/api/v1/imports/{created['batch_id']}", headers=served.headers(), timeout=30)
    assert all(r["withdrawn_at"] and r["withdrawn_by"] == "api-tests" for r in detail.json()["rows"])
    export = requests.get(f"{served.url}/api/v1/imports/{created['batch_id']}/export", headers=served.headers(),
                          timeout=30)
    assert export.text.splitlines()[1:] == []  # the header only
    assert requests.delete(f"{served.url}/api/v1/imports/999999", headers=served.headers(), timeout=30).status_code == 404


def test_a_batch_whose_user_a_later_import_replaced_does_not_take_that_user_back(store_app):
    first = submit(store_app, "commpeak", example_rows("commpeak", 2))
    changed = example_rows("commpeak", 2)
    changed[0]["Role"] = "9"
    later = submit(store_app, "commpeak", changed, on_existing="replace")
    assert [r["status"] for r in later.rows] == ["accepted", "duplicate"]
    with session_scope(store_app) as session:
        assert holding_users(session, first.batch_id) == 1  # agent1: agent0 is held by the later version
        assert withdraw_batch(session, first.batch_id, "alice") == 1
        assert holding_users(session, first.batch_id) == 0
    current = {r.login_key: r.batch_id for r in rows_of(store_app, later.batch_id) if r.login_key}
    assert current == {"agent0": later.batch_id}  # still the later version's
    assert [(r.former_key, r.withdrawn_by) for r in rows_of(store_app, first.batch_id)] == [
        ("agent0", "alice"), ("agent1", "alice")]  # both marked: the batch's file has neither
    assert export_text(store_app, first.batch_id).splitlines()[1:] == []
    assert users_taken_back(0).startswith("no user taken back (later imports had replaced its users")


def test_withdraw_on_the_command_line(app, runner):
    first = submit(app, "ipass", example_rows("ipass", 2, 40))
    user = runner.invoke(["withdraw", "--profile", "ipass", "--user", "USER40@acme.ipass.com", "--by", "ops"])
    assert user.exit_code == 0 and "Withdrew 'USER40@acme.ipass.com' (batch" in user.stdout
    missing = runner.invoke(["withdraw", "--profile", "ipass", "--user", "user40@acme.ipass.com"])
    assert missing.exit_code == 1 and "nothing was withdrawn" in missing.stderr
    no_profile = runner.invoke(["withdraw", "--user", "x"])
    assert no_profile.exit_code == 2 and "--user needs --profile" in no_profile.stderr
    whole = runner.invoke(["withdraw", "--batch", str(first.batch_id)])
    assert whole.exit_code == 0 and f"Withdrew batch {first.batch_id}: 1 user taken back" in whole.stdout
    assert rows_of(app, first.batch_id)[1].withdrawn_by.endswith("(command line)")
    assert runner.invoke(["withdraw", "--batch", "4242"]).exit_code == 1


def test_the_batch_page_withdraws_a_user_and_the_batch_after_a_confirmation(app):
    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    result = submit(app, "iplum", example_rows("iplum", 3))
    path = f"/batches/{result.batch_id}"
    page = web.get(path).text
    assert "Withdraw this batch" in page and page.count(">Withdraw<span") == 3
    row_form = web.post(f"{path}/rows/{rows_of(app, result.batch_id)[1].id}/withdraw",
                        data={"csrf_token": web.token(path)})
    assert row_form.status_code == 303
    page = web.get(path).text
    assert "Row 2&#39;s user is withdrawn" in page and "by alice" in page and page.count(">Withdraw<span") == 2
    unconfirmed = web.press(page, "Withdraw this batch")  # the box not ticked
    assert unconfirmed.status_code == 303 and "Tick the box to confirm" in web.get(path).text
    assert batch(app, result.batch_id).withdrawn == 1
    assert web.post(f"{path}/withdraw", data={"confirm": "yes"}).status_code == 400  # no CSRF token
    done = web.press(web.get(path).text, "Withdraw this batch", confirm="yes")
    assert done.status_code == 303
    page = web.get(path).text
    assert "2 users taken back" in page and "Withdraw this batch" not in page
    assert "Every accepted row of this batch was withdrawn" in page
    assert batch(app, result.batch_id).withdrawn == 3
