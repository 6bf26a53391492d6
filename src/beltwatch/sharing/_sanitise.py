"""Sanitisation: a rule of the policy turned into a less sensitive copy of a record."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from astropy.time import Time

from beltwatch.constants import ARCSEC_RAD
from beltwatch.errors import InputError
from beltwatch.formats import ConjunctionEvent
from beltwatch.sharing._elements import ElementFit
from beltwatch.sharing._policy import Policy, SanitisationRule
from beltwatch.values import ElementSet, Event, Markings, Observation, OrbitState

REDACTED_SENSOR = "REDACTED"


def _quantise(value: np.ndarray | float, quantum: float | None):
    if not quantum:
        return value
    return np.round(np.asarray(value, dtype=float) / quantum) * quantum


def sanitised_markings(markings: Markings, rule: SanitisationRule, policy: Policy) -> Markings:
    """The markings ``rule`` gives its product: ``to_level``, releasable-to grown."""
    grown = policy.expand(markings.releasable_to) | policy.expand(rule.add_releasable_to)
    return Markings(markings.owner, rule.to_level, frozenset(grown))


def _time(t: Time, quantum_s: float | None) -> Time:
    """UTC ``t`` rounded to ``quantum_s`` (built from the two-part JD: no time arithmetic)."""
    if not quantum_s:
        return t
    utc = t if t.scale == "utc" else t.utc
    jd2 = float(utc.jd2)
    sec = (jd2 % 1.0) * 86400.0
    shift = (round(sec / quantum_s) * quantum_s - sec) / 86400.0
    return Time(float(utc.jd1), jd2 + shift, format="jd", scale="utc")


def sanitise(record, rule: SanitisationRule, policy: Policy, *, fit: ElementFit | None = None):
    """A copy of ``record`` changed as ``rule`` says, carrying the rule's markings.

    An ``sgp4_elements`` rule turns an orbit state into a :class:`ElementSet` fitted
    with ``fit`` (default :class:`ElementFit`) and rounded to the rule's quanta.
    """
    if isinstance(record, OrbitState) and rule.sgp4_elements:
        (elements,), _ = (fit or ElementFit()).fit([record])
        return reduced_elements(elements, rule, sanitised_markings(_marked(record), rule, policy))
    if isinstance(record, ElementSet):
        return reduced_elements(record, rule, sanitised_markings(_marked(record), rule, policy))
    if isinstance(record, Observation):
        q = (rule.angle_quantum_arcsec or 0.0) * ARCSEC_RAD
        out = replace(
            record,
            time=_time(record.time, rule.time_quantum_s),
            ra_rad=float(_quantise(record.ra_rad, q)) % (2 * math.pi),
            dec_rad=float(_quantise(record.dec_rad, q)),
            markings=sanitised_markings(_marked(record), rule, policy),
        )
        if q:
            out = replace(
                out,
                ra_sigma_rad=math.hypot(record.ra_sigma_rad, q / math.sqrt(12)),
                dec_sigma_rad=math.hypot(record.dec_sigma_rad, q / math.sqrt(12)),
            )
        if rule.drop_sensor_identity:
            nan = np.full(3, np.nan)
            out = replace(
                out,
                sensor_id=REDACTED_SENSOR,
                observer_position_km=nan,
                observer_velocity_km_s=nan,
                frame_id=None,
            )
        return out
    if isinstance(record, OrbitState):
        return _sanitise_state(record, rule, sanitised_markings(_marked(record), rule, policy))
    if isinstance(record, ConjunctionEvent):
        markings = sanitised_markings(_marked(record), rule, policy)
        return replace(
            record,
            object1=_sanitise_state(record.object1, rule, markings),
            object2=_sanitise_state(record.object2, rule, markings),
            markings=markings,
        )
    if isinstance(record, Event):
        # A sanitised alert says what happened, not how we know: the evidence (sensors,
        # residuals, tracklets) stays home.
        markings = sanitised_markings(_marked(record), rule, policy)
        return replace(record, evidence={}, markings=markings)
    raise TypeError(f"cannot sanitise a {type(record).__name__}")


def _sanitise_state(state: OrbitState, rule: SanitisationRule, markings: Markings) -> OrbitState:
    return replace(
        state,
        position_km=_quantise(state.position_km, rule.position_quantum_km),
        velocity_km_s=_quantise(state.velocity_km_s, rule.velocity_quantum_km_s),
        covariance=None if rule.drop_covariance else state.covariance,
        markings=markings,
    )


def _marked(record) -> Markings:
    """A record's markings; an unmarked record never reaches a sanitisation rule."""
    if record.markings is None:
        raise InputError("an unmarked record cannot be sanitised", field="markings")
    return record.markings


def _round(value: float, quantum: float | None) -> float:
    return float(round(value / quantum) * quantum) if quantum else value


def reduced_elements(
    elements: ElementSet, rule: SanitisationRule, markings: Markings
) -> ElementSet:
    """``elements`` rounded to the rule's quanta (angles in degrees), with ``markings``."""
    q = rule.element_angle_quantum_deg

    def angle(rad: float) -> float:
        return math.radians(_round(math.degrees(rad), q) % 360.0)

    statement = (
        f"reduced precision (rule {rule.name}): angles rounded to {q:g} deg, eccentricity "
        f"to {rule.eccentricity_quantum:g}, mean motion to "
        f"{rule.mean_motion_quantum_rev_per_day:g} rev/day; no covariance"
    )
    return replace(
        elements,
        mean_motion_rev_per_day=_round(
            elements.mean_motion_rev_per_day, rule.mean_motion_quantum_rev_per_day
        ),
        eccentricity=max(0.0, _round(elements.eccentricity, rule.eccentricity_quantum)),
        inclination_rad=math.radians(_round(math.degrees(elements.inclination_rad), q)),
        raan_rad=angle(elements.raan_rad),
        arg_perigee_rad=angle(elements.arg_perigee_rad),
        mean_anomaly_rad=angle(elements.mean_anomaly_rad),
        markings=markings,
        comments=(*elements.comments, statement),
    )
