"""The engine remembers clean texts per column within a file; repeats must be judged as the first was."""
from addin.profiles import get_profile
from addin.rules.engine import validate
from addin.rules.findings import Level

PBX = get_profile("pbx")
HEADER = ["Type", "LastName", "Extension", "Privacy", "Hold", "VM"]


def findings_by_row(rows):
    report = validate(PBX, [HEADER, *rows])
    return {r.row: sorted((f.column, f.level) for f in r.findings) for r in report.rows}, report


def test_a_repeated_bad_or_repaired_value_is_reported_on_every_row():
    rows = [["User", f"Doe{n}", str(2000 + n), " y", "7", "maybe"] for n in range(4)]
    found, report = findings_by_row(rows)
    for row in (2, 3, 4, 5):
        assert found[row] == [("Privacy", Level.FIXED), ("VM", Level.ERROR)]
    assert all(r.values["privacy"] == "y" for r in report.rows)


def test_a_clean_text_in_one_column_says_nothing_about_another():
    # '1' is a clean Hold ID but a Privacy flag to be written as 'y', on every row.
    rows = [["User", f"Doe{n}", str(2000 + n), "1", "1", "n"] for n in range(3)]
    found, report = findings_by_row(rows)
    assert all(found[row] == [("Privacy", Level.FIXED)] for row in (2, 3, 4))
    assert [(r.values["privacy"], r.values["hold"]) for r in report.rows] == [("y", "1")] * 3


def test_repeated_clean_values_keep_their_normalized_form():
    rows = [["user", f"Doe{n}", str(2000 + n), "n", "3", "y"] for n in range(3)]
    _, report = findings_by_row(rows)
    assert [r.values["type"] for r in report.rows] == ["User"] * 3
    assert all(f.level is Level.FIXED and f.column == "Type" for r in report.rows for f in r.findings)
    assert [len(r.findings) for r in report.rows] == [1, 1, 1]
