"""Run socmap in a subprocess as a given OS account (tests only; socmap itself has no override).

    python tests/run_as.py ACCOUNT -m socmap ARGS...     the CLI
    python tests/run_as.py ACCOUNT SCRIPT.py ARGS...     a test script
    python tests/run_as.py ACCOUNT -c CODE ARGS...       a snippet

It replaces the one function that asks the operating system for the account, then runs the
module or script as ``python -m`` / ``python SCRIPT`` would.
"""

from __future__ import annotations

import runpy
import sys


def main() -> None:
    """Patch the OS account, then hand over to the module or script."""
    account, *rest = sys.argv[1:]
    import socmap.store.db

    socmap.store.db._os_account_name = lambda: account
    if rest[:1] == ["-c"]:
        sys.argv = ["-c", *rest[2:]]
        exec(compile(rest[1], "<string>", "exec"), {"__name__": "__main__"})
    elif rest[:1] == ["-m"]:
        sys.argv = [rest[1], *rest[2:]]
        runpy.run_module(rest[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = rest
        runpy.run_path(rest[0], run_name="__main__")


if __name__ == "__main__":
    main()
