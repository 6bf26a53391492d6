"""Residual plots of a fit: plotly HTML (offline), RA cos Dec and Dec residuals in
arcsec against hours since the first observation, with the 3-sigma band of the stated
observation sigmas, the RMS of each axis, and edited-out rows drawn hollow."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from beltwatch.constants import ARCSEC_RAD
from beltwatch.orbit_determination._measurements import KIND_RADEC, MeasurementSet
from beltwatch.timescales import seconds_between
from beltwatch.values import OrbitEstimate

# Okabe-Ito (colour-blind safe): blue, vermillion; the band in grey.
_COLOURS = ("#0072B2", "#D55E00")
_BAND = "rgba(128,128,128,0.18)"


def residual_figure(title: str, meas: MeasurementSet, est: OrbitEstimate) -> go.Figure:
    """Two panels (RA cos Dec, Dec) of residuals (arcsec) vs hours since the first row."""
    radec = meas.kind == KIND_RADEC
    hours = np.atleast_1d(seconds_between(meas.times[0], meas.times))[radec] / 3600.0
    res = est.residuals[radec, :2] / ARCSEC_RAD
    sig = meas.sigmas[radec, :2] / ARCSEC_RAD
    used = est.used[radec]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for col, (name, colour) in enumerate(zip(("RA cos Dec", "Dec"), _COLOURS, strict=True)):
        row = col + 1
        order = np.argsort(hours)
        band = 3.0 * sig[order, col]
        fig.add_trace(
            go.Scatter(
                x=np.r_[hours[order], hours[order][::-1]],
                y=np.r_[band, -band[::-1]],
                fill="toself",
                fillcolor=_BAND,
                line={"width": 0},
                name="±3σ (stated)",
                showlegend=col == 0,
                hoverinfo="skip",
            ),
            row=row,
            col=1,
        )
        rms = float(np.sqrt(np.mean(res[used, col] ** 2))) if used.any() else float("nan")
        for keep, label, symbol in ((True, "used", "circle"), (False, "rejected", "circle-open")):
            sel = used == keep
            if not sel.any():
                continue
            fig.add_trace(
                go.Scatter(
                    x=hours[sel],
                    y=res[sel, col],
                    mode="markers",
                    marker={"color": colour, "symbol": symbol, "size": 6},
                    name=f"{name} {label}" + (f" (RMS {rms:.2f}″)" if keep else ""),
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(title_text=f"{name} residual (arcsec)", row=row, col=1)
    fig.update_xaxes(title_text="hours since first observation", row=2, col=1)
    q = est.quality
    gate = f", χ² {q.chi2:.0f} / gate {q.chi2_threshold:.0f} ({q.dof} dof)" if q else ""
    fig.update_layout(
        title=f"{title}: post-fit residuals, RMS {est.rms_arcsec:.2f}″{gate}",
        template="plotly_white",
        height=640,
        width=1100,
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def residual_html(title: str, meas: MeasurementSet, est: OrbitEstimate) -> str:
    """Self-contained HTML (plotly.js inlined: opens offline)."""
    return residual_figure(title, meas, est).to_html(include_plotlyjs=True, full_html=True)
