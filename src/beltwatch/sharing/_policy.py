"""The releasability policy: levels, groups, partners, sanitisation rules (one TOML file).

Decisions fail closed: an unknown level is releasable to no one, an unknown
name in a releasable-to set matches no nation.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from beltwatch._io import read_text
from beltwatch.errors import InputError
from beltwatch.formats import ForeignMarkings, parse_marking
from beltwatch.values import Markings

RECORD_KINDS = ("observations", "orbits", "element_sets", "conjunctions", "events")
_NATION = re.compile(r"^[A-Z]{3}$")
JOINT = "+"  # joint owners of a derived record, e.g. "JPN+USA"


@dataclass(frozen=True)
class Partner:
    """A receiving seat: every nation behind it must be cleared for a record."""

    name: str
    nations: frozenset[str]
    clearance: str
    description: str = ""


@dataclass(frozen=True)
class SanitisationRule:
    """A deliberate, recorded downgrade of one kind of record for named partners."""

    name: str
    kind: str
    from_levels: tuple[str, ...]
    to_level: str
    add_releasable_to: frozenset[str]
    partners: tuple[str, ...]
    drop_sensor_identity: bool = False
    angle_quantum_arcsec: float | None = None
    time_quantum_s: float | None = None
    position_quantum_km: float | None = None
    velocity_quantum_km_s: float | None = None
    drop_covariance: bool = False
    # The product is an SGP4 element set (OMM exports only), its elements rounded:
    sgp4_elements: bool = False
    element_angle_quantum_deg: float | None = None
    eccentricity_quantum: float | None = None
    mean_motion_quantum_rev_per_day: float | None = None

    def settings(self) -> dict:
        """The rule as written (defaults left out), for the audit log."""
        out = {}
        for name, spec in self.__dataclass_fields__.items():
            value = getattr(self, name)
            if value != spec.default:
                out[name] = sorted(value) if isinstance(value, frozenset | tuple) else value
        return out


@dataclass(frozen=True)
class Policy:
    levels: tuple[str, ...]
    groups: dict[str, frozenset[str]]
    partners: dict[str, Partner]
    rules: tuple[SanitisationRule, ...] = ()
    b3_classification: dict[str, str] = field(default_factory=dict)
    source: str = "<policy>"
    own_markings: Markings | None = None
    foreign_markings: ForeignMarkings | None = None

    # -- names and levels ------------------------------------------------------------
    def rank(self, level: str) -> int | None:
        """Position of ``level`` in the ordered list (None when unknown)."""
        return self.levels.index(level) if level in self.levels else None

    def expand(self, names: Iterable[str]) -> frozenset[str]:
        """Nations named directly or through groups (groups may nest; unknown names kept)."""
        out: set[str] = set()
        todo, seen = list(names), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.groups:
                todo.extend(self.groups[name])
            else:
                out.add(name)
        return frozenset(out)

    def partner(self, name: str) -> Partner:
        try:
            return self.partners[name]
        except KeyError:
            known = ", ".join(sorted(self.partners))
            raise InputError(
                f"unknown partner {name!r}; the policy knows {known}",
                source=self.source,
                field="partner",
            ) from None

    # -- the decision ----------------------------------------------------------------
    def releasable(self, markings: Markings | None, partner: Partner | str) -> bool:
        """May a record with ``markings`` go to ``partner``?

        Yes when its level is known and at most the partner's clearance, and every
        nation behind the partner is in the record's expanded releasable-to set (a
        record's single owner needs no release to itself).
        """
        return self.why_not(markings, partner) is None

    def why_not(self, markings: Markings | None, partner: Partner | str) -> str | None:
        """Why a record with ``markings`` may not go to ``partner`` (None: it may)."""
        if isinstance(partner, str):
            partner = self.partner(partner)
        if markings is None:
            return "unmarked"
        level, clearance = self.rank(markings.level), self.rank(partner.clearance)
        if level is None or clearance is None:
            return f"level {markings.level} is not one the policy knows"
        if level > clearance:
            return f"level {markings.level} is above {partner.name}'s clearance {partner.clearance}"
        exempt = {markings.owner} if JOINT not in markings.owner else set()
        missing = self.expand(partner.nations) - exempt - self.expand(markings.releasable_to)
        if missing:
            return f"not releasable to {', '.join(sorted(missing))}"
        return None

    def combine(self, inputs: Iterable[Markings]) -> Markings:
        """Markings of a record derived from ``inputs``: the highest level, and releasable
        only to nations every input is releasable to (a single owner counting as such)."""
        marks = list(inputs)
        if not marks:
            raise InputError("a derived record needs at least one input", field="markings")
        ranks = [self.rank(m.level) for m in marks]
        if any(r is None for r in ranks):
            bad = next(m.level for m, r in zip(marks, ranks, strict=True) if r is None)
            raise InputError(f"unknown level {bad!r}", source=self.source, field="level")
        level = self.levels[max(r for r in ranks if r is not None)]
        owners = sorted({o for m in marks for o in m.owner.split(JOINT)})
        allowed: frozenset[str] | None = None
        for m in marks:
            # A single owner may always see its own record; joint owners only where the
            # record says so (their consent was already intersected when it was derived).
            own = {m.owner} if JOINT not in m.owner else set()
            these = self.expand(m.releasable_to) | own
            allowed = these if allowed is None else allowed & these
        return Markings(JOINT.join(owners), level, frozenset(allowed or ()))

    def rules_for(self, kind: str, partner: str) -> list[SanitisationRule]:
        return [r for r in self.rules if r.kind == kind and partner in r.partners]


def _fail(message: str, source: str, field: str) -> InputError:
    return InputError(message, source=source, field=field)


def _names(value: object, source: str, field: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail("expected a list of names", source, field)
    return frozenset(v.upper() for v in value)


_ELEMENT_QUANTA = (
    "element_angle_quantum_deg",
    "eccentricity_quantum",
    "mean_motion_quantum_rev_per_day",
)


def _quantum(spec: dict, name: str, source: str, where: str) -> float | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _fail(f"{name} must be a positive number, got {value!r}", source, f"{where}.{name}")
    return float(value)


def _check_sgp4_rule(rule: SanitisationRule, source: str, where: str) -> None:
    """An element-set rule is for orbits and states its precision reduction in full."""
    quanta = [getattr(rule, name) for name in _ELEMENT_QUANTA]
    if not rule.sgp4_elements:
        if any(q is not None for q in quanta):
            raise _fail("element quanta need sgp4_elements = true", source, where)
        return
    if rule.kind != "orbits":
        raise _fail("sgp4_elements applies to orbits only", source, f"{where}.kind")
    missing = [name for name, q in zip(_ELEMENT_QUANTA, quanta, strict=True) if q is None]
    if missing:
        raise _fail(
            f"an sgp4_elements rule must state its precision reduction: set {missing}",
            source,
            where,
        )
    other = ("position_quantum_km", "velocity_quantum_km_s", "drop_covariance")
    if any(getattr(rule, name) for name in other):
        raise _fail(
            "an sgp4_elements product has no state or covariance: drop "
            "position/velocity quanta and drop_covariance from this rule",
            source,
            where,
        )


def policy_from_dict(data: dict, source: str = "<policy>") -> Policy:
    """A :class:`Policy` from decoded TOML, checked (errors name the field)."""
    levels = data.get("levels")
    if not isinstance(levels, list) or not levels or len(set(levels)) != len(levels):
        raise _fail("levels must be a non-empty list of distinct names", source, "levels")
    levels_t = tuple(str(level).upper() for level in levels)
    groups = {
        name.upper(): _names(members, source, f"groups.{name}")
        for name, members in data.get("groups", {}).items()
    }
    for name in groups:
        if _NATION.match(name):
            raise _fail("a group name must not look like a nation code", source, f"groups.{name}")

    def level(value: object, where: str) -> str:
        text = str(value).upper()
        if text not in levels_t:
            raise _fail(f"unknown level {value!r}; expected one of {levels_t}", source, where)
        return text

    partners = {}
    for name, spec in data.get("partners", {}).items():
        key = name.upper()
        nations = _names(spec.get("nations"), source, f"partners.{name}.nations")
        if not nations:
            raise _fail("a partner needs nations", source, f"partners.{name}.nations")
        partners[key] = Partner(
            key,
            nations,
            level(spec.get("clearance"), f"partners.{name}.clearance"),
            str(spec.get("description", "")),
        )
    rules = []
    for index, spec in enumerate(data.get("sanitisation", [])):
        where = f"sanitisation[{index}]"
        kind = spec.get("kind")
        if kind not in RECORD_KINDS:
            raise _fail(f"kind must be one of {RECORD_KINDS}", source, f"{where}.kind")
        named = tuple(str(p).upper() for p in spec.get("partners", []))
        for p in named:
            if p not in partners:
                raise _fail(f"unknown partner {p}", source, f"{where}.partners")
        known = {f for f in SanitisationRule.__dataclass_fields__}
        extra = set(spec) - known
        if extra:
            raise _fail(f"unknown setting(s) {sorted(extra)}", source, where)
        rules.append(
            SanitisationRule(
                name=str(spec.get("name") or where),
                kind=kind,
                from_levels=tuple(
                    level(v, f"{where}.from_levels") for v in spec.get("from_levels", [])
                ),
                to_level=level(spec.get("to_level"), f"{where}.to_level"),
                add_releasable_to=_names(
                    spec.get("add_releasable_to", []), source, f"{where}.add_releasable_to"
                ),
                partners=named,
                drop_sensor_identity=bool(spec.get("drop_sensor_identity", False)),
                angle_quantum_arcsec=spec.get("angle_quantum_arcsec"),
                time_quantum_s=spec.get("time_quantum_s"),
                position_quantum_km=spec.get("position_quantum_km"),
                velocity_quantum_km_s=spec.get("velocity_quantum_km_s"),
                drop_covariance=bool(spec.get("drop_covariance", False)),
                sgp4_elements=bool(spec.get("sgp4_elements", False)),
                element_angle_quantum_deg=_quantum(
                    spec, "element_angle_quantum_deg", source, where
                ),
                eccentricity_quantum=_quantum(spec, "eccentricity_quantum", source, where),
                mean_motion_quantum_rev_per_day=_quantum(
                    spec, "mean_motion_quantum_rev_per_day", source, where
                ),
            )
        )
        _check_sgp4_rule(rules[-1], source, where)
    b3 = {
        level(k, "b3_classification"): str(v)[:1]
        for k, v in data.get("b3_classification", {}).items()
    }
    own, foreign = _markings_table(data.get("markings", {}), level, source)
    return Policy(levels_t, groups, partners, tuple(rules), b3, source, own, foreign)


_MARKINGS_KEYS = {"own", "foreign_owner", "foreign_releasable_to", "foreign_levels"}


def _markings_table(
    spec: object, level: Callable[[object, str], str], source: str
) -> tuple[Markings | None, ForeignMarkings | None]:
    """The ``[markings]`` table: what beltwatch's own products carry, and how plain
    markings of other systems (a UDL feed's ``U``) map to this policy."""
    if not isinstance(spec, dict):
        raise _fail("expected a table", source, "markings")
    extra = set(spec) - _MARKINGS_KEYS
    if extra:
        raise _fail(f"unknown setting(s) {sorted(extra)}", source, "markings")
    own = None
    if "own" in spec:
        own = parse_marking(str(spec["own"]), source=source, field="markings.own")
        level(own.level, "markings.own")
    foreign = None
    if "foreign_levels" in spec:
        if "foreign_owner" not in spec:
            raise _fail("foreign_levels needs foreign_owner", source, "markings.foreign_owner")
        levels_map = spec["foreign_levels"]
        if not isinstance(levels_map, dict):
            raise _fail("expected a table", source, "markings.foreign_levels")
        foreign = ForeignMarkings(
            str(spec["foreign_owner"]).upper(),
            {
                str(k).upper(): level(v, f"markings.foreign_levels.{k}")
                for k, v in levels_map.items()
            },
            _names(spec.get("foreign_releasable_to", []), source, "markings.foreign_releasable_to"),
        )
    return own, foreign


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in ``path``, or the shipped illustrative default."""
    if path is None:
        shipped = resources.files("beltwatch.sharing").joinpath("default_policy.toml")
        return policy_from_dict(
            tomllib.loads(shipped.read_text(encoding="utf-8")), "default policy"
        )
    text = read_text(path, "a UTF-8 TOML policy file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", source=str(path)) from exc
    return policy_from_dict(data, str(path))
