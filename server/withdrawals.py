"""Taking imports back: a whole batch, or one user's current version.

A withdrawn row stays stored and visible, marked with who withdrew it and when; it gives its
login key up (kept as former_key, for the user's history), so the user can be imported again.
A withdrawn batch's passwords are erased (its file is no longer needed) and its conflicts can no
longer replace anyone. The same for the web pages, the API and the command line.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from addin.profiles import get_profile
from addin.rules.columns import folded

from .db import writing
from .models import Batch, BatchRow, utcnow
from .passwords import erase, scrub

_ROWS = BatchRow.__table__


class NothingToWithdraw(LookupError):
    """No such batch or current user; the message says so."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def withdraw_batch(session: Session, batch_id: int, by: str) -> int:
    """Withdraw the batch: each accepted row not withdrawn yet is marked withdrawn (the batch's
    file no longer has it) and gives up its login key. Returns how many users that took back:
    the rows that were their users' stored versions. A row a later import replaced is marked
    too, but its user stays, with that later version. Who withdrew the batch, and when, is the
    first withdrawal's: withdrawing it again changes neither."""
    session.rollback()  # the request's reads so far: the write transaction starts afresh
    with writing(session):
        if session.get(Batch, batch_id, with_for_update=True) is None:
            raise NothingToWithdraw(f"There is no batch {batch_id}: nothing was withdrawn.")
        now = utcnow()
        standing = _standing(batch_id)
        # A standing row with a former key gave it up to a newer version (withdrawn rows are not
        # standing). Locked as they are read: on PostgreSQL another import could otherwise retire
        # one of them between this count and the update.
        former_keys = session.scalars(select(_ROWS.c.former_key).where(*standing).with_for_update()).all()
        replaced = sum(key is not None for key in former_keys)
        count = session.execute(
            update(_ROWS).where(*standing)
            .values(withdrawn_at=now, withdrawn_by=by, former_key=func.coalesce(_ROWS.c.login_key, _ROWS.c.former_key),
                    login_key=None)).rowcount
        session.execute(update(Batch).where(Batch.id == batch_id).values(
            withdrawn=Batch.withdrawn + count, withdrawn_at=func.coalesce(Batch.withdrawn_at, now),
            withdrawn_by=func.coalesce(Batch.withdrawn_by, by)))
        session.commit()
    if erase(session, batch_id=batch_id):
        scrub(session.get_bind())
    return count - replaced


def holding_users(session: Session, batch_id: int) -> int:
    """How many of the batch's rows are their users' stored versions now: what withdrawing the
    batch would take back."""
    return session.scalar(select(func.count()).select_from(_ROWS).where(*_standing(batch_id),
                                                                         _ROWS.c.former_key.is_(None)))


def _standing(batch_id: int) -> tuple:
    """The batch's rows still in its file: accepted, not withdrawn."""
    return _ROWS.c.batch_id == batch_id, _ROWS.c.status == "accepted", _ROWS.c.withdrawn_at.is_(None)


def users_taken_back(count: int) -> str:
    if count == 0:
        return ("no user taken back (later imports had replaced its users with newer versions, or they were "
                "withdrawn already)")
    logins = "their logins" if count != 1 else "its login"
    return f"{count} user{'s' if count != 1 else ''} taken back; {logins} can be imported again"


def withdraw_user(session: Session, profile_id: str, user: str, by: str) -> BatchRow:
    """Withdraw the current version of the user whose login is USER (as typed; case does not matter)."""
    profile = get_profile(profile_id)
    key = folded(user.strip())
    return _withdraw_one(session, select(BatchRow).where(BatchRow.profile == profile.id, BatchRow.login_key == key),
                         by, f"No {profile.title} user {user.strip()!r} is stored now (never imported, or withdrawn "
                             "already): nothing was withdrawn.")


def withdraw_row(session: Session, batch_id: int, row_id: int, by: str) -> BatchRow:
    """Withdraw this row's user, if the row is still the user's current version (the batch page's button)."""
    return _withdraw_one(session, select(BatchRow).where(BatchRow.id == row_id, BatchRow.batch_id == batch_id,
                                                         BatchRow.login_key.is_not(None)),
                         by, f"That row of batch {batch_id} is not its user's stored version (any more): "
                             "nothing was withdrawn.")


def _withdraw_one(session: Session, query, by: str, missing: str) -> BatchRow:
    session.rollback()  # the request's reads so far: the write transaction starts afresh
    with writing(session):
        row = session.scalar(query.with_for_update())
        if row is None:
            raise NothingToWithdraw(missing)
        row.former_key, row.login_key = row.login_key, None
        row.withdrawn_at, row.withdrawn_by = utcnow(), by
        session.execute(update(Batch).where(Batch.id == row.batch_id).values(withdrawn=Batch.withdrawn + 1))
        session.commit()
    return row
