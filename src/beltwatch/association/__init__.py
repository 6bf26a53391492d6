"""Association: correlation of observations and tracklets to catalog objects, UCTs.

Predicted directions with covariance (SGP4 element sets, a documented age-growing
covariance model), tracklet-level Mahalanobis gating on position and angular rate, global
assignment per frame sequence, ambiguity reported, UCT numbering from a configured range,
linking of UCTs across nights into new objects (admissible-region hypotheses verified by
orbit fits, M-of-N confirmation, batch least squares that must pass the od consistency
gate), re-correlation against the new objects' orbits (:func:`maintain`) and ambiguous
tracklets decided by our own OD orbits of the cataloged candidates
(:func:`correlate_with_orbits`).
"""

from beltwatch.association._config import AssociationConfig
from beltwatch.association._correlate import (
    AMBIGUOUS,
    CORRELATED,
    REJECTED,
    UCT,
    Candidate,
    CorrelationResult,
    correlate,
)
from beltwatch.association._linking import NewObject, link_ucts
from beltwatch.association._maintain import maintain
from beltwatch.association._orbits import correlate_with_orbits
from beltwatch.association._predict import Predictions, predict_catalog
from beltwatch.association._table import (
    ObservationTable,
    Tracklets,
    build_tracklets,
    observations_from_table,
    screen_table,
)

__all__ = [
    "AMBIGUOUS",
    "CORRELATED",
    "REJECTED",
    "UCT",
    "AssociationConfig",
    "Candidate",
    "CorrelationResult",
    "NewObject",
    "ObservationTable",
    "Predictions",
    "Tracklets",
    "build_tracklets",
    "correlate",
    "correlate_with_orbits",
    "link_ucts",
    "maintain",
    "observations_from_table",
    "predict_catalog",
    "screen_table",
]
