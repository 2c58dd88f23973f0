"""The upload page's column-mapping step: offered when a header row has names that are not the
format's, prefilled from the suggestions, and applied to the check, the checked workbook and the
import; the result says how the columns were read."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from server.db import session_scope
from server.models import BatchRow
from tests.web_client import admin, forms, web  # noqa: F401

COMMPEAK = ("Username,Email,Virtual Extension,Role,Skilgroup,Notes\r\n"
            "agent.one,one@example.com,1001,3,7,first\r\n"
            "agent.two,two@example.com,1002,3,8,second\r\n")


def chosen(html: str) -> dict[str, str]:
    [form] = [f for f in forms(html) if "Check with these columns" in f.buttons]
    return {name: value for name, value in form.fields.items() if name.startswith("column-")}


def stored_values(app) -> list[dict]:
    with session_scope(app) as session:
        return list(session.scalars(select(BatchRow.values).order_by(BatchRow.position)))


def test_unknown_headers_lead_to_the_mapping_step_prefilled_from_the_suggestions(web):
    step = web.upload(COMMPEAK.encode(), "agents.csv")
    assert step.status_code == 200
    page = step.text.replace("&#39;", "'")
    assert "agents.csv: which column is which?" in page and "Nothing is imported yet" in page
    assert chosen(step.text) == {"column-0": "username", "column-1": "email", "column-2": "virtual_extension",
                                 "column-3": "role", "column-4": "skill_group", "column-5": ""}
    assert "Import" not in " ".join(b for f in forms(step.text) for b in f.buttons)


def test_the_mapping_is_applied_shown_and_used_by_the_copy_and_the_import(app, web):
    step = web.upload(COMMPEAK.encode(), "agents.csv").text
    result = web.press(step, "Check with these columns")
    assert result.status_code == 200
    page = result.text.replace("&#39;", "'")
    assert "agents.csv: checked as CommPeak" in page and "Import the 2 valid rows" in page
    assert "Column E, 'Skilgroup': read as 'Skill Group'." in page and "Column F, 'Notes': not imported." in page
    assert "did you mean" not in page and "is not part of" not in page
    copy = load_workbook(io.BytesIO(web.press(result.text, "Download the checked workbook").data)).active
    assert [c.value for c in copy[1]] == ["Status", "Username", "Email", "Virtual Extension", "Role", "Skilgroup",
                                          "Notes", "Errors"]  # the file's own header
    assert [c.value for c in copy[2]][:2] == ["OK", "agent.one"]
    imported = web.press(result.text, "Import")
    assert imported.status_code == 302
    assert [v.get("skill_group") for v in stored_values(app)] == ["7", "8"]
    assert all("notes" not in v for v in stored_values(app))


def test_a_column_chosen_twice_is_asked_again(web):
    step = web.upload(COMMPEAK.encode(), "agents.csv").text
    again = web.press(step, "Check with these columns", **{"column-5": "skill_group"})
    assert again.status_code == 422
    assert "Columns E and F are both set to &#39;Skill Group&#39;: choose it for one of them only." in again.text
    assert chosen(again.text)["column-5"] == "skill_group"  # the admin's choices stay as made


def test_another_mapping_reads_the_columns_another_way(app, web):
    step = web.upload(COMMPEAK.encode(), "agents.csv").text
    result = web.press(step, "Check with these columns", **{"column-4": "", "column-5": "tag"}).text
    assert "Column E, &#39;Skilgroup&#39;: not imported." in result
    assert "Column F, &#39;Notes&#39;: read as &#39;Tag&#39;." in result
    assert "Tag: " in result  # 'first' is not a numeric tag ID: the check read the column as Tag
    back = web.press(result, "Match the columns again")
    assert back.status_code == 200 and chosen(back.text)["column-5"] == "tag" and chosen(back.text)["column-4"] == ""


def test_the_same_file_mapped_otherwise_is_another_import(app, web):
    first = web.press(web.upload(COMMPEAK.encode(), "agents.csv").text, "Check with these columns").text
    second = web.press(web.upload(COMMPEAK.encode(), "agents.csv").text, "Check with these columns",
                       **{"column-4": ""}).text
    one = web.press(first, "Import").headers["Location"]
    two = web.press(second, "Import").headers["Location"]
    assert one != two


def test_a_header_that_matches_goes_straight_to_the_result(web):
    content = "Username,E-Mail,Virtual Extension,Role ID\r\nagent.one,one@example.com,1001,3\r\n".encode()
    page = web.upload(content, "agents.csv", profile="commpeak").text
    assert "agents.csv: checked as CommPeak" in page and "which column is which" not in page
