"""A batch's vendor file: its accepted rows not withdrawn, with their passwords while they are held.

The same for the API (GET /api/v1/imports/<id>/export) and the batch page's download. A format
that needs a password on every line (the control panel's) is refused once the passwords are
gone, with a message that says why and what to do, rather than a file the vendor would refuse
line by line.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin.files.export import ExportFile, export_rows
from addin.profiles import get_profile
from addin.rules.columns import Profile

from .imports import ACCEPTED
from .models import Batch, BatchRow, aware, utcnow
from .passwords import PasswordKeeper, PasswordsUnreadable, Secrets, erase, scrub


class ExportRefused(Exception):
    """No file can be made for this batch now; the message says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def batch_export(session: Session, batch: Batch, keeper: PasswordKeeper) -> ExportFile:
    profile = get_profile(batch.profile)
    rows = session.execute(select(BatchRow.position, BatchRow.values)
                           .where(BatchRow.batch_id == batch.id, BatchRow.status == ACCEPTED,
                                  BatchRow.withdrawn_at.is_(None))
                           .order_by(BatchRow.position)).all()
    secrets = held_passwords(session, batch, keeper) if _has_secrets(profile) else {}
    values = [{**row_values, **secrets[position]} if position in secrets else row_values
              for position, row_values in rows]
    _check_required_passwords(profile, batch, values, keeper)
    return export_rows(profile, values, f"{profile.id}-batch-{batch.id}")


def _has_secrets(profile: Profile) -> bool:
    return any(c.secret for c in profile.columns)


def held_passwords(session: Session, batch: Batch, keeper: PasswordKeeper, now: dt.datetime | None = None) -> Secrets:
    """The batch's passwords by row position while they are held; {} once erased. A batch whose
    retention has ended is erased here and now if no sweep got to it yet."""
    if batch.passwords_until is None or erase_if_expired(session, batch, now):
        return {}
    blob = session.scalar(select(Batch.passwords).where(Batch.id == batch.id))
    if blob is None:
        return {}
    try:
        return keeper.open(batch.id, blob)
    except PasswordsUnreadable:
        raise ExportRefused(
            f"The passwords of batch {batch.id} cannot be read with this server's key: they were encrypted with "
            "another one. Start the server with the ROSTERBOOK_PASSWORD_KEY (or the instance folder's password_key "
            "file) it had when the batch was imported, or erase this batch's passwords, withdraw it and import its "
            "users again.") from None


def erase_if_expired(session: Session, batch: Batch, now: dt.datetime | None = None) -> bool:
    """Erase the batch's passwords if their retention has ended and no sweep got to them yet."""
    until = batch.passwords_until
    if until is None or aware(until) > (now or utcnow()):
        return False
    if erase(session, batch_id=batch.id):
        scrub(session.get_bind())
    session.refresh(batch)
    return True


def _check_required_passwords(profile: Profile, batch: Batch, rows: list[dict[str, str]], keeper: PasswordKeeper) -> None:
    required = [c for c in profile.columns if c.secret and c.required]
    missing = next((c for c in required for row in rows if not row.get(c.key)), None)
    if missing is None:
        return
    kept = describe_duration(keeper.retention)
    if batch.passwords_erased_at is not None:
        why = (f"The passwords of batch {batch.id} were erased on {aware(batch.passwords_erased_at):%Y-%m-%d %H:%M} "
               "UTC")
    else:
        why = f"The passwords of batch {batch.id} were not kept"
    again = (f"then download the file within {kept}" if keeper.keeps
             else "after whoever runs the server sets ROSTERBOOK_PASSWORD_RETENTION above 0")
    raise ExportRefused(
        f"{why}, and the {profile.title} file needs a {missing.header} on every line, so no file was made. "
        f"Withdraw this batch and import its users again with their passwords, {again}.")


def describe_duration(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size * (2 if unit == "day" else 1) and seconds % size == 0:  # 24 hours, 2 days
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
