"""Submit as the in-sheet button does it: which rows go, the request, and the answer written back.

Pure apart from the sender it is given: an HTTP client in local mode (addin.sheet.http_sender), the
import service called in-process in server mode (server.xlwings_endpoints). A sender takes the
request body and returns the import API's answer, or raises ImportFailed with a message for the
admin; it derives the Idempotency-Key with idempotency_key().
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..rules.annotations import MARK_FOR_LEVEL, NO_MARK
from ..rules.columns import header_token
from ..rules.import_request import import_request
from ..rules.settings import SettingProblem
from .validation import (IMPORTED_PREFIX, RowMarks, SheetCheck, annotation_writes, change_writes, file_errors,
                         file_problem_lines)
from .writes import Alert, Plan

ACCEPTED, REJECTED, DUPLICATE, CONFLICT = "accepted", "rejected", "duplicate", "conflict"
KEY_PREFIX = "rosterbook-"
ERROR_MARK = MARK_FOR_LEVEL["error"]
WARNING_MARK = MARK_FOR_LEVEL["warning"]


class ImportFailed(Exception):
    """The import server could not take the rows; nothing was imported. The message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


Sender = Callable[[dict[str, Any]], Mapping[str, Any]]


def idempotency_key(token: str, body: Mapping[str, Any]) -> str:
    """The same rows from the same workbook always give the same key, so a second press, a retry
    or a re-opened copy gets the first answer back instead of a second import. Keyed with the
    admin's token, so the stored key reveals nothing about the rows (passwords included)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hmac.new(token.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return KEY_PREFIX + digest


@dataclass(slots=True)
class Outbox:
    body: dict[str, Any]
    rows: list[int]  # the sheet rows sent, in order


def rows_to_send(check: SheetCheck) -> list[int]:
    """Valid rows not imported yet, top to bottom."""
    return sorted(row for row, result in check.results.items() if result.ok)


def import_body(check: SheetCheck, workbook: str, conf: Mapping[str, str]) -> Outbox:
    rows = rows_to_send(check)
    body = import_request(check.report, [check.results[row] for row in rows], workbook=workbook, conf=conf)
    return Outbox(body, rows)


# --------------------------------------------------------------------------- the answer

@dataclass(slots=True)
class Tally:
    imported: int = 0
    rejected: int = 0
    duplicates: int = 0
    conflicts: int = 0
    unanswered: int = 0


def imported_status(row_id: Any, batch_id: Any, when: dt.datetime) -> str:
    return f"{IMPORTED_PREFIX} {when:%Y-%m-%d %H:%M} UTC (id {row_id}, batch {batch_id})"


def record_answer(check: SheetCheck, outbox: Outbox, answer: Mapping[str, Any],
                  when: dt.datetime) -> tuple[Tally, dict[int, dict[int, Any]]]:
    """Each sent row's Status/Errors/Marks from the server's answer; returns the tally and the
    password cells to empty (imported rows only)."""
    profile = check.profile
    position = {header_token(c.header): i for i, c in enumerate(profile.columns)}
    secret_columns = [i for i, c in check.report.header.positions if c.secret]
    clears: dict[int, dict[int, Any]] = {}
    tally = Tally()
    by_row = {}
    for outcome in answer.get("rows") or []:
        if isinstance(outcome, Mapping) and isinstance(outcome.get("row"), int):
            by_row[outcome["row"]] = outcome
    for row in outbox.rows:
        outcome = by_row.get(row)
        if outcome is None:
            tally.unanswered += 1
            check.marks[row] = RowMarks("Not confirmed", "The server's answer did not mention this row: press "
                                        "Submit again (a row is never imported twice)", "")
            continue
        status = outcome.get("status")
        messages = _messages(outcome.get("errors"))
        if status == ACCEPTED:
            tally.imported += 1
            check.marks[row] = RowMarks(imported_status(outcome.get("id"), answer.get("batch_id"), when),
                                        "; ".join(_messages(outcome.get("notes"))), "")
            for index in secret_columns:
                clears.setdefault(index, {})[row] = None
        elif status == DUPLICATE:
            tally.duplicates += 1
            check.marks[row] = RowMarks("Duplicate", "; ".join(messages) or "Already imported earlier", "")
        elif status == CONFLICT:
            # the differing cells marked (as warnings, uncoloured): the row is fine, it only differs from what is stored
            tally.conflicts += 1
            check.marks[row] = RowMarks("Conflict", "; ".join(messages) or "Imported earlier with other values",
                                        _marks(profile, position, (outcome.get("errors") or [])[1:], WARNING_MARK))
        else:
            tally.rejected += 1
            check.marks[row] = RowMarks("Rejected", "; ".join(messages) or "Rejected by the server",
                                        _marks(profile, position, outcome.get("errors"), ERROR_MARK))
    return tally, clears


def _messages(entries: Any) -> list[str]:
    return [e.get("message", "") for e in entries or [] if isinstance(e, Mapping)]


def _marks(profile, position: Mapping[str, int], entries: Any, mark: str) -> str:
    """MARK on the columns the answer's entries name."""
    columns = {position.get(header_token(e.get("column") or "")) for e in entries or [] if isinstance(e, Mapping)}
    return "".join(mark if i in columns else NO_MARK for i in range(len(profile.columns)))


# --------------------------------------------------------------------------- the plan

def submission_plan(check: SheetCheck, send: Sender, workbook: str, conf: Mapping[str, str],
                    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> Plan:
    """Validate's writes, plus each sent row's outcome, in the same few bulk writes."""
    title = "rosterbook: Submit"
    problems = file_errors(check.report)
    failure: str | None = None
    tally: Tally | None = None
    outbox = None
    changes = {index: dict(values) for index, values in check.changes.items()}
    if problems:
        failure = ("Nothing was sent: the sheet as a whole has a problem to fix first."
                   + "\n" + "\n".join(file_problem_lines(check.report)))
    else:
        try:
            outbox = import_body(check, workbook, conf)
        except SettingProblem as exc:  # a template setting Submit cannot send
            failure = f"Nothing was sent: {exc}"
    if outbox is not None and outbox.rows:
        try:
            answer = send(outbox.body)
        except ImportFailed as exc:
            failure = exc.message + "\n\nNothing was marked imported and no cell was lost: press Submit again when this is fixed."
        else:
            tally, clears = record_answer(check, outbox, answer, now())
            for index, values in clears.items():
                changes.setdefault(index, {}).update(values)
    plan = Plan()
    writes, plan.skipped_repairs = change_writes(check, changes)
    plan.writes.extend(writes)
    plan.writes.extend(annotation_writes(check.region, check.marks))
    if failure is not None:
        plan.alert = Alert(title, failure, critical=True)
    else:
        plan.alert = Alert(title, submission_summary(check, outbox, tally))
    return plan


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def submission_summary(check: SheetCheck, outbox: Outbox | None, tally: Tally | None) -> str:
    held_back = sum(1 for r in check.results.values() if not r.ok)
    lines: list[str] = []
    if tally is None:
        lines.append("Nothing to send: no row is both valid and not yet imported.")
    else:
        lines.append(f"Sent {_count(len(outbox.rows), 'row')} to the import server: {tally.imported:,} imported, "
                     f"{tally.rejected:,} rejected, {_count(tally.duplicates, 'duplicate')}"
                     + (f", {_count(tally.conflicts, 'conflict')}." if tally.conflicts else "."))
        if tally.imported and any(c.secret for _, c in check.report.header.positions):
            lines.append("The password cells of imported rows were emptied, so no password stays in this workbook.")
        if tally.rejected:
            lines.append("Rejected rows are red where the server found the problem; the Errors column says what to do.")
        if tally.duplicates:
            lines.append("Duplicate rows were imported before (the Errors column says when); they were not imported again.")
        if tally.conflicts:
            lines.append(f"{_count(tally.conflicts, 'row')} {'is a conflict' if tally.conflicts == 1 else 'are conflicts'}"
                         ": the user was imported before with other values (the Errors column lists each "
                         "difference); nothing was imported. To store these rows as the users' new versions, set "
                         "rosterbook.on_existing to replace on the xlwings.conf sheet and press Submit again, or "
                         "choose per row on the server's batch page.")
        if tally.unanswered:
            lines.append(f"{_count(tally.unanswered, 'row')} got no answer: press Submit again.")
    if held_back:
        lines.append(f"{_count(held_back, 'row')} with errors {'was' if held_back == 1 else 'were'} not sent: "
                     "fix the red cells and press Submit again.")
    if check.imported:
        lines.append(f"{_count(len(check.imported), 'row')} imported earlier {'was' if len(check.imported) == 1 else 'were'} not sent again.")
    return "\n".join(lines)

