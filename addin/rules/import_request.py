"""The body of an import request, built from checked rows: one form for every way rows reach the
import service (the workbook's Submit in either mode, and the server's upload page)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .engine import Report, RowResult
from .settings import VERSION_KEY, on_existing, profile_settings


def import_request(report: Report, results: Sequence[RowResult], *, workbook: str,
                   conf: Mapping[str, str]) -> dict[str, Any]:
    """{"profile", "rows", "source", "settings"} as POST /api/v1/imports takes it (JSON-ready), and
    "on_existing" when the workbook's conf sheet says it (ValueError for a value it cannot take).

    Rows carry the normalized values under the profile's headers, for the columns the sheet has,
    in the sheet's order; source names the workbook and the sheet row of every row sent.
    """
    profile = report.profile
    present = [column for _, column in sorted(report.header.positions, key=lambda p: p[0])]
    records = [{column.header: result.values.get(column.key, "") for column in present} for result in results]
    source = request_source(results, workbook=workbook, conf=conf)
    settings = {name: list(value) if isinstance(value, tuple) else value
                for name, value in profile_settings(profile, conf).items()}
    body = {"profile": profile.id, "rows": records, "source": source, "settings": settings}
    choice = on_existing(conf)
    if choice is not None:
        body["on_existing"] = choice
    return body


def request_source(results: Sequence[RowResult], *, workbook: str, conf: Mapping[str, str]) -> dict[str, Any]:
    """An import request's source: the workbook's name, the sheet row of every row sent and the
    template's version."""
    source: dict[str, Any] = {"workbook": workbook[:255], "row_numbers": [r.row for r in results]}
    if conf.get(VERSION_KEY):
        source["template_version"] = conf[VERSION_KEY][:50]
    return source
