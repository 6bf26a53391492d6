"""Scenario files: TOML parsed into typed models, then into platforms and sensors.

Every number is a documented, configurable assumption (docs/sensors.md). A bad
file raises :class:`~beltwatch.errors.InputError` naming the file and the key
(``sensors[0].camera.aperture_m``).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated

from astropy.time import Time
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from beltwatch._io import read_text
from beltwatch.catalog import load_catalog
from beltwatch.errors import InputError
from beltwatch.sensors._instrument import instrument_kind
from beltwatch.sensors._photometry import PhaseModel
from beltwatch.sensors._platforms import GeoSlotHost, GroundSite, HostPlatform, Observer
from beltwatch.sensors._sensor import Constraints, Mount, MountKind, Sensor
from beltwatch.timescales import parse_utc

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Angle180 = Annotated[float, Field(ge=0, le=180)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HostConfig(_Strict):
    """A host: a TLE (two lines), a catalog file + NORAD id, or a geosynchronous slot."""

    id: str
    tle: list[str] | None = None
    catalog_file: str | None = None
    norad_id: int | None = None
    slot_longitude_deg: float | None = None
    inclination_deg: Annotated[float, Field(ge=0, le=180)] = 0.0
    epoch: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> HostConfig:
        sources = [
            self.tle is not None,
            self.catalog_file is not None,
            self.slot_longitude_deg is not None,
        ]
        if sum(sources) != 1:
            raise ValueError(
                "give exactly one of tle, catalog_file (+ norad_id), slot_longitude_deg"
            )
        if self.tle is not None and len(self.tle) != 2:
            raise ValueError("tle must be a list of the two element-set lines")
        if self.catalog_file is not None and self.norad_id is None:
            raise ValueError("catalog_file needs norad_id")
        return self


class SiteConfig(_Strict):
    id: str
    latitude_deg: Annotated[float, Field(ge=-90, le=90)]
    longitude_deg: Annotated[float, Field(ge=-180, le=360)]
    altitude_km: Annotated[float, Field(ge=-0.5, le=10)] = 0.0


class MountConfig(_Strict):
    kind: MountKind = MountKind.GIMBAL
    field_of_regard_deg: Angle180 = 88.0
    slew_rate_deg_s: Positive = 2.0
    settle_s: NonNegative = 3.0
    boresight_off_axis_deg: Angle180 = 0.0
    boresight_azimuth_deg: float = 0.0


class ConstraintsConfig(_Strict):
    sun_exclusion_deg: Angle180 | None = None
    moon_exclusion_deg: Angle180 | None = None
    earth_limb_exclusion_deg: Angle180 | None = None
    atmosphere_height_km: NonNegative = 100.0
    min_elevation_deg: Annotated[float, Field(ge=-90, le=90)] | None = None
    max_sun_elevation_deg: Annotated[float, Field(ge=-90, le=90)] | None = None
    max_range_km: Positive | None = None
    require_sunlit: bool = True
    snr_threshold: Positive | None = 6.0


class SensorConfig(_Strict):
    """A sensor; its instrument's own table (``[sensors.camera]`` for ``kind = "optical"``,
    ``[sensors.radar]`` for ``"radar"``, see :func:`register_instrument`) is validated by
    the registered kind and held in ``instrument``."""

    id: str
    kind: str
    host: str | None = None
    site: str | None = None
    instrument: BaseModel
    mount: MountConfig = MountConfig()
    constraints: ConstraintsConfig = ConstraintsConfig()
    frames_per_field: Annotated[int, Field(gt=0)] = 3
    extinction_mag_per_airmass: NonNegative = 0.0

    @model_validator(mode="after")
    def _platform(self) -> SensorConfig:
        if (self.host is None) == (self.site is None):
            raise ValueError("give exactly one of host (a [[hosts]] id) or site (a [[sites]] id)")
        return self


class PhotometryConfig(_Strict):
    """Defaults for objects whose size/albedo the catalog does not give (real catalogs)."""

    model: PhaseModel = PhaseModel.DIFFUSE_SPHERE
    default_radius_m: Positive = 1.5
    default_albedo: Annotated[float, Field(gt=0, le=1)] = 0.2
    specular_fraction: Annotated[float, Field(ge=0, le=1)] = 0.0


class TaskingConfig(_Strict):
    belt_latitude_band_deg: Annotated[float, Field(ge=0, le=30)] = 15.0
    tile_overlap: Annotated[float, Field(ge=0, lt=1)] = 0.1
    survey_priority: NonNegative = 1.0
    followup_priority: NonNegative = 3.0
    custody_revisit_h: Positive = 6.0


class ScenarioConfig(_Strict):
    name: str = "scenario"
    start: str | None = None
    hosts: list[HostConfig] = []
    sites: list[SiteConfig] = []
    sensors: list[SensorConfig]
    photometry: PhotometryConfig = PhotometryConfig()
    tasking: TaskingConfig = TaskingConfig()


@dataclass(frozen=True, eq=False)
class Scenario:
    """A loaded scenario: platforms by id, sensors by id, photometry and tasking settings."""

    name: str
    start: Time | None
    hosts: dict[str, Observer]
    sites: dict[str, GroundSite]
    sensors: dict[str, Sensor]
    photometry: PhotometryConfig = field(default_factory=PhotometryConfig)
    tasking: TaskingConfig = field(default_factory=TaskingConfig)
    source: str = "<scenario>"

    def select(self, sensor_ids: list[str]) -> Scenario:
        """The same scenario with only the named sensors."""
        unknown = [s for s in sensor_ids if s not in self.sensors]
        if unknown:
            raise InputError(
                f"unknown sensor {unknown[0]!r}; scenario has {sorted(self.sensors)}",
                source=self.source,
                field="sensors",
            )
        kept = {k: v for k, v in self.sensors.items() if k in sensor_ids}
        return Scenario(
            self.name,
            self.start,
            self.hosts,
            self.sites,
            kept,
            self.photometry,
            self.tasking,
            self.source,
        )


def _key(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _first_error(exc: ValidationError, source: str, prefix: str = "") -> InputError:
    err = exc.errors()[0]
    # Drop the model names pydantic inserts for union members (e.g. "float", "constrained-float").
    loc = tuple(
        p
        for p in err["loc"]
        if isinstance(p, int) or not p.startswith(("function-", "constrained"))
    )
    key = ".".join(part for part in (prefix, _key(loc)) if part)
    text = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against docs/sensors.md)"
    elif err["type"] == "missing":
        message = "missing required key"
    elif err["type"] in ("value_error", "assertion_error"):
        message = text
    else:
        message = f"{text} (got {err.get('input')!r})"
    return InputError(message, source=source, field=key or None)


def _build_host(cfg: HostConfig, index: int, base: Path, source: str) -> Observer:
    key = f"hosts[{index}]"
    try:
        if cfg.tle is not None:
            return HostPlatform.from_tle(cfg.id, cfg.tle[0], cfg.tle[1])
        if cfg.catalog_file is not None:
            path = Path(cfg.catalog_file)
            path = path if path.is_absolute() else base / path
            norad_id = cfg.norad_id if cfg.norad_id is not None else -1  # validated: given
            return HostPlatform.from_catalog(cfg.id, load_catalog(path).catalog, norad_id)
        epoch = parse_utc(cfg.epoch, field=f"{key}.epoch") if cfg.epoch else None
    except InputError as exc:
        raise InputError(exc.message, source=source, field=f"{key}: {exc.field or 'tle'}") from exc
    if epoch is None or cfg.slot_longitude_deg is None:
        raise InputError(
            "a slot host needs an epoch (ISO 8601 UTC)", source=source, field=f"{key}.epoch"
        )
    return GeoSlotHost(
        cfg.id,
        math.radians(cfg.slot_longitude_deg),
        math.radians(cfg.inclination_deg),
        epoch,
    )


def _rad(value: float | None) -> float | None:
    return None if value is None else math.radians(value)


def _build_sensor(
    cfg: SensorConfig, index: int, platforms: dict[str, Observer], source: str
) -> Sensor:
    ref, kind = (cfg.host, "host") if cfg.host is not None else (cfg.site, "site")
    if ref not in platforms:
        raise InputError(
            f"{kind} {ref!r} is not defined (known: {sorted(platforms)})",
            source=source,
            field=f"sensors[{index}].{kind}",
        )
    instrument = instrument_kind(cfg.kind).build(cfg.id, cfg.instrument)
    m, c = cfg.mount, cfg.constraints
    mount = Mount(
        m.kind,
        math.radians(m.field_of_regard_deg),
        math.radians(m.slew_rate_deg_s),
        m.settle_s,
        math.radians(m.boresight_off_axis_deg),
        math.radians(m.boresight_azimuth_deg),
    )
    constraints = Constraints(
        sun_exclusion_rad=_rad(c.sun_exclusion_deg),
        moon_exclusion_rad=_rad(c.moon_exclusion_deg),
        earth_limb_exclusion_rad=_rad(c.earth_limb_exclusion_deg),
        atmosphere_height_km=c.atmosphere_height_km,
        min_elevation_rad=_rad(c.min_elevation_deg),
        max_sun_elevation_rad=_rad(c.max_sun_elevation_deg),
        max_range_km=_min_range(c.max_range_km, instrument.max_range_km),
        require_sunlit=c.require_sunlit,
        snr_threshold=c.snr_threshold,
    )
    return Sensor(
        cfg.id,
        cfg.kind,
        platforms[ref],
        mount,
        constraints,
        instrument,
        cfg.frames_per_field,
        cfg.extinction_mag_per_airmass,
    )


def _min_range(*limits_km: float | None) -> float | None:
    given = [x for x in limits_km if x is not None]
    return min(given) if given else None


def _with_instrument(sensor: object, index: int, source: str) -> object:
    """A sensor table with its kind's own table validated by the registered kind and moved
    to ``instrument`` (errors name ``sensors[i].<table>.<key>``)."""
    if not isinstance(sensor, dict) or not isinstance(sensor.get("kind"), str):
        return sensor  # the model reports what is wrong
    key = f"sensors[{index}]"
    if "instrument" in sensor:
        raise InputError("unknown key (check the spelling against docs/sensors.md)",
                         source=source, field=f"{key}.instrument")  # fmt: skip
    kind = instrument_kind(sensor["kind"], source=source, field=f"{key}.kind")
    rest = {k: v for k, v in sensor.items() if k != kind.table}
    if kind.table not in sensor:
        raise InputError(
            f"a {kind.name} sensor needs a [sensors.{kind.table}] table",
            source=source,
            field=f"{key}.{kind.table}",
        )
    try:
        rest["instrument"] = kind.config.model_validate(sensor[kind.table])
    except ValidationError as exc:
        raise _first_error(exc, source, prefix=f"{key}.{kind.table}") from None
    return rest


def scenario_from_dict(
    data: dict, source: str = "<scenario>", base: Path | None = None
) -> Scenario:
    """Validate a parsed scenario table and build its platforms and sensors."""
    if isinstance(data.get("sensors"), list):
        tables = [_with_instrument(s, i, source) for i, s in enumerate(data["sensors"])]
        data = {**data, "sensors": tables}
    try:
        cfg = ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc, source) from None
    base = base or Path.cwd()
    id_lists: tuple[tuple[str, list[str]], ...] = (
        ("hosts", [h.id for h in cfg.hosts]),
        ("sites", [s.id for s in cfg.sites]),
        ("sensors", [s.id for s in cfg.sensors]),
    )
    for table, ids in id_lists:
        seen: set[str] = set()
        for i, item_id in enumerate(ids):
            if item_id in seen:
                raise InputError(
                    f"duplicate id {item_id!r}", source=source, field=f"{table}[{i}].id"
                )
            seen.add(item_id)
    hosts = {h.id: _build_host(h, i, base, source) for i, h in enumerate(cfg.hosts)}
    sites = {
        s.id: GroundSite(
            s.id, math.radians(s.latitude_deg), math.radians(s.longitude_deg), s.altitude_km
        )
        for s in cfg.sites
    }
    platforms: dict[str, Observer] = {**hosts, **sites}
    sensors = {s.id: _build_sensor(s, i, platforms, source) for i, s in enumerate(cfg.sensors)}
    start = parse_utc(cfg.start, field="start") if cfg.start else None
    return Scenario(cfg.name, start, hosts, sites, sensors, cfg.photometry, cfg.tasking, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (relative catalog paths resolve beside it)."""
    file = Path(path)
    text = read_text(file, "a UTF-8 TOML scenario file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=file) from exc
    return scenario_from_dict(data, str(file), file.parent)


def default_scenario() -> Scenario:
    """The embedded default: QZS-6 and QZS-7 survey cameras, a Japanese telescope and radar."""
    ref = resources.files("beltwatch.sensors") / "scenarios" / "default.toml"
    data = tomllib.loads(ref.read_text(encoding="utf-8"))
    return scenario_from_dict(data, "default.toml")


def default_scenario_path() -> Path:
    return Path(str(resources.files("beltwatch.sensors") / "scenarios" / "default.toml"))
