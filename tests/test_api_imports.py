"""The import API over loopback against `rosterbook serve`: answers per row, duplicates,
idempotency, listing, batch detail, profiles and tokens."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from addin.profiles import all_profiles, get_profile
from tests.server_rows import example_row, example_rows, login_header

pytestmark = pytest.mark.usefixtures("served_sqlite")


def post(served, body, key=None, **kwargs):
    return requests.post(served.url + "/api/v1/imports", json=body,
                         headers=served.headers(key or str(uuid.uuid4())), timeout=60, **kwargs)


def get(served, path, **kwargs):
    return requests.get(served.url + "/api/v1" + path, headers=served.headers(), timeout=60, **kwargs)


@pytest.fixture
def served(served_sqlite):
    return served_sqlite


_offset = iter(range(10_000, 10**9, 1000))


@pytest.fixture
def fresh():
    """A block of row indexes no other test in this module uses (the store is shared)."""
    return next(_offset)


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_valid_rows_are_accepted_with_ids(served, profile_id, fresh):
    rows = example_rows(profile_id, 3, fresh)
    answer = post(served, {"profile": profile_id, "rows": rows})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (3, 0, 0)
    assert [r["row"] for r in body["rows"]] == [1, 2, 3]
    assert all(r["status"] == "accepted" and isinstance(r["id"], int) and r["errors"] == [] for r in body["rows"])
    assert len({r["id"] for r in body["rows"]}) == 3


def test_every_row_gets_its_own_answer_with_sheet_row_numbers(served, fresh):
    good, repeated, bad = example_row("commpeak", fresh), example_row("commpeak", fresh), example_row("commpeak", fresh + 1)
    bad["Email"] = "agent.smith@"
    answer = post(served, {"profile": "commpeak", "rows": [good, repeated, bad, {}],
                           "source": {"workbook": "team.xlsm", "template_version": "1.0", "row_numbers": [5, 7, 9, 12]}})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert [(r["row"], r["status"]) for r in body["rows"]] == [
        (5, "accepted"), (7, "duplicate"), (9, "rejected"), (12, "rejected")]
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (1, 2, 1)
    assert body["rows"][1]["id"] == body["rows"][0]["id"]
    assert "row 5 of this batch" in body["rows"][1]["errors"][0]["message"]
    assert body["rows"][2]["errors"] == [{"column": "Email", "message": "Email: 'agent.smith@' has no domain after the @"}]
    assert body["rows"][3]["id"] is None and "empty" in body["rows"][3]["errors"][0]["message"]


def test_a_row_already_imported_is_a_duplicate(served, fresh):
    first = post(served, {"profile": "ipass", "rows": example_rows("ipass", 2, fresh)}).json()
    again = example_rows("ipass", 3, fresh + 1)  # overlaps on row fresh+1
    again[0][login_header("ipass")] = again[0][login_header("ipass")].upper()  # login keys ignore case
    answer = post(served, {"profile": "ipass", "rows": again}).json()
    assert [r["status"] for r in answer["rows"]] == ["duplicate", "accepted", "accepted"]
    assert answer["rows"][0]["id"] == first["rows"][1]["id"]
    message = answer["rows"][0]["errors"][0]["message"]
    assert f"already imported (batch {first['batch_id']}, row 2)" in message


def test_the_same_login_in_another_profile_is_not_a_duplicate(served, fresh):
    row = example_row("iplum", fresh)
    assert post(served, {"profile": "iplum", "rows": [row]}).json()["accepted"] == 1
    pbx = example_row("pbx", fresh)
    pbx["Email"] = row["Email"]
    assert post(served, {"profile": "pbx", "rows": [pbx]}).json()["accepted"] == 1


def test_same_key_same_body_returns_the_original_answer_and_stores_nothing_more(served, fresh):
    key, body = str(uuid.uuid4()), {"profile": "pbx", "rows": example_rows("pbx", 4, fresh)}
    first = post(served, body, key)
    total = get(served, "/imports").json()["total"]
    second = post(served, body, key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert get(served, "/imports").json()["total"] == total
    assert second.json()["accepted"] == 4  # not turned into duplicates of itself


def test_same_key_different_body_is_409(served, fresh):
    key = str(uuid.uuid4())
    assert post(served, {"profile": "pbx", "rows": example_rows("pbx", 1, fresh)}, key).status_code == 201
    answer = post(served, {"profile": "pbx", "rows": example_rows("pbx", 2, fresh)}, key)
    assert answer.status_code == 409
    assert answer.json()["error"] == "idempotency_conflict"
    assert "different request" in answer.json()["message"]


def test_batch_detail_lists_every_row_and_source(served, fresh):
    rows = example_rows("iplum", 2, fresh) + [{"Email": "nope"}]
    created = post(served, {"profile": "iplum", "rows": rows, "source": {"workbook": "Invites.xlsm"}}).json()
    detail = get(served, f"/imports/{created['batch_id']}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["rows"] == created["rows"]
    assert (body["profile"], body["submitted_by"], body["source"]) == ("iplum", "api-tests", {"workbook": "Invites.xlsm"})
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (2, 1, 0)
    assert body["created_at"].endswith(("+00:00", "Z"))


def test_listing_is_paged_newest_first(served, fresh):
    ids = [post(served, {"profile": "pbx", "rows": example_rows("pbx", 1, fresh + i)}).json()["batch_id"]
           for i in range(3)]
    page = get(served, "/imports", params={"per_page": 2, "profile": "pbx"}).json()
    assert [item["batch_id"] for item in page["items"]] == ids[::-1][:2]
    assert page["per_page"] == 2 and page["total"] >= 3
    second = get(served, "/imports", params={"per_page": 2, "page": 2, "profile": "pbx"}).json()
    assert second["items"][0]["batch_id"] == ids[0]
    assert get(served, "/imports", params={"per_page": 0}).status_code == 400
    assert get(served, "/imports", params={"page": "x"}).status_code == 400


def test_unknown_batch_is_404(served):
    for batch_id in (999_999, 2**40):
        answer = get(served, f"/imports/{batch_id}")
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"
        assert get(served, f"/imports/{batch_id}/export").status_code == 404


def test_profiles_come_from_the_profile_modules(served):
    body = get(served, "/profiles").json()
    assert [p["id"] for p in body["profiles"]] == list(all_profiles())
    ipass = next(p for p in body["profiles"] if p["id"] == "ipass")
    profile = get_profile("ipass")
    assert [c["header"] for c in ipass["columns"]] == [c.header for c in profile.columns]
    password = next(c for c in ipass["columns"] if c["key"] == "password")
    assert password["secret"] is True
    suspend = next(c for c in ipass["columns"] if c["key"] == "suspend_notification")
    assert (suspend["true_value"], suspend["false_value"]) == ("True", "False")
    assert suspend["description"] == profile.by_key["suspend_notification"].describe()
    assert "company_id" in ipass["settings"]["properties"]


def test_settings_apply_to_revalidation(served, fresh):
    row = example_row("ipass", fresh)
    answer = post(served, {"profile": "ipass", "rows": [row], "settings": {"company_id": "999"}}).json()
    assert answer["rows"][0]["status"] == "rejected"
    assert "is not your CompanyId (999)" in answer["rows"][0]["errors"][0]["message"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer rb_not-a-token", "Basic dXNlcjpwYXNz", "bearer " + "x" * 600])
def test_every_route_but_openapi_needs_a_valid_token(served, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("GET", "/imports"), ("GET", "/imports/1"), ("GET", "/imports/1/export"),
                         ("GET", "/profiles"), ("POST", "/imports")):
        answer = requests.request(method, served.url + "/api/v1" + path, headers=headers, json={}, timeout=30)
        assert answer.status_code == 401, (method, path)
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert "rosterbook token create" in answer.json()["message"]
    assert requests.get(served.url + "/api/v1/openapi.json", timeout=30).status_code == 200


def test_international_text_and_escaped_emoji_are_kept(served, fresh):
    row = example_row("iplum", fresh) | {"Name": "Zoë Müller 😀 王"}  # json= escapes the emoji as a surrogate pair
    created = post(served, {"profile": "iplum", "rows": [row]}).json()
    assert created["accepted"] == 1
    export = requests.get(f"{served.url}/api/v1/imports/{created['batch_id']}/export", headers=served.headers(),
                          timeout=30)
    assert "Zoë Müller 😀 王" in export.content.decode("utf-8")


def test_passwords_never_reach_answers_or_the_server_log(served, fresh):
    rows = example_rows("controlpanel", 2, fresh)
    rows[0]["Password"] = "Log-Canary-Secret-1"
    rows[1] |= {"Password": "Log-Canary-Secret-2", "Username": "not valid!"}  # rejected: its errors are shown
    rows.append({"Username": "x" * 20, "Password": "Log-Canary-Secret-3\t"})  # a control character in the password
    answer = post(served, {"profile": "controlpanel", "rows": rows})
    assert [r["status"] for r in answer.json()["rows"]] == ["accepted", "rejected", "rejected"]
    detail = get(served, f"/imports/{answer.json()['batch_id']}")
    for text in (answer.text, detail.text, served.process.log()):
        assert "Log-Canary-Secret" not in text


def test_a_phone_sent_as_a_number_with_an_exponent_is_read_and_repaired(served, fresh):
    # What a client gets from a cell Excel turned into a number: JSON floats, however written
    row = example_row("iplum", fresh) | {"Phone #": "PHONE"}
    text = json.dumps({"profile": "iplum", "rows": [row, row | {"Email": f"x{fresh}@example.com"}]})
    data = text.replace('"PHONE"', "1.4155550123E10", 1).replace('"PHONE"', "14155550123.0", 1).encode()
    answer = requests.post(served.url + "/api/v1/imports", data=data, timeout=60,
                           headers=served.headers(str(uuid.uuid4())) | {"Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text
    assert [r["status"] for r in answer.json()["rows"]] == ["accepted", "accepted"]
    batch = answer.json()["batch_id"]
    exported = requests.get(f"{served.url}/api/v1/imports/{batch}/export", headers=served.headers(), timeout=60)
    assert exported.text.count("+14155550123") == 2, exported.text
