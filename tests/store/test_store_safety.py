"""Store safety (issues 11.3, 11.6, 14.5): locks kept, unsafe files refused, errors explained."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from socmap.cli import main as cli_main
from socmap.domain.errors import StoreError
from socmap.domain.groups import Nominal, Ocg
from socmap.services import register, review
from socmap.store import db as store_db
from socmap.store.db import open_store

REPO = Path(__file__).resolve().parents[2]


def _other_process(script: str, path: Path) -> str:
    """Run ``script`` (with ``path`` as PATH) in a separate Python process; its stdout."""
    code = textwrap.dedent(script).replace("PATH", repr(str(path)))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_two_stores_in_one_process_keep_the_wal_of_a_live_database(tmp_path: Path) -> None:
    """Opening a second store must not drop the first one's locks (howtocorrupt.html 2.2)."""
    path = tmp_path / "live.db"
    first = open_store(path)
    register.create_ocg(first, Ocg(name="Before the second store"))
    second = open_store(path)  # the checks on open read the file: only through SQLite
    try:
        register.create_ocg(first, Ocg(name="Written while both are open"))
        wal = Path(f"{path}-wal")
        assert wal.exists() and wal.stat().st_size > 0
        # Another process opens and closes the file. Its close checkpoints and deletes the WAL
        # when it believes it is the last connection, which it does if this process's locks
        # were dropped: later writes here would then go to a deleted file.
        _other_process(
            """
            import sqlite3
            c = sqlite3.connect(PATH)
            c.execute("SELECT COUNT(*) FROM ocgs").fetchone()
            c.close()
            """,
            path,
        )
        assert wal.exists(), "another process deleted the WAL of a database open here"
        register.create_ocg(second, Ocg(name="Written by the second store"))
        register.create_ocg(first, Ocg(name="Written by the first store last"))
        names = _other_process(
            """
            import sqlite3
            c = sqlite3.connect(PATH)
            print("|".join(r[0] for r in c.execute("SELECT name FROM ocgs ORDER BY id")))
            print(c.execute("PRAGMA integrity_check").fetchone()[0])
            """,
            path,
        ).splitlines()
        assert names[0].split("|") == [
            "Before the second store",
            "Written while both are open",
            "Written by the second store",
            "Written by the first store last",
        ]
        assert names[1] == "ok"
    finally:
        second.close()
        first.close()


def test_no_python_file_handle_on_the_database_while_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule behind the test above, for every check made on open: nothing in socmap opens
    the database file itself (SQLite alone does)."""
    path = tmp_path / "f.db"
    open_store(path).close()
    opened: list[str] = []
    real_open = open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(path)):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    import builtins
    import io

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    real_os_open = os.open

    def os_spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).startswith(str(path)) and not str(file).endswith(".log"):
            opened.append(str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_spy)
    s = open_store(path)
    register.create_ocg(s, Ocg(name="x"))
    s.close()
    from socmap.store import backup

    assert backup.check_file(path).problem is None
    assert opened == []


NFS_MOUNTINFO = (
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "98 22 0:51 / {mount} rw,relatime shared:60 - nfs4 fileserver:/export/intel rw,vers=4.2\n"
)


def test_a_database_on_a_network_share_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    table = tmp_path / "mountinfo"
    table.write_text(NFS_MOUNTINFO.format(mount=share))
    monkeypatch.setattr(store_db, "MOUNTINFO", table)
    assert store_db.network_share(tmp_path / "local.db") is None
    assert store_db.network_share(share / "socmap.db") == "fileserver:/export/intel (nfs4)"
    with pytest.raises(StoreError, match=r"network share \(fileserver:/export/intel"):
        open_store(share / "socmap.db")
    assert not (share / "socmap.db").exists()  # nothing was created there
    open_store(tmp_path / "local.db").close()  # a local disk is fine
    for fstype in ("cifs", "smb3", "fuse.sshfs", "9p"):
        table.write_text(NFS_MOUNTINFO.format(mount=share).replace("nfs4", fstype))
        assert store_db.network_share(share / "x.db") is not None, fstype
    # UNC paths name the server
    assert store_db.network_share(Path(r"\\fileserver\intel\socmap.db")) == r"\\fileserver\intel"
    with pytest.raises(StoreError, match=r"network share \(\\\\fileserver\\intel\)") as info:
        open_store(r"\\fileserver\intel\socmap.db")
    assert "socmap server import" in str(info.value)  # the pointer to the shared server


def test_mount_points_with_spaces_are_understood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "team share"
    share.mkdir()
    table = tmp_path / "mountinfo"
    table.write_text(NFS_MOUNTINFO.format(mount=str(share).replace(" ", "\\040")))
    monkeypatch.setattr(store_db, "MOUNTINFO", table)
    assert store_db.network_share(share / "socmap.db") is not None


def _cli(*argv: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "socmap", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    return done.returncode, done.stderr


def test_a_fifo_as_the_database_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    code, err = _cli("audit", "verify", "--db", str(fifo))
    assert code == 6 and "not a regular file" in err and "internal error" not in err
    with pytest.raises(StoreError, match="not a regular file"):
        open_store(fifo)


def test_an_empty_file_is_not_made_a_database_by_a_command_that_only_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for argv in (["audit", "verify"], ["users", "list"], ["audit", "head"]):
        assert cli_main([*argv, "--db", str(empty)]) == 6
        err = capsys.readouterr().err
        assert "empty file" in err and err.count("\n") == 1
        assert empty.stat().st_size == 0
        assert not Path(f"{empty}-wal").exists()
    # a command (or the app) that creates may still start a database in an empty file
    open_store(empty).close()
    assert empty.stat().st_size > 0


def test_a_write_lock_held_too_long_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "busy.db"
    open_store(path).close()
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")  # another socmap in the middle of a long write
    try:
        s = open_store(path)
        with pytest.raises(StoreError, match=r"(?i)another socmap is writing.*try again"):
            register.create_ocg(s, Ocg(name="waits"))
        s.close()
        assert cli_main(["users", "add", "ds.smith", "--role", "analyst", "--db", str(path)]) == 6
        err = capsys.readouterr().err
        assert "another socmap is writing" in err and "nothing was changed" in err
        assert "internal error" not in err
    finally:
        holder.rollback()
        holder.close()


class _FullDisk:
    """A connection whose VACUUM fails as on a full disk (everything else is passed on)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.strip().upper() == "VACUUM":
            raise sqlite3.OperationalError("database or disk is full")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_a_full_disk_after_a_disposal_says_the_disposal_was_saved(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    s = open_store(path)
    nominal, _ = register.create_nominal(s, Nominal(surname="Doe"))
    s.db.conn = _FullDisk(s.db.conn)  # type: ignore[assignment]
    with pytest.raises(StoreError, match=r"was disposed of \(that is saved.*disk holding .* full"):
        review.dispose(s, "nominal", nominal.id, rationale="no longer needed for policing")
    s.close()
    again = open_store(path)
    assert again.conn.execute("SELECT COUNT(*) FROM nominals").fetchone()[0] == 0
    again.close()


def test_sqlite_errors_a_person_can_fix_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.db"
    open_store(path).close()
    ro = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as real:
        ro.execute("CREATE TABLE t (a)")
    ro.close()
    monkeypatch.setattr(store_db.os, "access", lambda p, mode: Path(p) != path)
    assert "x.db is read-only" in str(store_db.explain_sqlite_error(real.value, path))
    monkeypatch.setattr(store_db.os, "access", lambda p, mode: Path(p) != tmp_path)
    text = str(store_db.explain_sqlite_error(real.value, path))
    assert f"the folder {tmp_path} is read-only" in text and "damaged" not in text
    full = sqlite3.OperationalError("database or disk is full")
    assert "is full; your change was saved" in str(
        store_db.explain_sqlite_error(full, path, committed=True)
    )
    assert (
        store_db.explain_sqlite_error(sqlite3.OperationalError("no such column: x"), path) is None
    )


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_read_only_file_and_folder_are_named_not_damaged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # pragma: no cover - needs a non-root account
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "socmap.db"
    open_store(path).close()
    path.chmod(0o444)
    assert cli_main(["audit", "verify", "--db", str(path)]) == 6
    assert "read-only" in capsys.readouterr().err
    path.chmod(0o644)
    folder.chmod(0o555)
    try:
        assert cli_main(["audit", "verify", "--db", str(path)]) == 6
        err = capsys.readouterr().err
        assert "read-only" in err and "damaged" not in err
    finally:
        folder.chmod(0o755)


def test_the_anchor_is_written_only_after_a_commit(tmp_path: Path) -> None:
    from socmap.store import audit

    s = open_store(tmp_path / "a.db")
    anchor = audit.read_anchor(s)
    assert anchor is not None and anchor[1] == audit.head(s)

    def cancelled() -> None:
        with s.atomic():
            register.create_ocg(s, Ocg(name="rolled back"))
            raise RuntimeError("cancel")

    with pytest.raises(RuntimeError):
        cancelled()
    assert audit.read_anchor(s) == anchor  # nothing was committed, nothing anchored
    register.create_ocg(s, Ocg(name="kept"))
    again = audit.read_anchor(s)
    assert again is not None and again[1] == audit.head(s) and again[1][0] == anchor[1][0] + 1
    s.close()


def test_threads_each_with_a_store_do_not_lose_writes(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    open_store(path).close()
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            s = open_store(path)
            for i in range(5):
                register.create_ocg(s, Ocg(name=f"t{k}-{i}"))
            s.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    count = _other_process(
        """
        import sqlite3
        print(sqlite3.connect(PATH).execute("SELECT COUNT(*) FROM ocgs").fetchone()[0])
        """,
        path,
    )
    assert count == "15"
