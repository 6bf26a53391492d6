"""Association: correlation of observations and tracklets to catalog objects, UCTs.

Predicted directions with covariance (SGP4 element sets, a documented age-growing
covariance model), tracklet-level Mahalanobis gating on position and angular rate, global
assignment per frame sequence, ambiguity reported, UCT numbering from a configured range,
and linking of UCTs across nights into new objects (IOD hypotheses, M-of-N confirmation,
batch least squares).
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
from beltwatch.association._predict import Predictions, predict_catalog
from beltwatch.association._table import ObservationTable, Tracklets, build_tracklets, screen

__all__ = [
    "AMBIGUOUS",
    "CORRELATED",
    "REJECTED",
    "UCT",
    "AssociationConfig",
    "Candidate",
    "CorrelationResult",
    "ObservationTable",
    "Predictions",
    "Tracklets",
    "build_tracklets",
    "correlate",
    "predict_catalog",
    "screen",
]
