"""Store-level helpers for the server tests: a batch submitted through the import service, a
batch read back, and its vendor export as text."""
from __future__ import annotations

from server.db import new_session, session_scope
from server.exports import batch_export
from server.imports import submit_batch
from server.models import Batch
from server.passwords import PasswordKeeper, keeper


def submit(app, profile_id: str, rows, passwords: PasswordKeeper | None = None, key: str | None = None, *,
           on_existing: str = "skip", who: str = "tests"):
    """The rows imported as one batch by WHO (an Idempotency-Key, when given, in WHO's token scope)."""
    session = new_session(app)
    try:
        return submit_batch(session, profile_id, rows, idempotency_key=key, key_scope=f"token:{who}" if key else None,
                            submitted_by=who, passwords=passwords or keeper(app), on_existing=on_existing)
    finally:
        session.close()


def stored_batch(app, batch_id: int) -> Batch:
    """The batch as stored now, its sealed passwords loaded."""
    with session_scope(app) as session:
        found = session.get(Batch, batch_id)
        found.passwords  # noqa: B018 - loaded before the session closes
        return found


def export_text(app, batch_id: int, passwords: PasswordKeeper | None = None) -> str:
    """The batch's vendor file, as text (raises ExportRefused as the download would)."""
    with session_scope(app) as session:
        return batch_export(session, session.get(Batch, batch_id), passwords or keeper(app)).content.decode("utf-8")
