"""Scenario files of the main job: TOML -> a typed, frozen configuration.

A scenario names the truth population, how the starting catalog is derived from it, the
observing hosts, the association, OD and analytics settings, what is injected (exercise
days) and the partners products go to. Every key has a default (the embedded
``default.toml`` states them); an unknown key, a wrong type or a value out of range
raises :class:`~beltwatch.errors.InputError` naming the file and the dotted key.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from beltwatch.errors import InputError

SCENARIO_PACKAGE = "beltwatch.pipeline"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSection(_Section):
    hours: float = Field(default=24.0, gt=0)
    seed: int = 2025
    start: str | None = None  # default: the population epoch + catalog.age_days


class TruthSection(_Section):
    population: Literal["synthetic", "catalog"] = "synthetic"
    catalog_file: str | None = None  # population = "catalog": a TLE/OMM file
    max_objects: int | None = Field(default=None, gt=0)  # keep the first N objects (by number)


class CatalogSection(_Section):
    missing_fraction: float = Field(default=0.05, ge=0, lt=1)
    age_days: float = Field(default=1.0, ge=0)  # the freshest element sets are this old at start
    max_age_days: float = Field(default=3.0, ge=0)
    stale_fraction: float = Field(default=0.1, ge=0, le=1)
    stale_age_days: float = Field(default=12.0, ge=0)
    in_track_error_km_per_day: float = Field(default=1.5, ge=0)


class ObserveSection(_Section):
    sensors: str = "default"  # sensor scenario: "default" or a TOML path
    hosts: tuple[str, ...] = ("QZS-6", "QZS-7")
    fidelity: Literal["measurements", "frames"] = "measurements"
    sequence_spacing_s: float = Field(default=900.0, ge=60)
    n_sectors: int = Field(default=18, ge=1)
    sigma_arcsec: float = Field(default=1.0, gt=0)
    sun_exclusion_deg: float = Field(default=40.0, ge=0, lt=180)
    detection: bool = True  # detection statistics (Pd(SNR), noise(SNR)) on the survey
    frame_sample_visits: int = Field(default=8, ge=0)  # frames fidelity: visits rendered


class AssociationSection(_Section):
    night_length_s: float = Field(default=43200.0, gt=0)
    confirm_min_tracklets: int = Field(default=3, ge=2)
    confirm_min_nights: int = Field(default=2, ge=1)


class OrbitsSection(_Section):
    batch_max_objects: int = Field(default=40, ge=0)  # batch LS of stale objects (new ones always)
    ekf_chunk: int = Field(default=64, ge=1)  # objects per vectorised EKF task
    min_observations: int = Field(default=6, ge=2)


class AnalyticsSection(_Section):
    assets: tuple[str, ...] = ("QZS-6", "QZS-7")
    screening_threshold_km: float = Field(default=10.0, gt=0)
    screening_days: float = Field(default=1.5, gt=0)
    proximity_within_km: float = Field(default=100.0, gt=0)
    maneuver_min_run: int = Field(default=2, ge=1)


class ManeuverInjection(_Section):
    norad_id: int | None = None  # default: the first station-kept object observed
    after_hours: float = Field(gt=0)
    delta_v_m_s: float = Field(default=1.0, gt=0)


class ApproachInjection(_Section):
    asset: str = "QZS-6"
    after_hours: float = Field(gt=0)
    miss_km: float = Field(default=1.0, gt=0)
    relative_speed_m_s: float = Field(default=50.0, gt=0)
    norad_id: int = 799_001


class NewObjectInjection(_Section):
    longitude_deg: float = Field(ge=-180, le=360)
    norad_id: int = 799_002


class InjectSection(_Section):
    maneuver: ManeuverInjection | None = None
    close_approach: ApproachInjection | None = None
    new_object: NewObjectInjection | None = None


class ProductsSection(_Section):
    partners: tuple[str, ...] | None = None  # default: every partner of the policy
    policy: str | None = None  # default: the embedded policy
    observations_format: Literal["tdm", "udl-json"] = "udl-json"


class ScenarioConfig(_Section):
    """A whole scenario; :func:`load_run_scenario` reads one."""

    name: str = "default-day"
    description: str = ""
    run: RunSection = RunSection()
    truth: TruthSection = TruthSection()
    catalog: CatalogSection = CatalogSection()
    observe: ObserveSection = ObserveSection()
    association: AssociationSection = AssociationSection()
    orbits: OrbitsSection = OrbitsSection()
    analytics: AnalyticsSection = AnalyticsSection()
    inject: InjectSection = InjectSection()
    products: ProductsSection = ProductsSection()


def embedded_scenarios() -> dict[str, str]:
    """Name -> TOML text of the scenarios shipped in the package."""
    folder = resources.files(SCENARIO_PACKAGE) / "scenarios"
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


def _key(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def scenario_from_text(text: str, source: str) -> ScenarioConfig:
    """Parse and validate one scenario's TOML text (errors name ``source`` and the key)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", source=source) from exc
    return scenario_from_data(data, source)


def scenario_from_data(data: dict, source: str) -> ScenarioConfig:
    """Validate a scenario given as a dict (errors name ``source`` and the key)."""
    try:
        return ScenarioConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise InputError(message, source=source, field=_key(first["loc"])) from exc


def load_run_scenario(spec: str | Path | None) -> tuple[ScenarioConfig, str]:
    """(configuration, where it came from): None -> the embedded default; a name of an
    embedded scenario (``exercise``); otherwise a TOML file."""
    shipped = embedded_scenarios()
    name = "default" if spec is None else str(spec)
    if name in shipped:
        return scenario_from_text(shipped[name], f"scenario {name}"), f"embedded:{name}"
    path = Path(name)
    if not path.is_file():
        raise InputError(
            f"no such scenario file (embedded ones: {', '.join(sorted(shipped))})",
            source=str(path),
            field="scenario",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ({exc})", source=str(path)) from exc
    config = scenario_from_text(text, str(path))
    # Relative file names inside a scenario are relative to the scenario file.
    base = path.resolve().parent
    truth, observe, products = config.truth, config.observe, config.products
    updates: dict[str, BaseModel] = {}
    if truth.catalog_file and not Path(truth.catalog_file).is_absolute():
        updates["truth"] = truth.model_copy(update={"catalog_file": str(base / truth.catalog_file)})
    if observe.sensors != "default" and not Path(observe.sensors).is_absolute():
        updates["observe"] = observe.model_copy(update={"sensors": str(base / observe.sensors)})
    if products.policy and not Path(products.policy).is_absolute():
        updates["products"] = products.model_copy(update={"policy": str(base / products.policy)})
    return config.model_copy(update=updates), str(path)
