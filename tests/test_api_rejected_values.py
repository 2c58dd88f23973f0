"""A rejected row keeps its values for the batch page, but not without bound: a 10 MB cell is
stored cut to its first 1,000 characters, and the row's errors say so. Against the real server."""
from __future__ import annotations

import json
import uuid

import requests
from sqlalchemy import create_engine, text

STORED_TEXT_CAP = 1000  # what README promises
TEN_MB = 10 * 1024 * 1024


def test_a_rejected_rows_huge_cell_is_stored_capped_and_the_row_says_so(serve, tmp_path):
    served = serve()
    from tests.server_rows import example_rows

    rows = example_rows("pbx", 2)
    rows[1]["FirstName"] = "A" * TEN_MB
    answer = requests.post(served.url + "/api/v1/imports", data=json.dumps({"profile": "pbx", "rows": rows}),
                           timeout=120, headers={**served.headers(str(uuid.uuid4())),
                                                 "Content-Type": "application/json"})
    assert answer.status_code == 201, answer.text[:500]
    outcome = answer.json()["rows"][1]
    assert outcome["status"] == "rejected"
    messages = [e["message"] for e in outcome["errors"]]
    assert "FirstName: is 10,485,760 characters long; at most 255 are allowed" in messages or any(
        "FirstName: is 10485760 characters long" in m for m in messages)
    assert (f"FirstName: the value has 10,485,760 characters; only its first {STORED_TEXT_CAP:,} are kept with "
            "this rejected row") in messages
    assert len(answer.content) < 10_000  # the answer does not carry the cell back either

    store = create_engine(served.process.database_url)
    with store.connect() as connection:
        stored = connection.execute(text('SELECT "values", errors FROM batch_rows WHERE status = \'rejected\'')).one()
        size = connection.execute(text('SELECT sum(length("values")) FROM batch_rows')).scalar()
    store.dispose()
    values = json.loads(stored[0])
    assert values["first_name"] == "A" * STORED_TEXT_CAP
    assert values["last_name"] == rows[1]["LastName"]  # the rest of the row is kept as it was
    print(f"\nstored values of the batch: {size:,} characters for a {TEN_MB:,}-character cell")
    assert size < 5_000
