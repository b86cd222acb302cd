"""Partner-safe narrative: free text reaches a partner only after a person cleared it.

Narrative sections are written by analysts for the police; a name, alias, address or group
name typed into them must never reach a council, health or housing. The partner version of a
profile therefore carries, for each narrative section, only a partner-safe text that a
supervisor wrote or approved for that very version of the section, after a preview that shows
what the automatic redaction found (names, aliases, addresses, group names) and what it could
not judge (capitalised words it does not know). Without one, the section says that it has not
been cleared; nothing passes through a best-effort filter.

Approval refuses a text in which the redaction still finds an identity, and the export checks
the cleared text again (a nominal added later may share a word with it): fail closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from socmap.domain.changes import Changes
from socmap.domain.errors import NotFoundError, ValidationError
from socmap.domain.profiles import SECTION_BY_KEY, TEXT_MAX
from socmap.domain.roles import Permission
from socmap.services import redaction
from socmap.services.auth import require
from socmap.store import audit
from socmap.store import profiles as rows
from socmap.store.db import Store, unit_of_work

NOT_CLEARED = (
    "This section has not been cleared for partners: a partner-safe version is written or "
    "approved in socmap before it is shared. The police version holds the full text."
)
ENTITY = "profile_section"


@dataclass(frozen=True)
class Preview:
    """What a person sees before clearing a section for partners."""

    area_id: int
    section: str
    version: int
    text: str  # the police text
    suggested: str  # the text with every finding replaced (a starting point, not cleared)
    findings: tuple[redaction.Finding, ...]
    unjudged: tuple[str, ...]  # capitalised words the redaction could not judge
    cleared: str | None  # the partner-safe text already approved for this version, if any

    def highlighted(self) -> str:
        """The police text with each finding marked ``[[...]]`` for the reviewer."""
        out, pos = [], 0
        for f in self.findings:
            out += [self.text[pos : f.start], f"[[{f.text} -> {f.replacement}]]"]
            pos = f.end
        out.append(self.text[pos:])
        return "".join(out)


def known_words(store: Store) -> list[str]:
    """Words a narrative may capitalise without naming anybody: areas, force, partners."""
    from socmap.services import profiles

    known = [a.name for a in profiles.area_list(store)] + [profiles.force_name(store)]
    known += [p[1] for p in profiles.register_partners(store)]
    known += [s.title for s in SECTION_BY_KEY.values()]
    known += ["OCG", "OCGs", "County", "Lines", "I", "Police", "Council", "NHS", "Op", "Operation"]
    return known


def _section(store: Store, area_id: int, section: str):  # type: ignore[no-untyped-def]
    from socmap.services import profiles

    if section not in SECTION_BY_KEY or not SECTION_BY_KEY[section].narrative:
        raise ValidationError("section", f"'{section}' is not a narrative section")
    sv = profiles.sections(store, area_id).get(section)
    if sv is None or not sv.text.strip():
        raise NotFoundError(f"section '{section}' of area {area_id} has no text yet")
    return sv


def preview(store: Store, area_id: int, section: str) -> Preview:
    """What the redaction finds in a section's current text, and what it could not judge."""
    require(store, Permission.EDIT, action="prepare partner versions of profiles")
    sv = _section(store, area_id, section)
    r = redaction.redactor_for(store)
    found = tuple(r.findings(sv.text))
    return Preview(
        area_id,
        section,
        sv.version,
        sv.text,
        r.redact(sv.text),
        found,
        tuple(redaction.unjudged(r.redact(sv.text), known_words(store))),
        rows.partner_text(store, area_id, section, sv.version),
    )


@unit_of_work
def approve(store: Store, area_id: int, section: str, text: str) -> Changes:
    """Clear ``text`` as the partner-safe version of the section's current version.

    Raises:
        PermissionDenied: only supervisors and admins clear text for partners.
        ValidationError: the text is empty, too long, or still names a person, alias, address
            or group the database holds.
    """
    require(store, Permission.APPROVE, action="clear narrative for partners")
    sv = _section(store, area_id, section)
    clean = "\n".join(line.strip() for line in str(text).strip().splitlines())
    if not clean:
        raise ValidationError("text", "is empty: write the partner-safe version first")
    if len(clean) > TEXT_MAX:
        raise ValidationError("text", f"is too long; the limit is {TEXT_MAX} characters")
    if any(ord(c) < 32 and c != "\n" for c in clean):
        raise ValidationError("text", "contains control characters")
    found = redaction.redactor_for(store).findings(clean)
    if found:
        kinds = sorted({f.kind for f in found})
        raise ValidationError(
            "text",
            f"still holds {len(found)} identit{'y' if len(found) == 1 else 'ies'} "
            f"({', '.join(kinds)}): remove them (the preview shows where)",
        )
    with store.atomic():
        rows.set_partner_text(store, area_id, section, sv.version, clean, store.actor)
        audit.record(
            store,
            action="clear",
            entity=ENTITY,
            entity_id=f"{area_id}:{section}",
            summary=f"partner-safe text cleared for section '{section}' v{sv.version}",
            after={"text": clean, "version": sv.version},
        )
    return Changes.of("profile", area_id)


def partner_text(
    store: Store, area_id: int, section: str, version: int, r: redaction.Redactor
) -> str:
    """What the partner version prints for a section version: its cleared text, checked again
    against every identity held now, or :data:`NOT_CLEARED`."""
    cleared = rows.partner_text(store, area_id, section, version)
    if cleared is None or not r.clean(cleared):
        return NOT_CLEARED
    return cleared
