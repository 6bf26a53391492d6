"""Coverage plots (plotly): longitude map, fraction observed by longitude, revisit intervals."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from beltwatch.tasking._coverage import CoverageResult, revisit_intervals_h

LONGITUDE_BIN_DEG = 10.0


def _observed_by(result: CoverageResult) -> np.ndarray:
    """Per object: '+'-joined ids of the sensors that observed it, or 'not observed'."""
    ids = list(result.per_sensor)
    observed = np.stack([result.per_sensor[s].observed for s in ids])
    return np.array(
        [
            "+".join(s for s, o in zip(ids, col, strict=True) if o) or "not observed"
            for col in observed.T
        ]
    )


def coverage_figure(result: CoverageResult) -> go.Figure:
    """Three panels: objects by longitude and inclination coloured by who saw them; fraction
    observed per longitude bin (each sensor and combined); revisit-interval histograms."""
    fig = make_subplots(
        rows=3,
        cols=1,
        subplot_titles=(
            "GEO catalog by mean longitude: who observed each object",
            f"Fraction observed per {LONGITUDE_BIN_DEG:.0f} deg of longitude",
            "Revisit intervals (h)",
        ),
        vertical_spacing=0.09,
    )
    lon_deg = np.degrees(result.longitude_rad)
    inc_deg = np.degrees(result.inclination_rad)
    labels = _observed_by(result)
    for label in sorted(set(labels)):
        rows = labels == label
        fig.add_trace(
            go.Scatter(
                x=lon_deg[rows],
                y=inc_deg[rows],
                mode="markers",
                name=label,
                legendgroup="objects",
                text=[str(n) for n in result.norad_id[rows]],
                marker={"size": 6},
            ),
            row=1,
            col=1,
        )
    edges = np.arange(0.0, 360.0 + LONGITUDE_BIN_DEG, LONGITUDE_BIN_DEG)
    which = np.clip(np.digitize(lon_deg, edges) - 1, 0, edges.size - 2)
    totals = np.bincount(which, minlength=edges.size - 1)
    series = {sid: cov.observed for sid, cov in result.per_sensor.items()}
    series["combined"] = np.array([t.size > 0 for t in result.combined_times()])
    centres = 0.5 * (edges[1:] + edges[:-1])
    for name, observed in series.items():
        hits = np.bincount(which, weights=observed.astype(float), minlength=edges.size - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(totals > 0, hits / totals, np.nan)
        fig.add_trace(go.Bar(x=centres, y=fraction, name=f"{name} fraction"), row=2, col=1)
        times = (
            result.combined_times() if name == "combined" else result.per_sensor[name].times_seen_s
        )
        fig.add_trace(
            go.Histogram(x=revisit_intervals_h(times), name=f"{name} revisits", opacity=0.6),
            row=3,
            col=1,
        )
    fig.update_xaxes(title_text="mean longitude (deg E)", range=[0, 360], row=1, col=1)
    fig.update_yaxes(title_text="inclination (deg)", row=1, col=1)
    fig.update_xaxes(title_text="longitude (deg E)", range=[0, 360], row=2, col=1)
    fig.update_yaxes(title_text="fraction observed", range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text="hours between visits", row=3, col=1)
    fig.update_layout(
        height=1200,
        barmode="group",
        title=f"beltwatch coverage: {result.norad_id.size} objects, {result.hours:g} h from "
        f"{result.start.utc.isot}Z",
    )
    return fig
