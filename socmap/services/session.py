"""What the UI holds to reach the database: a Store handle, opened and reopened through here.

The UI never imports ``socmap.store``; it passes this handle to services. The desktop app opens
a file with :func:`open_for_window`: a large file's integrity check then runs after the window
shows (:func:`pending_check`), with writes held until it passes (``socmap.store.integrity``).
"""

from __future__ import annotations

from dataclasses import dataclass

from socmap.store.db import Store, current_account, open_store
from socmap.store.integrity import IntegrityCheck, open_for_window, pending_check

__all__ = [
    "IntegrityCheck",
    "Store",
    "Whereabouts",
    "current_account",
    "open_for_window",
    "open_store",
    "pending_check",
    "whereabouts",
]


@dataclass(frozen=True)
class Whereabouts:
    """Which database the app is on and as whom, as the status bar names them (no password)."""

    kind: str  # "server", "file" or "memory"
    database: str
    login: str

    @property
    def database_text(self) -> str:
        """'Server: postgresql://host:5432/db', 'File: /path/force.db' or 'In memory'."""
        if self.kind == "server":
            return f"Server: {self.database}"
        if self.kind == "file":
            return f"File: {self.database}"
        return "In memory (nothing is saved)"

    @property
    def login_text(self) -> str:
        """Who the database knows the app as: the server's login, or the OS account."""
        how = "PostgreSQL login" if self.kind == "server" else "OS account"
        return f"{self.login} ({how})"


def whereabouts(store: Store) -> Whereabouts:
    """The database ``store`` is on (``Store.where()``, never a password) and its login."""
    kind = "server" if store.on_server else "file" if store.path is not None else "memory"
    return Whereabouts(kind=kind, database=store.where(), login=store.actor)
