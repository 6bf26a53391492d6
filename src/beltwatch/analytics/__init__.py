"""GEO-belt analytics an operator acts on; every analytic returns :class:`~beltwatch.values.Event`.

* Maneuvers and pattern of life from element-set histories: :func:`detect_maneuvers`,
  :func:`maneuver_events`, :func:`pattern_of_life`, :func:`status_events`; from our own
  orbits: :func:`maneuver_event_from_estimate`, :func:`maneuver_events_from_filter`.
* Conjunctions: :func:`screen_catalog` (all against all, or protected assets), the
  collision probability of a conjunction by every method (:func:`assess_collision_probability`:
  Foster 2D, Chan, maximum Pc, Monte Carlo; one module per method behind
  :class:`PcMethod`), :func:`conjunction_from_orbits` (two OD orbits), CDM products
  through :func:`conjunction_from_event`.
* Proximity and RPO watch: :func:`proximity_watch`, :func:`closely_spaced_pairs`.
* Belt status: :func:`belt_tracks`, :func:`belt_summary`, the longitude-time chart.
"""

from beltwatch.analytics._assets import asset_rows, default_assets
from beltwatch.analytics._belt import (
    BeltTrack,
    belt_classes,
    belt_summary,
    belt_track_from_history,
    belt_tracks,
)
from beltwatch.analytics._conjunction import closest_approach, conjunction_from_orbits
from beltwatch.analytics._conjunction_events import conjunction_of, screening_event
from beltwatch.analytics._encounter import EncounterPlane, encounter_plane
from beltwatch.analytics._events import (
    conjunction_event,
    conjunction_from_event,
    event_id,
    public_markings,
    unmarked_markings,
)
from beltwatch.analytics._history import SetQuantities, analyse_history
from beltwatch.analytics._maneuvers import (
    Maneuver,
    ManeuverAnalysis,
    detect_maneuvers,
    maneuver_events,
    significance,
)
from beltwatch.analytics._od_maneuvers import (
    maneuver_event_from_estimate,
    maneuver_events_from_filter,
)
from beltwatch.analytics._pattern import ObjectPattern, pattern_of_life, status_events
from beltwatch.analytics._pc import (
    DEFAULT_HBR_M,
    PcAssessment,
    assess_collision_probability,
    default_methods,
)
from beltwatch.analytics._pc_base import PcEstimate, PcInputs, PcMethod
from beltwatch.analytics._pc_chan import ChanSeries, chan_pc_2d
from beltwatch.analytics._pc_foster import Foster2D, foster_pc_2d
from beltwatch.analytics._pc_max import MaximumPc, max_pc_isotropic, max_pc_scaled
from beltwatch.analytics._pc_monte_carlo import MonteCarlo, MonteCarloPc, monte_carlo_pc
from beltwatch.analytics._plots import belt_longitude_time_figure, proximity_figure
from beltwatch.analytics._proximity import (
    ClosePair,
    ProximityResult,
    ProximityTrack,
    closely_spaced_pairs,
    proximity_events,
    proximity_watch,
)
from beltwatch.analytics._screening import (
    CloseApproach,
    ScreeningOptions,
    ScreeningResult,
    radial_bands_km,
    screen_catalog,
)
from beltwatch.analytics._screening_reference import brute_force_close_approaches

# The simulated histories (truth for tests and benchmarks) load only when asked for:
# real-data paths never import the simulation.
_SIMULATION = (
    "DetectionScore",
    "SimulatedBurn",
    "SimulatedHistory",
    "score_detections",
    "simulate_element_set_histories",
)


def __getattr__(name: str):
    if name in _SIMULATION:
        from beltwatch.analytics import _simulate_history

        return getattr(_simulate_history, name)
    raise AttributeError(f"module 'beltwatch.analytics' has no attribute {name!r}")


__all__ = [
    "DEFAULT_HBR_M",
    "BeltTrack",
    "ChanSeries",
    "CloseApproach",
    "ClosePair",
    "DetectionScore",
    "EncounterPlane",
    "Foster2D",
    "Maneuver",
    "ManeuverAnalysis",
    "MaximumPc",
    "MonteCarlo",
    "MonteCarloPc",
    "ObjectPattern",
    "PcAssessment",
    "PcEstimate",
    "PcInputs",
    "PcMethod",
    "ProximityResult",
    "ProximityTrack",
    "ScreeningOptions",
    "ScreeningResult",
    "SetQuantities",
    "SimulatedBurn",
    "SimulatedHistory",
    "analyse_history",
    "assess_collision_probability",
    "asset_rows",
    "belt_classes",
    "belt_longitude_time_figure",
    "belt_summary",
    "belt_track_from_history",
    "belt_tracks",
    "brute_force_close_approaches",
    "chan_pc_2d",
    "closely_spaced_pairs",
    "closest_approach",
    "conjunction_event",
    "conjunction_from_event",
    "conjunction_from_orbits",
    "conjunction_of",
    "default_assets",
    "default_methods",
    "detect_maneuvers",
    "encounter_plane",
    "event_id",
    "foster_pc_2d",
    "maneuver_event_from_estimate",
    "maneuver_events",
    "maneuver_events_from_filter",
    "max_pc_isotropic",
    "max_pc_scaled",
    "monte_carlo_pc",
    "pattern_of_life",
    "proximity_events",
    "proximity_figure",
    "proximity_watch",
    "public_markings",
    "radial_bands_km",
    "score_detections",
    "screen_catalog",
    "screening_event",
    "significance",
    "simulate_element_set_histories",
    "status_events",
    "unmarked_markings",
]
