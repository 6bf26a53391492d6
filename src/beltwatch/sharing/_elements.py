"""Orbit states turned into SGP4 element sets, the content of an OMM product."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from beltwatch.errors import InputError
from beltwatch.propagation import ForceModel, NumericalPropagator, fit_sgp4_to_orbit
from beltwatch.values import ElementSet, OrbitState


@dataclass(frozen=True)
class ElementFit:
    """How an orbit state becomes an SGP4 element set for an OMM.

    Each state is propagated numerically (``ForceModel.geo_default``: zonals to
    J4, Sun, Moon, SRP) over ``span_s`` before its epoch, sampled every
    ``step_s``, and SGP4 is fitted to those positions in TEME with the element-set
    epoch at the state's epoch (``beltwatch.propagation.fit_sgp4_to_orbit``).
    Defaults: 2 days every 10 min, the span an OD estimate's observations cover.
    """

    span_s: float = 2 * 86400.0
    step_s: float = 600.0

    def __post_init__(self) -> None:
        if not (self.span_s > 0 and 0 < self.step_s <= self.span_s / 3):
            raise InputError(
                f"an element fit needs span_s > 0 and 0 < step_s <= span_s/3 (>= 4 samples), "
                f"got span_s={self.span_s}, step_s={self.step_s}",
                field="fit_span_s",
            )

    def describe(self) -> dict:
        return {"span_s": self.span_s, "step_s": self.step_s, "force_model": "geo_default"}

    def fit(self, states: Sequence[OrbitState]) -> tuple[list[ElementSet], np.ndarray]:
        """Element sets (markings copied from the states) and the fit RMS (km, TEME) of each."""
        states = list(states)
        if not states:
            return [], np.zeros(0)
        for state in states:
            if state.norad_id is None:
                raise InputError(
                    "an SGP4 element set needs a catalog number; this orbit has none",
                    field="norad_id",
                )
        propagator = NumericalPropagator(ForceModel.geo_default())
        result = fit_sgp4_to_orbit(
            states, propagator, span_s=self.span_s, step_s=self.step_s, tle_check=False
        )
        cat = result.catalog
        out = []
        for i, state in enumerate(states):
            if not (result.converged[i] and np.isfinite(result.rms_km[i])):
                raise InputError(
                    f"SGP4 elements could not be fitted to the orbit of {state.norad_id} "
                    f"(RMS {result.rms_km[i]:.3g} km after {result.iterations[i]} iterations)",
                    field="orbits",
                )
            out.append(
                ElementSet(
                    norad_id=int(cat.norad_id[i]),
                    epoch=cat.epoch[i],
                    mean_motion_rev_per_day=float(cat.mean_motion_rev_per_day[i]),
                    eccentricity=float(cat.eccentricity[i]),
                    inclination_rad=float(cat.inclination_rad[i]),
                    raan_rad=float(cat.raan_rad[i]),
                    arg_perigee_rad=float(cat.arg_perigee_rad[i]),
                    mean_anomaly_rad=float(cat.mean_anomaly_rad[i]),
                    bstar=float(cat.bstar[i]),
                    markings=state.markings,
                    comments=(
                        f"SGP4 fit to the orbit propagated numerically over {self.span_s:g} s "
                        f"before EPOCH: RMS {result.rms_km[i]:.3f} km",
                    ),
                )
            )
        return out, result.rms_km
