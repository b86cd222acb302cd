"""Scoring schemes as data, and the pure scoring function (domain brief section 2).

Two schemes ship as configuration (``resources/scoring/*.json``), stored in the database as
versioned rows; :func:`parse_policy` turns such a document into a :class:`ScoringPolicy`,
refusing anything inconsistent with a :class:`ValidationError` that names the field.

* ``ocgm`` — an attribute matrix: eight markets and eight capability factors, each
  None/Low/Medium/High (0..3) x weight, plus flags (firearms, serious violence, corruption,
  county lines) each adding a configured uplift. ``threat`` = weighted markets +
  flag uplifts, ``capability`` = weighted capability factors, ``total`` = threat + capability.
* ``morile`` — harm dimensions 0..4 x weight, summed, times a geographic-scope and a
  victim-vulnerability multiplier; likelihood 1..5; ``risk`` = harm x likelihood (= total).
  The confidence grade (H/M/L) is shown beside the score and never multiplied in; the
  organisational position is graded separately (``position``) and does not enter the band.

The band (default 1A..3C) is the label of a *tier* axis (number, 1 = highest) joined to a
*letter* axis (A = highest). Each axis reads one named score and maps it through half-open
``[from, to)`` thresholds, which must start at 0, touch end to end and never overlap.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from socmap.domain.errors import ValidationError
from socmap.domain.limits import check_length
from socmap.domain.text import plural

SCHEMES: dict[str, str] = {"ocgm": "OCGM-style attribute matrix", "morile": "MoRiLE-style harm"}

#: Level names for 0..3 factors (OCGM).
LEVEL_NAMES: tuple[str, ...] = ("None", "Low", "Medium", "High")

#: How a factor left unrated reads. "None" (0) is a rating: the assessor found no involvement;
#: "not known" is the absence of one.
NOT_KNOWN = "not known"
#: Words accepted for "not known" (CLI, imports).
NOT_KNOWN_WORDS = frozenset({"not known", "not_known", "unknown", "n/k", "nk", "?"})

#: Sections whose choices multiply the harm score (MoRiLE): a multiplier of 0 is refused.
MULTIPLIER_SECTIONS: dict[str, tuple[str, ...]] = {"ocgm": (), "morile": ("scope", "vulnerability")}
#: Sections that count towards a scheme's score and band (a factor name may appear in only one).
SCORED_SECTIONS: dict[str, tuple[str, ...]] = {
    "ocgm": ("markets", "capability", "flags"),
    "morile": ("harm", "scope", "vulnerability", "likelihood"),
}

#: Each scheme's stated treatment of factors not known (shown on every assessment).
UNRATED_TREATMENT: dict[str, str] = {
    "ocgm": "a factor not known adds no points, so the score and band are a lower bound",
    "morile": "a harm or likelihood not known adds nothing and a multiplier not known counts as "
    "x1, so the score and band are a lower bound; confidence not known is shown as such",
}

#: Scores each scheme produces, by name (axes read one of these).
SCORE_NAMES: dict[str, tuple[str, ...]] = {
    "ocgm": ("threat", "capability", "total"),
    "morile": ("harm", "likelihood", "risk", "total", "position"),
}


@dataclass(frozen=True)
class Factor:
    """One thing an assessor rates.

    ``kind`` is ``level`` (an integer ``min_level..max_level`` times ``weight``), ``flag``
    (yes/no; yes adds ``weight`` as an uplift) or ``choice`` (one of ``choices``: a label and
    its multiplier, or for confidence a grade shown but not used).
    """

    key: str
    label: str
    section: str
    kind: str = "level"
    weight: float = 1.0
    min_level: int = 0
    max_level: int = 3
    choices: tuple[tuple[str, float], ...] = ()
    level_names: tuple[str, ...] = ()
    #: an assessment with this factor not known cannot be submitted
    required: bool = True
    #: a choice whose value multiplies a score (MoRiLE scope and vulnerability)
    multiplier: bool = False

    def unrated_points(self) -> float:
        """The scheme's treatment of a factor not known: no points, a neutral x1 multiplier."""
        return 1.0 if self.multiplier else 0.0

    def describe(self, rating: int | str | bool | None) -> str:
        """A rating as a person reads it (``High``, ``yes``, ``regional``, ``not known``)."""
        if rating is None:
            return NOT_KNOWN
        if self.kind == "flag":
            return "yes" if rating else "no"
        if self.kind == "level" and self.level_names and isinstance(rating, int):
            idx = rating - self.min_level
            if 0 <= idx < len(self.level_names):
                return self.level_names[idx]
        return str(rating)


@dataclass(frozen=True)
class Threshold:
    """Scores in ``[low, high)`` get ``label`` (``high`` None: no upper bound)."""

    label: str
    low: float
    high: float | None


@dataclass(frozen=True)
class Axis:
    """One axis of the band grid: which score it reads and its thresholds."""

    name: str
    score: str
    thresholds: tuple[Threshold, ...]

    def label_for(self, value: float) -> str:
        """The label whose range holds ``value``."""
        for t in self.thresholds:
            if value >= t.low and (t.high is None or value < t.high):
                return t.label
        return self.thresholds[0].label  # below 0 cannot happen for valid ratings


@dataclass(frozen=True)
class ScoringPolicy:
    """A scheme's whole configuration at one version."""

    scheme: str
    version: int
    factors: tuple[Factor, ...]
    tier: Axis
    letter: Axis
    title: str = ""
    sections: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.key: f for f in self.factors})

    def factor(self, key: str) -> Factor:
        """The factor called ``key``.

        Raises:
            ValidationError: there is no such factor in this scheme.
        """
        found: Factor | None = self._index.get(key)  # type: ignore[attr-defined]
        if found is None:
            raise ValidationError(
                key, unknown_factor(self.scheme, [f.key for f in self.factors], key)
            )
        return found

    @property
    def bands(self) -> tuple[str, ...]:
        """Every band this policy can give, highest first (``1A`` .. ``3C``)."""
        tiers = sorted({t.label for t in self.tier.thresholds})
        letters = sorted({t.label for t in self.letter.thresholds})
        return tuple(a + b for a in tiers for b in letters)


class Rating(NamedTuple):
    """One factor's rating (None: not known) and the assessor's reason for it."""

    value: int | str | bool | None
    rationale: str = ""


class FactorLine(NamedTuple):
    """One factor's rating (None: not known) and the points it contributed."""

    key: str
    label: str
    section: str
    rating: int | str | bool | None
    shown: str
    points: float
    rationale: str = ""


@dataclass(frozen=True)
class ScoreBreakdown:
    """What a score is made of: one line per factor, named scores, total and band."""

    scheme: str
    config_version: int
    lines: tuple[FactorLine, ...]
    scores: dict[str, float]
    total: float
    band: str
    confidence: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def ratings(self) -> dict[str, Rating]:
        """The ratings this breakdown was computed from (to re-score them under another policy)."""
        return {ln.key: Rating(ln.rating, ln.rationale) for ln in self.lines}

    @property
    def not_known(self) -> tuple[FactorLine, ...]:
        """The factors left unrated."""
        return tuple(ln for ln in self.lines if ln.rating is None)


# ------------------------------------------------------------------------------- parsing


def _num(value: Any, *, field: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(field, f"must be a number, not {value!r}")
    if value < minimum:
        raise ValidationError(field, f"must be at least {minimum:g}, not {value:g}")
    return float(value)


def _axis(doc: Any, *, name: str, scheme: str) -> Axis:
    where = f"axes.{name}"
    if not isinstance(doc, Mapping):
        raise ValidationError(where, "must be an object with 'score' and 'thresholds'")
    score = doc.get("score")
    if score not in SCORE_NAMES[scheme]:
        raise ValidationError(
            f"{where}.score",
            f"'{score}' is not a score of the {scheme} scheme "
            f"(use one of: {', '.join(SCORE_NAMES[scheme])})",
        )
    raw = doc.get("thresholds")
    if not isinstance(raw, list) or not raw:
        raise ValidationError(f"{where}.thresholds", "must be a non-empty list")
    items: list[Threshold] = []
    for i, t in enumerate(raw):
        f = f"{where}.thresholds[{i}]"
        if not isinstance(t, Mapping) or not str(t.get("label", "")).strip():
            raise ValidationError(f, "needs a label, a 'from' and a 'to' (null for no limit)")
        low = _num(t.get("from"), field=f"{f}.from")
        high = None if t.get("to") is None else _num(t.get("to"), field=f"{f}.to")
        if high is not None and high <= low:
            raise ValidationError(f"{f}.to", f"must be above 'from' ({low:g}), not {high:g}")
        items.append(Threshold(str(t["label"]).strip(), low, high))
    items.sort(key=lambda t: t.low)
    labels = [t.label for t in items]
    if len(set(labels)) != len(labels):
        raise ValidationError(f"{where}.thresholds", "each label may appear only once")
    if items[0].low != 0:
        raise ValidationError(
            f"{where}.thresholds", f"the lowest range must start at 0, not {items[0].low:g}"
        )
    for prev, cur in itertools.pairwise(items):
        if prev.high is None or cur.low < prev.high:
            raise ValidationError(
                f"{where}.thresholds",
                f"ranges '{prev.label}' and '{cur.label}' overlap "
                f"({prev.label} ends at {'no limit' if prev.high is None else f'{prev.high:g}'}, "
                f"{cur.label} starts at {cur.low:g})",
            )
        if cur.low > prev.high:
            raise ValidationError(
                f"{where}.thresholds",
                f"there is a gap between '{prev.label}' (to {prev.high:g}) "
                f"and '{cur.label}' (from {cur.low:g})",
            )
    if items[-1].high is not None:
        raise ValidationError(
            f"{where}.thresholds", f"the highest range '{items[-1].label}' must have no upper limit"
        )
    return Axis(name, str(score), tuple(items))


def _factor(
    section: str, key: str, doc: Any, *, defaults: Mapping[str, Any], multiplier: bool = False
) -> Factor:
    where = f"{section}.{key}"
    if not isinstance(doc, Mapping):
        raise ValidationError(where, "must be an object")
    merged = {**defaults, **doc}
    kind = merged.get("kind", "level")
    if kind not in ("level", "flag", "choice"):
        raise ValidationError(f"{where}.kind", f"unknown kind '{kind}' (level, flag or choice)")
    weight = _num(merged.get("weight", merged.get("uplift", 1.0)), field=f"{where}.weight")
    choices: tuple[tuple[str, float], ...] = ()
    if kind == "choice":
        raw = merged.get("choices")
        if not isinstance(raw, Mapping) or not raw:
            raise ValidationError(f"{where}.choices", "must map each choice to a multiplier")
        choices = tuple((str(k), _num(v, field=f"{where}.choices.{k}")) for k, v in raw.items())
        if multiplier:
            for c, v in choices:
                if v <= 0:
                    raise ValidationError(
                        f"{where}.choices.{c}",
                        f"a multiplier must be above 0, not {v:g} (it would wipe out the harm "
                        "score; leave the factor unrated when it is not known)",
                    )
    required = merged.get("required", True)
    if not isinstance(required, bool):
        raise ValidationError(f"{where}.required", f"must be true or false, not {required!r}")
    lo = int(merged.get("min", 0))
    hi = int(merged.get("max", 3))
    if kind == "level" and hi <= lo:
        raise ValidationError(f"{where}.max", f"must be above min ({lo}), not {hi}")
    names = tuple(str(n) for n in merged.get("level_names", ()))
    return Factor(
        key=where,
        label=str(merged.get("label") or key.replace("_", " ").capitalize()),
        section=section,
        kind=str(kind),
        weight=weight,
        min_level=lo,
        max_level=hi,
        choices=choices,
        level_names=names,
        required=required,
        multiplier=multiplier,
    )


def parse_policy(doc: Mapping[str, Any], *, version: int = 1) -> ScoringPolicy:
    """A :class:`ScoringPolicy` from a configuration document (as shipped in resources/).

    Raises:
        ValidationError: naming the field that is wrong (``axes.tier.thresholds``,
            ``markets.drugs.weight`` ...) and why.
    """
    if not isinstance(doc, Mapping):
        raise ValidationError("config", "must be a JSON object")
    scheme = doc.get("scheme")
    if scheme not in SCHEMES:
        raise ValidationError("scheme", f"unknown scheme '{scheme}' (use {', '.join(SCHEMES)})")
    sections = doc.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError("sections", "must list the scheme's factor sections")
    factors: list[Factor] = []
    titles: list[tuple[str, str]] = []
    for i, sec in enumerate(sections):
        if not isinstance(sec, Mapping) or not sec.get("key"):
            raise ValidationError(f"sections[{i}]", "needs a key, a title and factors")
        key = str(sec["key"])
        titles.append((key, str(sec.get("title") or key)))
        facs = sec.get("factors")
        if not isinstance(facs, Mapping) or not facs:
            raise ValidationError(f"{key}.factors", "must hold at least one factor")
        defaults = {k: v for k, v in sec.items() if k not in ("key", "title", "factors")}
        mult = key in MULTIPLIER_SECTIONS[str(scheme)]
        factors.extend(
            _factor(key, str(fk), fd, defaults=defaults, multiplier=mult) for fk, fd in facs.items()
        )
    keys = [f.key for f in factors]
    if len(set(keys)) != len(keys):
        raise ValidationError("sections", "a factor appears twice")
    required = {"ocgm": ("markets", "capability", "flags"), "morile": _MORILE_SECTIONS}[scheme]
    have = {k for k, _ in titles}
    for sec_key in required:
        if sec_key not in have:
            raise ValidationError("sections", f"the {scheme} scheme needs a '{sec_key}' section")
    axes = doc.get("axes")
    if not isinstance(axes, Mapping):
        raise ValidationError("axes", "must hold a 'tier' and a 'letter' axis")
    return ScoringPolicy(
        scheme=str(scheme),
        version=version,
        factors=tuple(factors),
        tier=_axis(axes.get("tier"), name="tier", scheme=str(scheme)),
        letter=_axis(axes.get("letter"), name="letter", scheme=str(scheme)),
        title=str(doc.get("title") or SCHEMES[str(scheme)]),
        sections=tuple(titles),
    )


_MORILE_SECTIONS = ("harm", "scope", "vulnerability", "likelihood", "confidence", "position")


def counted_twice(policy: ScoringPolicy) -> list[tuple[str, str]]:
    """Factors of the same name in two sections that both count towards the score, as
    (first key, second key) pairs; e.g. infiltration rated as a capability and flagged too."""
    seen: dict[str, str] = {}
    twice: list[tuple[str, str]] = []
    for f in policy.factors:
        if f.section not in SCORED_SECTIONS[policy.scheme]:
            continue
        name = f.key.partition(".")[2]
        if name in seen:
            twice.append((seen[name], f.key))
        else:
            seen[name] = f.key
    return twice


def check_policy(policy: ScoringPolicy) -> None:
    """Refuse a configuration that would count one factor twice (new versions only: past
    versions stay readable, so their assessments can still be explained).

    Raises:
        ValidationError: naming the second factor.
    """
    for first, second in counted_twice(policy):
        raise ValidationError(
            second,
            f"counts the same factor as {first}: one thing would add to the score twice; "
            "rate it in one section only",
        )


# ------------------------------------------------------------------------------- scoring


def unknown_factor(scheme: str, known: list[str], key: str) -> str:
    """Why ``key`` is refused: the closest factor names and every factor of the scheme."""
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    guess = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown factor for the {scheme} scheme{guess}; its factors are {', '.join(known)}"


def allowed_ratings(f: Factor) -> str:
    """The ratings a factor takes, in words: ``0-3 or none/low/medium/high``, ``yes or no``."""
    if f.kind == "flag":
        return "yes or no"
    if f.kind == "choice":
        return " or ".join(c for c, _ in f.choices)
    names = f" or {'/'.join(n.lower() for n in f.level_names)}" if f.level_names else ""
    return f"{f.min_level}-{f.max_level}{names}"


def coerce_rating(f: Factor, value: Any) -> int | str | bool | None:
    """Check one rating against its factor; level names (``high``) are accepted for levels.

    ``None`` or a word for "not known" (``unknown``, ``not known``) leaves the factor unrated.

    Raises:
        ValidationError: naming the factor, when the rating is out of range or of the wrong kind.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in NOT_KNOWN_WORDS):
        return None
    if f.kind == "flag":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "no", "true", "false"):
            return value.strip().lower() in ("yes", "true")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ValidationError(f.key, f"must be yes or no, not {value!r}")
    if f.kind == "choice":
        allowed = [c for c, _ in f.choices]
        for c in allowed:
            if isinstance(value, str) and value.strip().lower() == c.lower():
                return c
        raise ValidationError(f.key, f"must be one of {', '.join(allowed)}, not {value!r}")
    if isinstance(value, str):
        text = value.strip()
        for i, name in enumerate(f.level_names):
            if text.lower() == name.lower():
                return f.min_level + i
        if text.lstrip("-").isdigit():
            value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f.key, f"must be {allowed_ratings(f)}, not {value!r}")
    if not f.min_level <= value <= f.max_level:
        names = f" ({'/'.join(f.level_names)})" if f.level_names else ""
        raise ValidationError(
            f.key, f"rating {value} is out of range {f.min_level}-{f.max_level}{names}"
        )
    return value


def score(
    policy: ScoringPolicy, ratings: Mapping[str, Rating | int | str | bool]
) -> ScoreBreakdown:
    """Score ``ratings`` (factor key -> Rating or bare value) under ``policy``; pure.

    A factor left unrated is "not known": its line says so, it adds no points (a multiplier not
    known counts as x1), and the breakdown's notes state the scheme's treatment. It is never
    silently taken as the lowest rating.

    Raises:
        ValidationError: an unknown factor or a rating out of range, naming the factor.
    """
    given: dict[str, Rating] = {}
    for key, r in ratings.items():
        f = policy.factor(key)
        rating = r if isinstance(r, Rating) else Rating(r)
        note = check_length(f"{key} rationale", rating.rationale.strip())
        given[key] = Rating(coerce_rating(f, rating.value), note)
    lines: list[FactorLine] = []
    by_section: dict[str, list[FactorLine]] = {}
    for f in policy.factors:
        r = given.get(f.key, Rating(None))
        if r.value is None:
            points = f.unrated_points()
        elif f.kind == "level":
            points = float(int(r.value)) * f.weight
        elif f.kind == "flag":
            points = f.weight if r.value else 0.0
        else:
            points = dict(f.choices)[str(r.value)]
        line = FactorLine(
            f.key, f.label, f.section, r.value, f.describe(r.value), points, r.rationale
        )
        lines.append(line)
        by_section.setdefault(f.section, []).append(line)

    def total_of(section: str) -> float:
        return sum(ln.points for ln in by_section.get(section, []))

    confidence: str | None = None
    notes: list[str] = []
    if policy.scheme == "ocgm":
        threat = total_of("markets") + total_of("flags")
        capability = total_of("capability")
        scores = {"threat": threat, "capability": capability, "total": threat + capability}
    else:
        # multipliers are never 0 (refused when the configuration is read): no "or 1" here
        scope = math.prod(ln.points for ln in by_section.get("scope", []))
        vuln = math.prod(ln.points for ln in by_section.get("vulnerability", []))
        harm = total_of("harm") * scope * vuln
        likelihood = float(
            sum(int(ln.rating) for ln in by_section.get("likelihood", []) if ln.rating is not None)
        )
        conf = by_section.get("confidence", [])
        confidence = str(conf[0].rating) if conf and conf[0].rating is not None else None
        scores = {
            "harm": harm,
            "likelihood": likelihood,
            "risk": harm * likelihood,
            "total": harm * likelihood,
            "position": total_of("position"),
        }
        if confidence:
            notes.append(f"confidence {confidence}: shown, not multiplied into the score")
        elif conf:
            notes.append("confidence not known")
    unrated = [ln for ln in lines if ln.rating is None]
    if unrated:
        notes.append(
            f"{plural(len(unrated), 'factor')} not known "
            f"({', '.join(ln.label for ln in unrated)}): {UNRATED_TREATMENT[policy.scheme]}"
        )
    scores = {k: round(v, 2) for k, v in scores.items()}
    band = policy.tier.label_for(scores[policy.tier.score]) + policy.letter.label_for(
        scores[policy.letter.score]
    )
    return ScoreBreakdown(
        scheme=policy.scheme,
        config_version=policy.version,
        lines=tuple(lines),
        scores=scores,
        total=scores["total"],
        band=band,
        confidence=confidence,
        notes=tuple(notes),
    )


def missing_required(policy: ScoringPolicy, breakdown: ScoreBreakdown) -> list[FactorLine]:
    """Required factors left unrated in ``breakdown`` (it cannot be submitted while any are)."""
    required = {f.key for f in policy.factors if f.required}
    return [ln for ln in breakdown.not_known if ln.key in required]


def check_submittable(policy: ScoringPolicy, breakdown: ScoreBreakdown) -> None:
    """Refuse to submit an assessment with required factors not known.

    Raises:
        ValidationError: naming the first such factor and counting the rest.
    """
    missing = missing_required(policy, breakdown)
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise ValidationError(
            missing[0].key,
            f"is not known{more} ({', '.join(ln.label for ln in missing[:6])}"
            f"{', ...' if len(missing) > 6 else ''}); rate every required factor (None is a "
            "rating) before submitting, or save a draft",
        )


@dataclass(frozen=True)
class FactorMove:
    """How one factor differs between two assessments."""

    key: str
    label: str
    before: str
    after: str
    points_before: float
    points_after: float

    @property
    def delta(self) -> float:
        """Points after minus points before."""
        return round(self.points_after - self.points_before, 2)


def compare(before: ScoreBreakdown, after: ScoreBreakdown) -> list[FactorMove]:
    """Factors whose rating or points differ between two breakdowns (by factor order of ``after``)."""
    old = {ln.key: ln for ln in before.lines}
    moves: list[FactorMove] = []
    seen: set[str] = set()
    for ln in after.lines:
        seen.add(ln.key)
        o = old.get(ln.key)
        if o is None or o.rating != ln.rating or o.points != ln.points:
            moves.append(
                FactorMove(
                    ln.key,
                    ln.label,
                    o.shown if o else "-",
                    ln.shown,
                    o.points if o else 0.0,
                    ln.points,
                )
            )
    for o in before.lines:
        if o.key not in seen:
            moves.append(FactorMove(o.key, o.label, o.shown, "-", o.points, 0.0))
    return moves


def breakdown_to_json(b: ScoreBreakdown) -> dict[str, Any]:
    """A breakdown as a JSON-ready dict (stored with the assessment)."""
    return {
        "scheme": b.scheme,
        "config_version": b.config_version,
        "scores": b.scores,
        "total": b.total,
        "band": b.band,
        "confidence": b.confidence,
        "notes": list(b.notes),
        "lines": [
            {
                "key": ln.key,
                "label": ln.label,
                "section": ln.section,
                "rating": ln.rating,
                "shown": ln.shown,
                "points": ln.points,
                "rationale": ln.rationale,
            }
            for ln in b.lines
        ],
    }


def breakdown_from_json(doc: Mapping[str, Any]) -> ScoreBreakdown:
    """The inverse of :func:`breakdown_to_json`."""
    return ScoreBreakdown(
        scheme=str(doc["scheme"]),
        config_version=int(doc["config_version"]),
        lines=tuple(
            FactorLine(
                ln["key"],
                ln["label"],
                ln["section"],
                ln["rating"],
                ln["shown"],
                float(ln["points"]),
                ln.get("rationale", ""),
            )
            for ln in doc["lines"]
        ),
        scores={k: float(v) for k, v in doc["scores"].items()},
        total=float(doc["total"]),
        band=str(doc["band"]),
        confidence=doc.get("confidence"),
        notes=tuple(doc.get("notes", ())),
    )


# ----------------------------------------------------------------------------- assessments

#: Workflow: draft -> submitted -> approved | returned. Approved and returned are final.
ASSESSMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"approved", "returned"}),
    "approved": frozenset(),
    "returned": frozenset(),
}


@dataclass(frozen=True)
class Assessment:
    """One immutable scoring of a group, and where it stands in the approval workflow."""

    id: int
    ocg_id: int
    scheme: str
    config_id: int
    config_version: int
    breakdown: ScoreBreakdown
    total: float
    band: str
    assessor: str
    assessed_on: dt.date
    source: str = "manual"
    based_on: int | None = None
    status: str = "draft"
    approver: str | None = None
    decided_on: dt.date | None = None
    return_reason: str = ""
    #: ``full`` (the ratings were reviewed: restarts the re-assessment clock) or
    #: ``recalculation`` (old ratings re-scored under a new configuration: does not)
    review: str = "full"
    #: the moment of the approval or return (UTC)
    decided_at: dt.datetime | None = None

    @property
    def is_recalculation(self) -> bool:
        """True for old ratings re-scored under a new configuration, not marked a full review."""
        return self.review == "recalculation"

    @property
    def kind_label(self) -> str:
        """``full review`` or ``re-calculation under ocgm v3 (ratings of assessment 12)``."""
        if self.review == "full":
            return "full review" if self.source != "rescore" else "full review (re-scored)"
        base = f" (ratings of assessment {self.based_on})" if self.based_on else ""
        return f"re-calculation under {self.scheme} v{self.config_version}{base}"


def check_assessment_transition(current: str, new: str) -> None:
    """Refuse a workflow move that is not allowed (e.g. approving a draft)."""
    if new not in ASSESSMENT_TRANSITIONS.get(current, frozenset()):
        hint = {
            "draft": "submit it first",
            "approved": "it is already approved; record a new assessment",
            "returned": "it was returned; record a new assessment",
            "submitted": "it is awaiting a decision",
        }.get(current, "")
        raise ValidationError("status", f"an assessment that is {current} cannot be {new}; {hint}")
