"""What the UI holds to reach the database: a Store handle, opened and reopened through here.

The UI never imports ``socmap.store``; it passes this handle to services. The desktop app opens
a file with :func:`open_for_window`: a large file's integrity check then runs after the window
shows (:func:`pending_check`), with writes held until it passes (``socmap.store.integrity``).
"""

from __future__ import annotations

from socmap.store.db import Store, current_account, open_store
from socmap.store.integrity import IntegrityCheck, open_for_window, pending_check

__all__ = [
    "IntegrityCheck",
    "Store",
    "current_account",
    "open_for_window",
    "open_store",
    "pending_check",
]
