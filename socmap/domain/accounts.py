"""Account names: one canonical form, so that identity never depends on how a name was typed.

Accounts are compared case-insensitively (``DS.Smith`` and ``ds.smith`` are one account): every
name is kept in its canonical form (Unicode NFC, lower case). A name with control characters,
bidirectional overrides, zero-width or other format characters is refused: it could display as
a different account in the audit trail than the one that acted.
"""

from __future__ import annotations

import unicodedata

from socmap.domain.errors import ValidationError
from socmap.domain.text import plural

ACCOUNT_MAX = 64


def _refused(c: str) -> bool:
    # Cc: control, Cf: format (bidi overrides and isolates, zero-width, soft hyphen),
    # Zl/Zp: line and paragraph separators, Co/Cs/Cn: private use, surrogates, unassigned.
    return c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")


def canonical_account(value: object, *, field: str = "account") -> str:
    """The canonical form of an account name; ValidationError when it is empty, long or odd."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise ValidationError(field, "is required")
    if len(text) > ACCOUNT_MAX:
        raise ValidationError(
            field, f"is {plural(len(text), 'character')} long; the limit is {ACCOUNT_MAX}"
        )
    if any(_refused(c) for c in text):
        raise ValidationError(
            field,
            "may not contain spaces, control, bidirectional-override or invisible characters",
        )
    return text.lower()
