"""Nothing lost: online backups, and restoring one only after it has been checked.

``backup`` copies a consistent snapshot while the app may be open (SQLite's backup API) and
checks the copy. ``restore`` checks the backup first (a socmap database, SQLite's full
integrity check, the audit chain, a schema this version knows) and changes nothing when a check
fails; otherwise it keeps the replaced database aside, copies the backup in, re-applies any
disposal made after the backup was taken (disposed personal data must not come back), and
records the restore on the trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from socmap.domain.errors import (
    NotFoundError,
    PermissionDenied,
    SocmapError,
    StoreError,
    ValidationError,
)
from socmap.domain.roles import Permission, UserRole
from socmap.services.auth import require
from socmap.services.output import check_target
from socmap.store import audit, backup, users
from socmap.store.db import Store, open_store
from socmap.store.migrations import known_migration_names


@dataclass(frozen=True)
class BackupReport:
    """Where the backup went and what it holds."""

    path: Path
    size: int
    sha256: str
    audit_head: str


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def backup_database(store: Store, target: Path, *, overwrite: bool = False) -> BackupReport:
    """Write a checked backup of the open database to ``target`` (recorded on the trail)."""
    require(store, Permission.EXPORT, action="take backups")
    if store.on_server:
        raise SocmapError(
            f"{store.where()} is a PostgreSQL server: its DBA backs it up with PostgreSQL's own "
            "tools (pg_dump, or base backups with WAL archiving; see the README)"
        )
    # never the open database or its working files, never another database; an earlier socmap
    # backup only with ``overwrite``
    target = check_target(store, target, replace_backup=True)
    if target.exists() and not overwrite:
        raise ValidationError("output", f"{target} already exists (pass --force to replace it)")
    if target.exists() and backup.sqlite_kind(target) != "backup":
        # --force replaces only an earlier socmap backup, never any other file
        raise ValidationError(
            "output",
            f"{target} exists and is not a socmap backup (--force replaces only an earlier "
            "backup; choose another file name)",
        )
    with store.atomic():
        audit.record(
            store,
            action="backup",
            entity="database",
            summary="backup taken (the file's name is in the recorded values)",
            extra={"file": target.name},
        )
    backup.online_backup(store, target)
    check = backup.check_file(target)
    if check.problem:
        raise StoreError(f"the backup failed its own check: {check.problem}")
    with backup.read_only(target, actor=store.actor) as copy:
        problem = audit.verify_chain(copy)
        row_id, h = audit.head(copy)
    if problem is not None:
        raise StoreError(
            f"the backup's audit chain does not verify at row {problem.row_id}: {problem.reason}"
        )
    return BackupReport(target, target.stat().st_size, _sha256(target), f"{row_id}:{h}")


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    restored_from: Path
    replaced_kept_at: Path | None
    reapplied_disposals: tuple[tuple[str, int], ...] = field(default=())


def check_backup(path: Path, *, actor: str) -> tuple[str, int]:
    """Check a backup file without changing anything; returns its audit head (ID:HASH, rows).

    Raises StoreError saying what is wrong with it.
    """
    path = Path(path).expanduser()
    check = backup.check_file(path)
    if check.problem:
        raise StoreError(f"backup refused: {check.problem}; nothing was changed")
    unknown = [s for s in check.schema_steps if s not in known_migration_names()]
    if unknown:
        raise StoreError(
            f"backup refused: {path} was written by a newer socmap (schema step '{unknown[0]}'); "
            "nothing was changed"
        )
    with backup.read_only(path, actor=actor) as copy:
        problem = audit.verify_chain(copy)
        row_id, h = audit.head(copy)
        rows = audit.count(copy)
    if problem is not None:
        raise StoreError(
            f"backup refused: its audit trail fails at row {problem.row_id} ({problem.reason}); "
            "nothing was changed"
        )
    return f"{row_id}:{h}", rows


def _disposals(store: Store) -> set[tuple[str, str, str]]:
    return {(r.entity, r.entity_id, r.ts) for r in audit.rows(store, action="dispose", limit=10**9)}


def restore_database(db_path: Path, backup_path: Path, *, actor: str) -> RestoreReport:
    """Replace the database at ``db_path`` with a checked backup; the old file is kept aside.

    The acting account must be an admin in the backup and, when the current database can be
    opened, in it too.
    """
    from socmap.services import review

    db_path = Path(db_path).expanduser()
    backup_path = Path(backup_path).expanduser()
    if db_path.exists() and backup_path.resolve() == db_path.resolve():
        raise ValidationError("backup", "the backup is the database itself")
    check_backup(backup_path, actor=actor)
    with backup.read_only(backup_path, actor=actor) as copy:
        role = users.role_of(copy, actor)
        disposed_in_backup = _disposals(copy)
    if role != UserRole.ADMIN.value:
        raise PermissionDenied(
            f"'{actor}' is not an admin in the backup ({role or 'not registered'}); "
            "only an admin may restore it"
        )
    current: Store | None = None
    later_disposals: list[tuple[str, str]] = []
    if db_path.exists():
        try:
            current = open_store(db_path, actor=actor, migrate=False)
        except StoreError:
            current = None  # damaged: the reason a restore is wanted
        if current is not None:
            try:
                require(current, Permission.ADMIN, action="restore the database")
                later_disposals = sorted(
                    {(e, i) for e, i, ts in _disposals(current) - disposed_in_backup}
                )
            finally:
                current.close()
    kept: Path | None = None
    if db_path.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        kept = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
        if current is not None:
            live = open_store(db_path, actor=actor, migrate=False)
            try:
                backup.online_backup(live, kept)
            finally:
                live.close()
            backup.copy_into(backup_path, db_path)
        else:
            backup.copy_raw(db_path, kept)
            backup.replace_file(backup_path, db_path)
    else:
        backup.replace_file(backup_path, db_path)
    store = open_store(db_path, actor=actor)
    reapplied: list[tuple[str, int]] = []
    try:
        for entity, entity_id in later_disposals:
            if entity not in review.REFERRING_KEYS or not entity_id.isdigit():
                continue
            try:
                review.dispose(
                    store,
                    entity,
                    int(entity_id),
                    rationale="re-applied after a restore: it was disposed of after the backup "
                    "was taken",
                )
            except NotFoundError:
                continue
            reapplied.append((entity, int(entity_id)))
        with store.atomic():
            audit.record(
                store,
                action="restore",
                entity="database",
                summary="restored from a backup"
                + ("; the replaced database was kept aside" if kept else "")
                + (f"; {len(reapplied)} later disposals re-applied" if reapplied else ""),
                extra={
                    "sha256": _sha256(backup_path),
                    "reapplied": reapplied,
                    "file": backup_path.name,
                    "kept_as": kept.name if kept else "",
                },
            )
    finally:
        store.close()
    return RestoreReport(backup_path, kept, tuple(reapplied))
