"""A throwaway PostgreSQL server for tests and CI (standard library only).

Usage::

    python tools/pg_server.py start [--dir D] [--port P]   # prints the admin URL on stdout
    python tools/pg_server.py url   [--dir D]              # the running server's admin URL
    python tools/pg_server.py stop  [--dir D]              # stops it and removes D
    python tools/pg_server.py check                        # binaries and PostGIS present?

``start`` makes a new cluster in D (default: ``$TMPDIR/socmap-pg-<user>``; D must be new or
empty), listening only on 127.0.0.1 at port P (a free one when not given) with its unix socket
inside D, waits until it accepts connections and prints
``postgresql://postgres@127.0.0.1:PORT/postgres``. Everything it writes stays inside D: ``stop``
removes D (only a directory this tool made: it carries a marker file).

PostgreSQL refuses to run as root: when run as root the cluster belongs to the ``postgres`` OS
account (``--os-user``), D is handed to it and every server command runs as it. As any other
user it runs as that user. The binaries are found with ``pg_config --bindir``, then
``/usr/lib/postgresql/*/bin`` (newest first), then ``PATH``; ``$SOCMAP_PG_BINDIR`` overrides.

This is a test server, not a deployment: authentication is ``trust`` for local and loopback
(127.0.0.1/::1) connections, so any local account can connect as any role without a password,
and durability is off (fsync, synchronous_commit, full_page_writes) for speed. Never point it at
data you want to keep.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: A file in every directory this tool made; ``stop`` removes only directories that carry it.
MARKER = "socmap-pg-server"
SUPERUSER = "postgres"
START_TIMEOUT_S = 60
#: Unix socket paths are limited to 107 bytes; ``.s.PGSQL.NNNNN`` is added to the directory.
MAX_SOCKET_DIR = 90

TEST_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    # durability off: a throwaway test cluster, rebuilt for every run
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


class PgServerError(RuntimeError):
    """Something this tool cannot do, said in one line."""


@dataclass(frozen=True)
class Server:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return admin_url(self.port)


def admin_url(port: int, host: str = "127.0.0.1") -> str:
    return f"postgresql://{SUPERUSER}@{host}:{port}/postgres"


# -- finding the binaries ---------------------------------------------------------------------


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def _candidate_bindirs() -> list[Path]:
    out: list[Path] = []
    env = os.environ.get("SOCMAP_PG_BINDIR")
    if env:
        return [Path(env)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            res = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
            )
            if res.returncode == 0 and res.stdout.strip():
                out.append(Path(res.stdout.strip()))
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        out.append(Path(d))
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        out.append(Path(pg_ctl).resolve().parent)
    return out


def find_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None."""
    for d in _candidate_bindirs():
        if all((d / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


def postgis_control(bindir: Path) -> Path | None:
    """The ``postgis.control`` file for the server in ``bindir``, or None when PostGIS is absent."""
    sharedirs: list[Path] = []
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            res = subprocess.run(
                [str(pg_config), "--sharedir"], capture_output=True, text=True, timeout=10
            )
            if res.returncode == 0 and res.stdout.strip():
                sharedirs.append(Path(res.stdout.strip()))
    # Debian: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15
    if bindir.parent.parent.name == "postgresql":
        sharedirs.append(Path("/usr/share/postgresql") / bindir.parent.name)
    sharedirs.append(bindir.parent / "share" / "postgresql")
    sharedirs.append(bindir.parent / "share")
    for share in sharedirs:
        control = share / "extension" / "postgis.control"
        if control.is_file():
            return control
    return None


def _require_bindir() -> Path:
    bindir = find_bindir()
    if bindir is None:
        raise PgServerError(
            "no PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin, "
            "PATH); on Debian: apt-get install postgresql postgresql-postgis"
        )
    return bindir


# -- running as the right account ------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    """The OS account the server runs as (None fields: the current user, no switching)."""

    uid: int | None
    gid: int | None
    name: str


def _account(os_user: str) -> _Account:
    if os.name != "posix" or os.geteuid() != 0:
        return _Account(None, None, getpass.getuser())
    try:
        pw = pwd.getpwnam(os_user)
    except KeyError:
        raise PgServerError(
            f"running as root, PostgreSQL must run as another account, and {os_user!r} does not "
            "exist (installing PostgreSQL creates it; or pass --os-user)"
        ) from None
    return _Account(pw.pw_uid, pw.pw_gid, os_user)


def _run(
    account: _Account, args: list[str], cwd: Path, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    if account.uid is not None:
        env.update(HOME=str(cwd), USER=account.name, LOGNAME=account.name)
    res = subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        user=account.uid,
        group=account.gid,
        extra_groups=[] if account.uid is not None else None,
    )
    if check and res.returncode != 0:
        output = (res.stderr or res.stdout).strip().splitlines()
        raise PgServerError(f"{Path(args[0]).name} failed: {' | '.join(output[-5:])}")
    return res


def _reachable_by(path: Path, account: _Account) -> bool:
    """True when every directory above ``path`` can be traversed by ``account``."""
    if account.uid is None:
        return True
    for parent in path.resolve().parents:
        st = parent.stat()
        if st.st_uid == account.uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == account.gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            return False
    return True


# -- the server ------------------------------------------------------------------------------


def default_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"socmap-pg-{getpass.getuser()}"


def new_dir(account_user: str = "postgres") -> Path:
    """A new, empty directory for a server that ``account_user`` can reach (when root)."""
    account = _account(account_user)
    base = Path(tempfile.gettempdir())
    if not _reachable_by(base / "x", account):
        base = Path("/tmp")
    return Path(tempfile.mkdtemp(prefix="socmap-pg-", dir=base))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(port: int, timeout: float = 1.0) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout):
        return True
    return False


def running_port(directory: Path) -> int | None:
    """The port of the server running in ``directory``, or None."""
    pidfile = directory / "data" / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return port


def _write_settings(directory: Path, port: int) -> None:
    sock = directory / "sock"
    settings = dict(TEST_SETTINGS, port=str(port), unix_socket_directories=f"'{sock}'")
    text = "# written by tools/pg_server.py: a throwaway test cluster\n" + "".join(
        f"{k} = {v}\n" for k, v in settings.items()
    )
    (directory / "data" / "socmap_test.conf").write_text(text)


def _initdb(bindir: Path, directory: Path, account: _Account) -> None:
    data = directory / "data"
    base = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        # trust for local and loopback connections: acceptable for a throwaway test cluster only
        "-A",
        "trust",
        "--encoding=UTF8",
        "--no-sync",
    ]
    try:
        _run(account, [*base, "--locale=C.UTF-8"], directory)
    except PgServerError:
        # no C.UTF-8 locale on this system: plain C (byte order, ASCII case rules) with UTF8
        shutil.rmtree(data, ignore_errors=True)
        _run(account, [*base, "--locale=C"], directory)
    with (data / "postgresql.conf").open("a") as f:
        f.write("\ninclude 'socmap_test.conf'\n")


def start(
    directory: Path | None = None, port: int | None = None, os_user: str = "postgres"
) -> Server:
    """Create a cluster in ``directory`` (new or empty), start it and wait until it accepts."""
    account = _account(os_user)
    if directory is None:
        _require_bindir()  # before making a directory that would then be left behind
        directory = new_dir(os_user)
    directory = Path(directory).absolute()
    if directory.exists():
        if (directory / MARKER).exists() and running_port(directory):
            raise PgServerError(f"a server already runs in {directory} (stop it first)")
        if any(p.name != MARKER for p in directory.iterdir()):
            hint = (
                " (a stale test cluster: stop removes it)" if (directory / MARKER).exists() else ""
            )
            raise PgServerError(f"{directory} is not empty{hint}: give a new or empty directory")
    bindir = _require_bindir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by tools/pg_server.py; removed by its stop\n")
    try:
        return _start_in(bindir, account, directory, port)
    except BaseException:
        stop(directory, os_user)
        raise


def _start_in(bindir: Path, account: _Account, directory: Path, port: int | None) -> Server:
    if len(str(directory / "sock")) > MAX_SOCKET_DIR:
        raise PgServerError(f"{directory} is too long for a unix socket path: use a shorter --dir")
    if not _reachable_by(directory, account):
        raise PgServerError(
            f"the {account.name} account cannot reach {directory}: use a directory under /tmp"
        )
    (directory / "sock").mkdir(exist_ok=True)
    if account.uid is not None:
        for p in (directory, directory / "sock", directory / MARKER):
            os.chown(p, account.uid, account.gid if account.gid is not None else -1)
    directory.chmod(0o700)
    _initdb(bindir, directory, account)
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        chosen = port if port is not None else free_port()
        _write_settings(directory, chosen)
        res = _run(
            account,
            [
                str(bindir / "pg_ctl"),
                "start",
                "-D",
                str(directory / "data"),
                "-l",
                str(directory / "server.log"),
                "-w",
                "-t",
                str(START_TIMEOUT_S),
            ],
            directory,
            check=False,
            timeout=START_TIMEOUT_S + 30,
        )
        if res.returncode == 0:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _accepts(chosen):
                if time.monotonic() > deadline:
                    raise PgServerError(f"the server in {directory} does not accept on {chosen}")
                time.sleep(0.1)
            return Server(directory, chosen)
        if attempt == attempts - 1:
            log = _tail(directory / "server.log")
            raise PgServerError(f"pg_ctl start failed on port {chosen}: {log}")
    raise AssertionError("unreachable")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(directory: Path, os_user: str = "postgres") -> None:
    """Stop the server in ``directory`` (fast shutdown) and remove the directory."""
    directory = Path(directory).absolute()
    if not directory.exists():
        return
    if not (directory / MARKER).exists():
        raise PgServerError(f"{directory} was not made by tools/pg_server.py: not removing it")
    pidfile = directory / "data" / "postmaster.pid"
    if pidfile.exists():
        pid = _postmaster_pid(pidfile)
        bindir = find_bindir()
        stopped = False
        if bindir is not None:
            res = _run(
                _account(os_user),
                [str(bindir / "pg_ctl"), "stop", "-D", str(directory / "data"), "-m", "fast", "-w"],
                directory,
                check=False,
                timeout=90,
            )
            stopped = res.returncode == 0
        if (
            pid is not None
            and not (stopped and _gone(pid, 10.0))
            and _is_postmaster_of(pid, directory)
        ):
            _signal_postmaster(pid)
    shutil.rmtree(directory, ignore_errors=True)


def _postmaster_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _is_postmaster_of(pid: int, directory: Path) -> bool:
    """True when ``pid`` still is the server of ``directory`` (not a recycled process id)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return "postgres" in cmdline and str(directory) in cmdline


def _gone(pid: int, wait: float) -> bool:
    """True once process ``pid`` has exited (and been reaped), waiting up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _signal_postmaster(pid: int) -> None:
    """Fast shutdown without pg_ctl: SIGINT to the postmaster, SIGQUIT if it lingers."""
    for sig, wait in ((signal.SIGINT, 30.0), (signal.SIGQUIT, 10.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _gone(pid, wait):
            return


def watch(directory: Path, pid: int, os_user: str = "postgres") -> None:
    """Stop the server in ``directory`` once process ``pid`` has gone (or the directory has)."""
    while directory.exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stop(directory, os_user)
            return
        except PermissionError:
            pass
        time.sleep(1.0)


def spawn_watchdog(directory: Path, pid: int | None = None, os_user: str = "postgres") -> None:
    """A detached process that stops the server when ``pid`` (default: this process) dies.

    A test session killed outright (SIGKILL, a closed terminal) leaves no server running.
    """
    subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "_watch",
            "--dir",
            str(directory),
            "--pid",
            str(pid if pid is not None else os.getpid()),
            "--os-user",
            os_user,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


# -- command line ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pg_server.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("start", "create and start a throwaway cluster; prints its admin URL"),
        ("stop", "stop the cluster and remove its directory"),
        ("url", "print the running cluster's admin URL"),
        ("check", "say whether PostgreSQL server binaries and PostGIS are installed"),
        ("_watch", "(internal) stop the cluster when a process ends"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--dir", type=Path, default=None, help="the cluster's directory")
        p.add_argument("--os-user", default="postgres", help="account to run as when root")
        if name == "start":
            p.add_argument("--port", type=int, default=None, help="port (default: a free one)")
        if name == "_watch":
            p.add_argument("--pid", type=int, required=True)
    args = parser.parse_args(argv)
    directory = args.dir if args.dir is not None else default_dir()
    try:
        if args.command == "start":
            server = start(directory, args.port, args.os_user)
            sys.stdout.write(server.url + "\n")
        elif args.command == "stop":
            stop(directory, args.os_user)
        elif args.command == "url":
            port = running_port(directory.absolute())
            if port is None:
                raise PgServerError(f"no server runs in {directory}")
            sys.stdout.write(admin_url(port) + "\n")
        elif args.command == "check":
            bindir = _require_bindir()
            control = postgis_control(bindir)
            if control is None:
                raise PgServerError(
                    f"PostgreSQL in {bindir} has no PostGIS extension; on Debian: "
                    "apt-get install postgresql-postgis"
                )
            sys.stdout.write(f"{bindir} {control}\n")
        elif args.command == "_watch":
            watch(directory.absolute(), args.pid, args.os_user)
    except PgServerError as exc:
        sys.stderr.write(f"pg_server: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
