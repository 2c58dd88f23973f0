"""The one limit on a batch's size (ROSTERBOOK_MAX_BATCH_ROWS), worded once for every way rows
arrive: the API, the workbook's Submit (either mode) and the upload page."""
from __future__ import annotations


def too_many_rows(count: int, limit: int) -> str | None:
    """None when COUNT rows fit in a batch; else what is wrong and what to do (after 'has')."""
    if count <= limit:
        return None
    return (f"{count:,} rows; the server takes at most {limit:,} per batch: split them into batches of "
            f"{limit:,} rows or fewer (nothing was imported)")
