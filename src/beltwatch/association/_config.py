"""Association settings: gates, the element-set covariance model, the UCT number range,
linking and maintenance controls (every default in one place)."""

from __future__ import annotations

from dataclasses import dataclass

from beltwatch.errors import InputError


@dataclass(frozen=True)
class AssociationConfig:
    """Controls of correlation and UCT linking.

    Gating: a tracklet-to-object pair is inside the gate when its Mahalanobis distance
    (chi-square with 2 dof for one observation, 4 dof for position + angular rate) is below
    the ``gate_probability`` quantile. Two objects inside the gate whose costs
    (d^2 + ln det S) differ by less than ``ambiguity_delta`` are reported as ambiguous.

    Element-set (SGP4) covariance: radial / in-track / cross-track 1-sigma (km) at the
    element-set epoch ``tle_sigma_km`` growing linearly by ``tle_growth_km_per_day`` with
    the age |t - epoch| (in-track dominates); velocity sigmas are the position growth per
    second plus the mean motion times the position sigma times ``tle_velocity_factor``.
    An object with >= ``time_bias_min_tracklets`` tagged tracklets gets a time-bias line
    that replaces its in-track growth (see ``_correlate._time_bias``); set 0 to disable.

    ``link_*`` and ``confirm_*``: UCT linking (``_linking`` module docstring);
    ``maintain_*``: re-correlation against new objects (``_maintain`` module docstring).
    """

    gate_probability: float = 0.99999
    ambiguity_delta: float = 4.0
    time_bias_min_tracklets: int = 4
    coarse_gate_deg: float = 0.5
    coarse_sigmas: float = 8.0
    min_range_km: float = 10.0
    tle_sigma_km: tuple[float, float, float] = (1.0, 2.0, 0.5)
    tle_growth_km_per_day: tuple[float, float, float] = (2.0, 7.0, 2.0)
    tle_velocity_factor: float = 1.0
    default_sigma_arcsec: float = 1.0
    tracklet_outlier_sigma: float = 6.0
    tracklet_outlier_floor_arcsec: float = 360.0
    uct_first_id: int = 800_000_000
    uct_last_id: int = 899_999_999
    # linking (see beltwatch.association._linking)
    link_radial_velocity_km_s: float = 0.35
    link_radial_velocity_step_km_s: float = 0.05
    link_sma_factors: tuple[float, ...] = (0.99, 1.0, 1.01)
    link_sma_km: tuple[float, float] = (30000.0, 60000.0)
    link_range_step_km: float = 200.0
    link_max_range_km: float = 100000.0
    link_min_separation_s: float = 1800.0
    link_same_visit_s: float = 300.0
    link_pair_hours: float = 12.0
    link_circular_gate_deg: float = 0.5
    link_circular_gate_deg_per_hour: float = 0.15
    link_rate_gate_arcsec_s: float = 0.5
    link_gate_probability: float = 0.99999
    link_near_miss_factor: float = 4.0
    link_model_km: float = 1.0
    link_model_km_per_hour: float = 1.0
    link_model_km_s: float = 1e-4
    link_model_km_s_per_hour: float = 5e-5
    link_window_hours: float = 12.0
    link_fit_rms_arcsec: float = 4.0
    link_max_tries: int = 3
    link_exclude_catalog_d2: float = 0.0
    confirm_min_tracklets: int = 3
    confirm_min_nights: int = 2
    night_length_s: float = 86400.0
    # maintenance (re-correlation against new objects' orbits)
    maintain_model_km: float = 1.0
    maintain_join_rms_factor: float = 1.5
    maintain_join_max_off_fraction: float = 0.1
    maintain_tracklet_sigmas: float = 5.0

    def __post_init__(self) -> None:
        if not 0.0 < self.gate_probability < 1.0:
            raise InputError("gate_probability must lie in (0, 1)", field="gate_probability")
        if not 0 < self.uct_first_id <= self.uct_last_id:
            raise InputError(
                "UCT id range must be positive and ordered", field="uct_first_id/uct_last_id"
            )
