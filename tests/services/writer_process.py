"""A writer for the kill test (run as a script, not collected by pytest).

It imports socmap once, then for every ``go N`` line on stdin forks a child that performs small
audited writes as fast as it can, printing one line per committed write:

    C <ocg id> <name>          an OCG was created
    U <ocg id> <version>       OCG 1 was edited (version after the edit)
    N <nominal id> <surname>   a nominal was created
    D <nominal id>             a nominal was disposed of (deleted, payloads erased, vacuumed)

Each line is written with one ``os.write`` (atomic on a pipe), only after the write committed.
The parent prints ``PID <pid>`` after forking and ``DEAD <pid>`` once the child is gone; the
test kills the child with SIGKILL at a random moment.
"""

from __future__ import annotations

import dataclasses
import os
import sys


def child(path: str, round_no: int) -> None:
    """Write until killed."""
    from socmap.domain.groups import Nominal, Ocg
    from socmap.services import register, review
    from socmap.store import groups
    from socmap.store.db import open_store

    store = open_store(path)
    ocg = groups.get_ocg(store, 1)
    last_nominal = None
    k = 0
    while True:
        k += 1
        step = k % 4
        if step == 0:
            made, _ = register.create_ocg(store, Ocg(name=f"r{round_no}-{k}"))
            line = f"C {made.id} {made.name}\n"
        elif step == 1:
            ocg, _ = register.update_ocg(store, dataclasses.replace(ocg, notes=f"r{round_no}-{k}"))
            line = f"U {ocg.id} {ocg.version}\n"
        elif step == 2:
            n, _ = register.create_nominal(store, Nominal(surname=f"Kill{round_no}x{k}"))
            last_nominal = n.id
            line = f"N {n.id} {n.surname}\n"
        elif last_nominal is not None:
            review.dispose(store, "nominal", last_nominal, rationale="kill test: disposal step")
            line = f"D {last_nominal}\n"
            last_nominal = None
        else:
            continue
        os.write(1, line.encode())


def main() -> None:
    """Fork a writer per ``go N`` line; report its pid and its death."""
    path = sys.argv[1]
    import socmap.services.register
    import socmap.services.review  # noqa: F401

    os.write(1, b"READY\n")
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        pid = os.fork()
        if pid == 0:
            try:
                child(path, int(cmd[1]))
            finally:
                os._exit(3)
        os.write(1, f"PID {pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        os.write(1, f"DEAD {pid} {status}\n".encode())


if __name__ == "__main__":
    main()
