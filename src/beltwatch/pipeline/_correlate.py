"""Correlate and discover: observations against the starting catalog, UCT tracklets
linked into new objects (batch least squares through the consistency gate), every
tracklet re-tested against the new objects' orbits; after OD, tracklets still ambiguous
are decided by our own orbits of the cataloged candidates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from beltwatch.association import (
    AMBIGUOUS,
    CORRELATED,
    UCT,
    AssociationConfig,
    CorrelationResult,
    NewObject,
    ObservationTable,
    correlate,
    correlate_with_orbits,
    link_ucts,
    maintain,
)
from beltwatch.catalog import Catalog
from beltwatch.orbit_determination import od_propagator
from beltwatch.pipeline._config import AssociationSection


@dataclass(frozen=True, eq=False)
class Correlated:
    result: CorrelationResult
    new: list[NewObject]
    config: AssociationConfig

    def tagged(self) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, object numbers) of observations tagged to one object (a
        cataloged one or a new one)."""
        status = self.result.obs_status
        ok = (status == CORRELATED) | ((status == UCT) & np.isin(
            self.result.obs_object_id, [o.object_id for o in self.new]
        ))  # fmt: skip
        rows = np.flatnonzero(ok)
        return rows, self.result.obs_object_id[rows].astype(np.int64)

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.result.counts().items()}


def association_config(settings: AssociationSection) -> AssociationConfig:
    return AssociationConfig(
        night_length_s=settings.night_length_s,
        confirm_min_tracklets=settings.confirm_min_tracklets,
        confirm_min_nights=settings.confirm_min_nights,
    )


def correlate_and_discover(
    table: ObservationTable, catalog: Catalog, settings: AssociationSection
) -> Correlated:
    """Correlation, UCT linking into new objects, maintenance."""
    cfg = association_config(settings)
    result = correlate(table, catalog, cfg)
    prop = od_propagator()
    new, _tracks = link_ucts(result, cfg, propagator=prop)
    result, new = maintain(result, new, prop, cfg)
    return Correlated(result, [o for o in new if o.fitted], cfg)


def decide_ambiguous(corr: Correlated, catalog: Catalog) -> tuple[Correlated, int]:
    """Ambiguous tracklets decided by orbit fits of their cataloged candidates; returns
    the updated correlation and how many tracklets were decided."""
    before = int(np.sum(corr.result.status == AMBIGUOUS))
    if not before:
        return corr, 0
    refined, _fits = correlate_with_orbits(
        corr.result, catalog, od_propagator(), corr.new, corr.config
    )
    after = int(np.sum(refined.status == AMBIGUOUS))
    return Correlated(refined, corr.new, corr.config), before - after
