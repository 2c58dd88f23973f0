"""Stored users and their versions: what differs between two versions, which row holds a login key,
how a version gives the key up to a newer one, and a user's history.

Each stored user is one current row holding its login key (the unique (profile, login_key)
constraint); a newer version takes the key over, and the replaced row keeps it as former_key.
A user's history is every accepted row that holds or held the key, oldest first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from addin.profiles import get_profile
from addin.rules.columns import Profile, folded
from addin.rules.fields import quote

from .db import writing
from .models import Batch, BatchRow, aware, utcnow

LOOKUP_CHUNK = 1000  # keys per IN (...): under the databases' bound-parameter limits
_ROWS = BatchRow.__table__


class ChangedMeanwhile(Exception):
    """A stored user was replaced or withdrawn by another request while this one was settling
    against it: the transaction is rolled back and the batch stored again."""


def differences(profile: Profile, old: Mapping[str, str], new: Mapping[str, str]) -> list[dict[str, Any]]:
    """What differs between two versions of a user, column by column in the profile's order
    ("Email: was 'a@x.com', now 'b@x.com'"). An absent column counts as empty; login columns
    compare as login keys do (case aside); passwords are never compared or shown."""
    found = []
    logins = profile.login_key_columns
    for column in profile.columns:
        if column.secret:
            continue
        was, now = old.get(column.key) or "", new.get(column.key) or ""
        if was != now and not (column.key in logins and folded(was) == folded(now)):
            found.append({"column": column.header,
                          "message": f"{column.header}: was {quote(was) if was else 'empty'}, "
                                     f"now {quote(now) if now else 'empty'}"})
    return found


@dataclass(frozen=True, slots=True)
class Holder:
    """The stored row that holds a login key: the user's current version."""

    id: int
    batch_id: int
    row_number: int
    values: dict[str, str]

    @property
    def where(self) -> str:
        return f"batch {self.batch_id}, row {self.row_number}"


def current_holders(connection, profile_id: str, keys: Sequence[str]) -> dict[str, Holder]:
    found: dict[str, Holder] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        rows = connection.execute(
            select(_ROWS.c.login_key, _ROWS.c.id, _ROWS.c.batch_id, _ROWS.c.row_number, _ROWS.c["values"])
            .where(_ROWS.c.profile == profile_id, _ROWS.c.login_key.in_(keys[start:start + LOOKUP_CHUNK])))
        found.update({key: Holder(row_id, batch_id, number, values) for key, row_id, batch_id, number, values in rows})
    return found


def retire(connection, row_ids: Iterable[int]) -> int:
    """The rows give their login keys up (kept as former_key); how many still held one."""
    ids = sorted(row_ids)
    retired = 0
    for start in range(0, len(ids), LOOKUP_CHUNK):
        retired += connection.execute(
            update(_ROWS).where(_ROWS.c.id.in_(ids[start:start + LOOKUP_CHUNK]), _ROWS.c.login_key.is_not(None))
            .values(former_key=_ROWS.c.login_key, login_key=None)).rowcount
    return retired


def new_version_note(header: str, value: str, holder: Holder, what: str) -> dict[str, Any]:
    return {"column": header, "message": f"{header}: {quote(value)} was imported before ({holder.where}); {what} is "
                                         "stored as the user's new version, the earlier one kept in its history"}


def user_key(profile: Profile, row: BatchRow) -> str | None:
    """The login key a row is about: the one it holds or held, else the one its values give."""
    if row.login_key or row.former_key:
        return row.login_key or row.former_key
    found = profile.login_key(row.values or {})
    return found[1] if found else None


# --------------------------------------------------------------------------- history

@dataclass(slots=True)
class Version:
    row_id: int
    batch_id: int
    row_number: int
    at: dt.datetime
    by: str
    current: bool
    values: dict[str, str]
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)  # against the version before


def history_query(profile_id: str, keys: Sequence[str]) -> Select:
    """The accepted rows that hold or held one of KEYS, with when and by whom their batch came.

    The rows are found through the two indexes, one per kind of key, not with one condition
    "holds or held": SQLite answers that by reading every row of the profile (500 users' histories
    in a store of 50,000 rows: 75 ms instead of 3, growing with the store)."""
    holding = select(_ROWS.c.id).where(_ROWS.c.profile == profile_id, _ROWS.c.login_key.in_(keys))
    held = select(_ROWS.c.id).where(_ROWS.c.profile == profile_id, _ROWS.c.former_key.in_(keys))
    return (select(BatchRow, Batch.created_at, Batch.submitted_by).join(Batch, Batch.id == BatchRow.batch_id)
            .where(BatchRow.id.in_(union_all(holding, held)), BatchRow.status == "accepted"))


def histories(session: Session, profile: Profile, keys: Iterable[str]) -> dict[str, list[Version]]:
    """Every version of each user, oldest first, with what each changed."""
    wanted = sorted({k for k in keys if k})
    found: dict[str, list[Version]] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        rows = session.execute(history_query(profile.id, wanted[start:start + LOOKUP_CHUNK]))
        for row, created_at, submitted_by in rows:
            found.setdefault(row.login_key or row.former_key, []).append(Version(
                row.id, row.batch_id, row.row_number, aware(row.accepted_at or created_at),
                row.accepted_by or submitted_by, row.login_key is not None, row.values or {},
                aware(row.withdrawn_at), row.withdrawn_by))
    for versions in found.values():
        versions.sort(key=lambda v: (v.at, v.row_id))
        for before, after in zip(versions, versions[1:]):
            after.changes = differences(profile, before.values, after.values)
    return found


# --------------------------------------------------------------------------- a conflict imported later

class ReplaceRefused(Exception):
    """The row cannot replace the stored user (now); the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def import_conflict(session: Session, batch_id: int, row_id: int, by: str) -> BatchRow:
    """A conflict row of the batch becomes the current version of its user (the batch page's
    per-row choice): the stored version gives its login key up and stays in the history."""
    session.rollback()  # the request's reads so far: the write transaction starts afresh
    with writing(session):
        row = session.scalar(select(BatchRow).where(BatchRow.id == row_id, BatchRow.batch_id == batch_id)
                             .with_for_update())
        if row is None or row.status != "conflict":
            raise ReplaceRefused(f"Row {row_id} of batch {batch_id} is not a conflict (any more): nothing was changed.")
        if session.get(Batch, batch_id).withdrawn_at is not None:
            raise ReplaceRefused(f"Batch {batch_id} was withdrawn, so its rows replace no one: nothing was changed. "
                                 "Import the row again to store it.")
        profile = get_profile(row.profile)
        login_column, key = profile.login_key(row.values)
        header, value = profile.by_key[login_column].header, row.values.get(login_column, key)
        connection = session.connection()
        holder = current_holders(connection, profile.id, [key]).get(key)
        if holder is not None and retire(connection, [holder.id]) != 1:
            raise ReplaceRefused("The stored user changed meanwhile: nothing was changed. Look at the row again.")
        notes = ([new_version_note(header, value, holder, "this row"), *differences(profile, holder.values, row.values)]
                 if holder is not None else
                 [{"column": header, "message": f"{header}: {quote(value)} has no stored version any more, so this "
                                                "row is imported as it is"}])
        row.status, row.login_key, row.errors, row.notes = "accepted", key, [], notes
        row.duplicate_of = holder.id if holder is not None else None
        row.accepted_at, row.accepted_by = utcnow(), by
        session.execute(update(Batch).where(Batch.id == batch_id).values(
            conflicts=Batch.conflicts - 1, accepted=Batch.accepted + 1))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ReplaceRefused("The stored user changed meanwhile: nothing was changed. Look at the row again.") from None
    return row
