"""What the UI holds to reach the database: a Store handle, opened and reopened through here.

The UI never imports ``socmap.store``; it passes this handle to services.
"""

from __future__ import annotations

from socmap.store.db import Store, current_account, open_store

__all__ = ["Store", "current_account", "open_store"]
