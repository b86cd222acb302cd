"""The one way socmap writes a file for people: a checked target, a temporary file, the audit row
with the file's SHA-256, then a rename.

Every exporter (briefings, profiles, calendars, graphs, networks, audit extracts, ``assign``)
calls :func:`write_files`; the app's export dialogs reach it through those exporters. It:

- refuses, before anything is written, a target that is the open database or its ``-wal``,
  ``-shm`` or ``-journal`` file, any other SQLite file (another database or a socmap backup),
  a folder, or a file in a folder that does not exist;
- has the exporter write temporary files beside the targets, so an existing file is replaced
  only when the new one is complete (fsync, then rename);
- records the audit row (given each file's SHA-256) and renames the files into place in one
  transaction: when the audit row cannot be written (database locked or read-only) no file is
  left behind, and an existing file that was to be replaced is put back.

The open database is recognised by ``os.stat`` (``samefile``) and by its path before any file is
opened: opening and closing the live database file with plain ``open()`` in the process that
holds it through SQLite would drop SQLite's POSIX locks.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from socmap.domain.errors import SocmapError, ValidationError
from socmap.store.backup import sqlite_kind
from socmap.store.db import Store, write_failure

T = TypeVar("T")

#: SQLite's working files beside a database.
WORKING_SUFFIXES = ("-wal", "-shm", "-journal")

_KIND_WORDS = {
    "backup": "a socmap backup",
    "socmap": "a socmap database",
    "sqlite": "a SQLite database",
    "geopackage": "a GeoPackage",
    "wal": "a SQLite write-ahead log",
}


@dataclass(frozen=True)
class Written:
    """One file an export wrote: where it now is, and what it holds."""

    path: Path
    sha256: str
    size: int


def _refuse(path: Path, why: str) -> ValidationError:
    return ValidationError("output", f"{path} {why}; nothing was written")


def _same_place(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file: by inode when both exist, else by path."""
    try:
        if os.path.samefile(a, b):  # os.stat only: nothing is opened
            return True
    except OSError:
        pass
    return os.path.normcase(a.resolve()) == os.path.normcase(b.resolve())


def open_database_role(store: Store, path: Path) -> str | None:
    """``database`` or the working-file suffix when ``path`` is the open database's file."""
    db = store.path
    if db is None:
        return None
    if _same_place(path, db):
        return "database"
    for suffix in WORKING_SUFFIXES:
        if _same_place(path, Path(f"{db}{suffix}")):
            return suffix
    return None


def check_target(
    store: Store,
    path: Path | str,
    *,
    replace_backup: bool = False,
    replace_geopackage: bool = False,
) -> Path:
    """The output path, once it is safe to write; ValidationError (one line) otherwise.

    Refused: the open database and its working files, any other SQLite file (another database,
    a write-ahead log, a socmap backup unless ``replace_backup``, a GeoPackage unless
    ``replace_geopackage``: a layer export replacing its earlier self), a folder, a missing folder.
    """
    path = Path(path).expanduser()
    if not path.name or path.is_dir():
        raise _refuse(path, "is a folder (give a file name)")
    role = open_database_role(store, path)
    if role == "database":
        raise _refuse(path, "is the open database (an export never overwrites the record)")
    if role is not None:
        raise _refuse(path, f"is the open database's {role} file (an export never touches it)")
    if not path.parent.is_dir():
        raise _refuse(path, f"cannot be written: the folder {path.parent} does not exist")
    for suffix in WORKING_SUFFIXES:
        base = path.with_name(path.name[: -len(suffix)]) if path.name.endswith(suffix) else None
        if base is None or not base.is_file():
            continue
        # never open() the live database, even by another name (a link): stat first
        if open_database_role(store, base) is not None or sqlite_kind(base) is not None:
            raise _refuse(path, f"is the {suffix} file of the SQLite database {base}")
    if path.exists():
        if not path.is_file():
            raise _refuse(path, "is not a regular file")
        kind = sqlite_kind(path)
        allowed = (kind == "backup" and replace_backup) or (
            kind == "geopackage" and replace_geopackage
        )
        if kind is not None and not allowed:
            raise _refuse(path, f"is {_KIND_WORDS[kind]} (an export never overwrites one)")
    return path


def format_for(path: Path | str, fmt: str | None, formats: Sequence[str], *, default: str) -> str:
    """The file format: the output's suffix decides; a ``fmt`` that disagrees is refused.

    Without a suffix that names one of ``formats``, ``fmt`` (or ``default``) is used.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    chosen = fmt.lower() if fmt else None
    if chosen is not None and chosen not in formats:
        raise ValidationError("format", f"'{fmt}' is not one of {', '.join(formats)}")
    if suffix in formats:
        if chosen is not None and chosen != suffix:
            raise ValidationError(
                "format",
                f"--format {chosen} contradicts the file name {Path(path).name} "
                f"(a .{suffix} file holds {suffix.upper()})",
            )
        return suffix
    if suffix and suffix not in formats and chosen is None:
        raise ValidationError(
            "output",
            f"{Path(path).name}: '.{suffix}' is not one of the formats "
            f"({', '.join(formats)}); name the file for its format or give --format",
        )
    return chosen or default


def _temp_for(target: Path) -> Path:
    # beside the target (same file system: the rename is atomic), hidden, same suffix
    return target.with_name(f".{target.stem}.{secrets.token_hex(4)}.partial{target.suffix}")


def _sync(path: Path) -> Written:
    h = hashlib.sha256()
    size = 0
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return Written(path, h.hexdigest(), size)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _set_aside(target: Path) -> Path | None:
    """Keep an existing ``target`` reachable under another name until the export commits."""
    if not target.exists():
        return None
    kept = target.with_name(f".{target.name}.{secrets.token_hex(4)}.previous")
    try:
        os.link(target, kept)  # the target itself stays in place until the rename
    except OSError:
        os.replace(target, kept)
    return kept


def write_files(
    store: Store,
    targets: Sequence[Path | str],
    write: Callable[[list[Path]], object],
    record: Callable[[list[Written]], T],
    *,
    replace_backup: bool = False,
    replace_geopackage: bool = False,
) -> T:
    """Write files for people: checked, complete before they replace anything, audited.

    Args:
        targets: the files to produce (checked with :func:`check_target` first).
        write: writes each file to the temporary path given in the same order as ``targets``.
        record: writes the audit row(s) from each final file's path and SHA-256; it runs in the
            transaction that renames the files into place.

    Returns:
        What ``record`` returned.
    """
    checked = [
        check_target(store, t, replace_backup=replace_backup, replace_geopackage=replace_geopackage)
        for t in targets
    ]
    if len({os.path.normcase(p.resolve()) for p in checked}) != len(checked):
        raise ValidationError("output", "two of the files to write have the same name")
    temps = [_temp_for(t) for t in checked]
    moved: list[tuple[Path, Path | None]] = []
    try:
        write(list(temps))
        written = []
        for tmp, target in zip(temps, checked, strict=True):
            if not tmp.is_file():
                raise SocmapError(f"cannot write {target}: the file was not produced")
            w = _sync(tmp)
            written.append(Written(target, w.sha256, w.size))
        try:
            with store.atomic():
                result = record(written)
                for tmp, target in zip(temps, checked, strict=True):
                    if target.exists():  # a file someone restricted stays restricted
                        os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
                    moved.append((target, _set_aside(target)))
                    os.replace(tmp, target)
        except BaseException as exc:
            # the audit row is not there: neither is any file it would have described
            for target, kept in reversed(moved):
                if kept is not None:
                    os.replace(kept, target)
                else:
                    target.unlink(missing_ok=True)
            failure = write_failure(store, exc)
            if failure is not None:
                raise failure from None
            raise
        for _target, kept in moved:
            if kept is not None:
                kept.unlink(missing_ok=True)
        for folder in {t.parent for t in checked}:
            _sync_folder(folder)
        return result
    except OSError as exc:
        raise SocmapError(f"cannot write {checked[0]}: {exc.strerror or exc}") from None
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def write_file(
    store: Store,
    target: Path | str,
    write: Callable[[Path], object],
    record: Callable[[Written], T],
    *,
    replace_backup: bool = False,
    replace_geopackage: bool = False,
) -> T:
    """:func:`write_files` for one file."""
    return write_files(
        store,
        [target],
        lambda paths: write(paths[0]),
        lambda written: record(written[0]),
        replace_backup=replace_backup,
        replace_geopackage=replace_geopackage,
    )
