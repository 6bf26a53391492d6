"""Coverage plots (plotly): who observed which part of the belt, fraction observed by
longitude, revisit intervals.

Longitudes are deg east in [-180, 180), as on the belt chart. Colours: the Okabe–Ito
palette (distinguishable with the common colour-vision deficiencies), one colour per
sensor, black for all sensors combined, grey for "not observed".
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from beltwatch.tasking._coverage import CoverageResult, revisit_intervals_h

LONGITUDE_BIN_DEG = 10.0
# Okabe & Ito (2008), without yellow (too pale on white) and black (kept for "combined").
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
COMBINED_COLOUR = "#000000"
NOT_OBSERVED_COLOUR = "#BBBBBB"
COMBINED = "all sensors"


def sensor_colours(sensor_ids: list[str]) -> dict[str, str]:
    """A palette colour per sensor, in scenario order (cycling past six sensors)."""
    return {sid: OKABE_ITO[i % len(OKABE_ITO)] for i, sid in enumerate(sensor_ids)}


def _wrap_deg(angle_rad: np.ndarray | float) -> np.ndarray:
    return np.mod(np.degrees(angle_rad) + 180.0, 360.0) - 180.0


def _hover(result: CoverageResult) -> np.ndarray:
    names = result.names if result.names is not None else [""] * result.norad_id.size
    inc = np.degrees(result.inclination_rad)
    return np.array(
        [
            f"{str(n).strip() or 'object'} ({k}), i = {i:.2f} deg"
            for n, k, i in zip(names, result.norad_id, inc, strict=True)
        ]
    )


def _series(result: CoverageResult) -> dict[str, tuple[np.ndarray, list[np.ndarray]]]:
    """Per sensor, then all combined: (observed mask, times seen)."""
    out = {sid: (cov.observed, cov.times_seen_s) for sid, cov in result.per_sensor.items()}
    combined = result.combined_times()
    out[COMBINED] = (np.array([t.size > 0 for t in combined], dtype=bool), combined)
    return out


def _strip_panel(fig: go.Figure, result: CoverageResult, colours: dict[str, str]) -> None:
    """Row 1: one line of objects per sensor at their longitudes, coloured where that sensor
    observed them, grey where not; a triangle marks each sensor's own longitude."""
    lon = _wrap_deg(result.longitude_rad)
    hover = _hover(result)
    series = _series(result)
    for k, (label, (observed, _)) in enumerate(series.items()):
        colour = colours.get(label, COMBINED_COLOUR)
        for seen, name, marker_colour, rank in (
            (observed, label, colour, k),
            (~observed, "not observed", NOT_OBSERVED_COLOUR, len(series)),
        ):
            # SVG markers (not WebGL), so the sensor triangles drawn after stay on top.
            fig.add_trace(
                go.Scatter(
                    x=lon[seen], y=[label] * int(seen.sum()), mode="markers",
                    marker={"color": marker_colour, "size": 6, "line": {"width": 0}},
                    name=name, legendgroup=name, legendrank=rank,
                    showlegend=name != "not observed" or k == 0,
                    text=hover[seen], hovertemplate="%{text}<br>%{x:.1f} deg E<extra></extra>",
                ),
                row=1, col=1,
            )  # fmt: skip
        if label in result.sensor_longitude_rad:
            fig.add_trace(
                go.Scatter(
                    x=[float(_wrap_deg(result.sensor_longitude_rad[label]))], y=[label],
                    mode="markers",
                    marker={"symbol": "triangle-down", "size": 15, "color": colour,
                            "line": {"color": "#000000", "width": 1.5}},
                    name="sensor's own longitude", legendgroup="position",
                    legendrank=len(series) + 1, showlegend=k == 0,
                    hovertemplate=f"{label} at %{{x:.1f}} deg E<extra></extra>",
                ),
                row=1, col=1,
            )  # fmt: skip


def _fraction_panel(fig: go.Figure, result: CoverageResult, colours: dict[str, str]) -> None:
    """Row 2: fraction of the objects in each longitude bin that each sensor observed."""
    edges = np.arange(-180.0, 180.0 + LONGITUDE_BIN_DEG, LONGITUDE_BIN_DEG)
    which = np.clip(np.digitize(_wrap_deg(result.longitude_rad), edges) - 1, 0, edges.size - 2)
    totals = np.bincount(which, minlength=edges.size - 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    for label, (observed, _) in _series(result).items():
        hits = np.bincount(which, weights=observed.astype(float), minlength=edges.size - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(totals > 0, hits / totals, np.nan)
        combined = label == COMBINED
        fig.add_trace(
            go.Scatter(
                x=centres, y=fraction, mode="lines", line_shape="hvh",
                line={"color": colours.get(label, COMBINED_COLOUR), "width": 3 if combined else 2,
                      "dash": "dot" if combined else "solid"},
                name=label, legendgroup=label, showlegend=False,
                customdata=np.stack([hits, totals], axis=-1),
                hovertemplate=f"{label}: %{{customdata[0]:.0f}} of %{{customdata[1]}} objects "
                "within 5 deg of %{x:.0f} deg E<extra></extra>",
            ),
            row=2, col=1,
        )  # fmt: skip
    for sid, lon_rad in result.sensor_longitude_rad.items():
        fig.add_vline(
            x=float(_wrap_deg(lon_rad)), line={"color": colours[sid], "dash": "dash", "width": 1},
            row=2, col=1,
        )  # fmt: skip


def _revisit_panel(fig: go.Figure, result: CoverageResult, colours: dict[str, str]) -> None:
    """Row 3: cumulative share of revisit intervals up to x hours, per sensor and combined."""
    for label, (_, times) in _series(result).items():
        gaps = np.sort(revisit_intervals_h(times))
        if not gaps.size:
            continue
        share = 100.0 * np.arange(1, gaps.size + 1) / gaps.size
        combined = label == COMBINED
        fig.add_trace(
            go.Scatter(
                x=np.r_[0.0, gaps], y=np.r_[0.0, share], mode="lines", line_shape="hv",
                line={"color": colours.get(label, COMBINED_COLOUR), "width": 3 if combined else 2,
                      "dash": "dot" if combined else "solid"},
                name=label, legendgroup=label, showlegend=False,
                hovertemplate=f"{label}: %{{y:.0f}} % of {gaps.size} revisits within "
                "%{x:.2f} h<extra></extra>",
            ),
            row=3, col=1,
        )  # fmt: skip


def coverage_figure(result: CoverageResult) -> go.Figure:
    """Three panels over one longitude axis convention (deg E, -180..180): which objects
    each sensor observed; fraction observed per longitude bin; revisit intervals."""
    colours = sensor_colours(list(result.per_sensor))
    fig = make_subplots(
        rows=3,
        cols=1,
        row_heights=[0.3, 0.35, 0.35],
        vertical_spacing=0.09,
        subplot_titles=(
            "Objects by mean sub-satellite longitude: coloured where the sensor observed them,"
            " grey where not; triangle = the sensor's own longitude",
            f"Fraction observed per {LONGITUDE_BIN_DEG:.0f} deg of longitude"
            " (dashed lines: sensor longitudes)",
            "Revisit intervals: share of intervals up to x hours (observations < 10 min apart"
            " are one visit)",
        ),
    )
    _strip_panel(fig, result, colours)
    _fraction_panel(fig, result, colours)
    _revisit_panel(fig, result, colours)
    ticks = {"range": [-186, 186], "tick0": -180, "dtick": 30}
    fig.update_xaxes(title_text="mean sub-satellite longitude (deg E)", row=1, col=1, **ticks)
    fig.update_yaxes(title_text="sensor", autorange="reversed", row=1, col=1)
    fig.update_xaxes(title_text="longitude (deg E)", row=2, col=1, **ticks)
    fig.update_yaxes(title_text="fraction of objects observed (0-1)", range=[0, 1.05], row=2, col=1)
    fig.update_xaxes(title_text="hours between visits (h)", rangemode="tozero", row=3, col=1)
    fig.update_yaxes(title_text="revisit intervals ≤ x (%)", range=[0, 101], row=3, col=1)
    fig.update_annotations(font_size=13)
    fig.update_layout(
        height=1300,
        template="plotly_white",
        legend={"title": {"text": "sensor"}, "itemsizing": "constant"},
        title=f"beltwatch coverage: {result.norad_id.size} objects, {result.hours:g} h from "
        f"{result.start.utc.iso[:16]} UTC",
    )
    return fig
