"""Collision probability of one conjunction by every method, with the flags that qualify it.

:func:`assess_collision_probability` runs Foster 2D, Chan, the maximum Pc and Monte
Carlo on a :class:`~beltwatch.formats.ConjunctionEvent` (a CDM, or a conjunction
found by screening or built from two OD orbits). Hard-body radius: the caller's, else
the message's CARA ``COMMENT HBR`` line, else :data:`DEFAULT_HBR_M`.

The 2D methods assume a short encounter: straight-line relative motion, a fixed
covariance, no velocity uncertainty. The assessment flags them as questionable when
the encounter lasts more than :data:`SHORT_ENCOUNTER_FRACTION` of the shorter orbital
period; the duration is the time the relative motion needs to cross the combined
position uncertainty along the relative velocity (+-5 sigma) and the hard body:
2 (5 sigma_v + HBR) / |v_rel|. Monte Carlo assumes none of this.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.time import Time

from beltwatch.analytics._pc_base import PcEstimate, PcInputs, PcMethod, orbital_period_s
from beltwatch.analytics._pc_chan import ChanSeries
from beltwatch.analytics._pc_foster import Foster2D
from beltwatch.analytics._pc_max import MaximumPc
from beltwatch.analytics._pc_monte_carlo import MonteCarlo
from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent

DEFAULT_HBR_M = 20.0
"""Combined hard-body radius when neither the caller nor the message gives one (m):
a large GEO satellite with its arrays (~15 m) plus a small object, rounded up."""
SHORT_ENCOUNTER_FRACTION = 0.01


@dataclass(frozen=True)
class PcAssessment:
    """Every method's estimate of one conjunction, the maximum Pc and the flags."""

    tca: Time
    estimates: dict[str, PcEstimate]
    max_pc: float
    hbr_m: float
    hbr_source: str
    miss_distance_km: float
    relative_speed_km_s: float
    encounter_duration_s: float | None
    flags: tuple[str, ...] = field(default=())

    @property
    def pc(self) -> float | None:
        """The reported Pc: Foster 2D (the operational convention)."""
        foster = self.estimates.get("foster_2d")
        return None if foster is None else foster.pc

    def to_dict(self) -> dict:
        """``{"methods": {...}, "max_pc", "hbr_m", "miss_distance_km", "flags", ...}``."""
        methods: dict[str, object] = {}
        for name, est in self.estimates.items():
            if name == "max_pc":
                continue
            if est.samples is not None:
                methods[name] = {
                    "pc": est.pc,
                    "ci95": None if est.ci95 is None else list(est.ci95),
                    "samples": est.samples,
                }
            else:
                methods[name] = est.pc
        utc = self.tca.utc
        utc.precision = 3
        return {
            "methods": methods,
            "max_pc": self.max_pc,
            "hbr_m": self.hbr_m,
            "hbr_source": self.hbr_source,
            "miss_distance_km": self.miss_distance_km,
            "relative_speed_km_s": self.relative_speed_km_s,
            "tca_utc": f"{utc.isot}Z",
            "encounter_duration_s": self.encounter_duration_s,
            "flags": list(self.flags),
        }


def default_methods(samples: int | None = None, seed: int | None = None) -> tuple[PcMethod, ...]:
    """Foster 2D, Chan, Monte Carlo (``samples`` trials, 0 to skip) and the maximum Pc."""
    methods: list[PcMethod] = [Foster2D(), ChanSeries()]
    default = MonteCarlo()
    if samples is None or samples > 0:
        methods.append(
            MonteCarlo(
                samples=default.samples if samples is None else int(samples),
                seed=default.seed if seed is None else seed,
            )
        )
    methods.append(MaximumPc())
    return tuple(methods)


def hard_body_radius(conjunction: ConjunctionEvent, hbr_m: float | None) -> tuple[float, str]:
    """(radius m, where it came from: ``option``, ``cdm`` or ``default``)."""
    if hbr_m is not None:
        if not (np.isfinite(hbr_m) and hbr_m > 0):
            raise InputError(f"hard-body radius must be positive, got {hbr_m}", field="hbr-m")
        return float(hbr_m), "option"
    if conjunction.hard_body_radius_m is not None:
        return float(conjunction.hard_body_radius_m), "cdm"
    return DEFAULT_HBR_M, "default"


def pc_inputs(conjunction: ConjunctionEvent, hbr_m: float) -> PcInputs:
    """The states at TCA (inertial), covariances and radius a Pc method takes."""
    o1, o2 = conjunction.object1, conjunction.object2
    return PcInputs(
        tca=conjunction.tca,
        state1=np.concatenate([o1.position_km, o1.velocity_km_s]),
        state2=np.concatenate([o2.position_km, o2.velocity_km_s]),
        covariance1=o1.covariance,
        covariance2=o2.covariance,
        hbr_km=hbr_m / 1000.0,
    )


def encounter_duration_s(inputs: PcInputs) -> float | None:
    """2 (5 sigma_v + HBR) / |v_rel| (s), None without a covariance."""
    if not inputs.has_covariance:
        return None
    c1, c2 = inputs.covariances()
    v = inputs.state1[3:] - inputs.state2[3:]
    speed = float(np.linalg.norm(v))
    if speed == 0:
        return float("inf")
    unit = v / speed
    sigma_v = float(np.sqrt(max(unit @ (c1 + c2)[:3, :3] @ unit, 0.0)))
    return 2.0 * (5.0 * sigma_v + inputs.hbr_km) / speed


def _two_d_flags(inputs: PcInputs, duration_s: float | None) -> list[str]:
    if duration_s is None:
        return []
    period = min(
        orbital_period_s(inputs.state1[:3], inputs.state1[3:]),
        orbital_period_s(inputs.state2[:3], inputs.state2[3:]),
    )
    if duration_s <= SHORT_ENCOUNTER_FRACTION * period:
        return []
    return [
        f"2D assumptions questionable: the encounter lasts ~{duration_s:.0f} s, "
        f"{100 * duration_s / period:.1f} % of the orbital period (relative speed "
        f"{inputs.relative_speed_km_s * 1000:.3g} m/s); compare monte_carlo"
    ]


def assess_collision_probability(
    conjunction: ConjunctionEvent,
    *,
    hbr_m: float | None = None,
    methods: tuple[PcMethod, ...] | None = None,
) -> PcAssessment:
    """Pc of a conjunction by each method, the maximum Pc, and the flags that qualify them."""
    radius_m, source = hard_body_radius(conjunction, hbr_m)
    inputs = pc_inputs(conjunction, radius_m)
    estimates = {m.name: m.estimate(inputs) for m in (methods or default_methods())}
    flags = list(conjunction.flags)
    if source == "default":
        flags.append(f"hard-body radius not given: default {DEFAULT_HBR_M:g} m")
    for est in estimates.values():
        flags += [f for f in est.flags if f not in flags]
    duration = encounter_duration_s(inputs)
    flags += _two_d_flags(inputs, duration)
    maximum = estimates.get("max_pc") or MaximumPc().estimate(inputs)
    return PcAssessment(
        tca=conjunction.tca,
        estimates=estimates,
        max_pc=float(maximum.pc or 0.0),
        hbr_m=radius_m,
        hbr_source=source,
        miss_distance_km=inputs.miss_distance_km,
        relative_speed_km_s=inputs.relative_speed_km_s,
        encounter_duration_s=duration,
        flags=tuple(flags),
    )
