"""Plots of the analytics (plotly, self-contained HTML): the belt chart and the RIC watch.

Colours: the Okabe-Ito palette (distinguishable with the common colour-vision
deficiencies). Longitudes east, -180..180 everywhere. The belt chart's lines are
simplified (Ramer-Douglas-Peucker, to half a pixel of a 1400 x 800 chart), so a week
of 600 objects is a few thousand points, not hundreds of thousands.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from beltwatch.analytics._belt import (
    INDO_PACIFIC_WINDOW_DEG,
    BeltTrack,
    belt_classes,
)
from beltwatch.analytics._proximity import ProximityResult

OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}
CLASS_COLOURS = {
    "station-kept": OKABE_ITO["blue"],
    "drifting": OKABE_ITO["vermillion"],
    "relocating": OKABE_ITO["orange"],
    "inclined": OKABE_ITO["green"],
    "inactive": OKABE_ITO["grey"],
}
CHART_PIXELS = (1400.0, 800.0)
TOLERANCE_PIXELS = 0.5


def simplify(x: np.ndarray, y: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the Ramer-Douglas-Peucker simplification of the polyline (x, y)."""
    keep = np.zeros(x.size, dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, x.size - 1)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        dx, dy = x[hi] - x[lo], y[hi] - y[lo]
        norm = np.hypot(dx, dy)
        px, py = x[lo + 1 : hi] - x[lo], y[lo + 1 : hi] - y[lo]
        dist = np.abs(px * dy - py * dx) / norm if norm > 0 else np.hypot(px, py)
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            mid = lo + 1 + k
            keep[mid] = True
            stack += [(lo, mid), (mid, hi)]
    return np.flatnonzero(keep)


def _pieces(lon: np.ndarray, hours: np.ndarray, span_h: float):
    """Simplified (lon, hour) pieces of one track, split where it wraps round the globe."""
    good = np.isfinite(lon)
    lon, hours = lon[good], hours[good]
    wrapped = np.mod(lon + 180.0, 360.0) - 180.0
    breaks = np.flatnonzero(np.abs(np.diff(wrapped)) > 180.0) + 1
    scale_x = CHART_PIXELS[0] / 360.0
    scale_y = CHART_PIXELS[1] / max(span_h, 1e-9)
    for part_lon, part_h in zip(np.split(wrapped, breaks), np.split(hours, breaks), strict=True):
        if part_lon.size == 0:
            continue
        if part_lon.size < 3:
            yield part_lon, part_h
            continue
        idx = simplify(part_lon * scale_x, part_h * scale_y, TOLERANCE_PIXELS)
        yield part_lon[idx], part_h[idx]


def belt_longitude_time_figure(
    track: BeltTrack,
    title: str = "GEO belt: longitude vs time",
    classes: np.ndarray | None = None,
) -> go.Figure:
    """Each object's Earth-fixed longitude over the span, one colour per class (default:
    :func:`belt_classes`), lines simplified to half a pixel."""
    hours = (track.times - track.times[0]).to_value("hour")
    span_h = float(hours[-1] - hours[0]) if hours.size > 1 else 1.0
    labels = belt_classes(track) if classes is None else np.asarray(classes)
    figure = go.Figure()
    for label, colour in CLASS_COLOURS.items():
        rows = np.flatnonzero(labels == label)
        if not rows.size:
            continue
        xs, ys, text = [], [], []
        for i in rows:
            name = f"{str(track.name[i]).strip()} ({track.norad_id[i]})"
            for lon, h in _pieces(track.longitude_deg[i], hours, span_h):
                xs += [*lon.tolist(), None]
                ys += [*np.round(h, 3).tolist(), None]
                text += [name] * (lon.size + 1)
        figure.add_trace(
            go.Scattergl(
                x=np.round(np.array(xs, dtype=float), 4),
                y=ys,
                mode="lines",
                name=f"{label} ({rows.size})",
                line={"color": colour, "width": 1.2},
                text=text,
                hovertemplate="%{text}<br>%{x:.2f} deg E, %{y:.1f} h<extra></extra>",
            )
        )
    lo, hi = INDO_PACIFIC_WINDOW_DEG
    figure.add_vrect(
        x0=lo,
        x1=hi,
        fillcolor=OKABE_ITO["yellow"],
        opacity=0.12,
        line_width=0,
        annotation_text="QZS-6 window (assumed)",
        annotation_position="top left",
    )
    figure.update_layout(
        title=title,
        xaxis={"title": "longitude (deg east)", "range": [-180, 180], "dtick": 30},
        yaxis={"title": f"time (hours since {track.times[0].utc.isot[:16]}Z)"},
        template="plotly_white",
        height=800,
        legend={"title": "class (objects)"},
    )
    return figure


def _simplified_track(x: np.ndarray, y: np.ndarray, scale_km: float) -> np.ndarray:
    """Indices of a track simplified to 1/500 of the watch radius (NaN gaps kept)."""
    good = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if good.size < 3:
        return good
    return good[simplify(x[good], y[good], scale_km / 500.0)]


def proximity_figure(result: ProximityResult) -> go.Figure:
    """Tracks relative to the asset in its RIC frame: in-track vs radial, in-track vs
    cross-track (km), closest approaches marked, the watch radius drawn."""
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("radial vs in-track", "cross-track vs in-track"),
        horizontal_spacing=0.08,
    )
    colours = [c for k, c in OKABE_ITO.items() if k not in ("grey", "yellow")]
    angle = np.linspace(0, 2 * np.pi, 181)
    ring = result.within_km * np.stack([np.cos(angle), np.sin(angle)])
    for col in (1, 2):
        figure.add_trace(
            go.Scatter(
                x=ring[0],
                y=ring[1],
                mode="lines",
                line={"color": OKABE_ITO["grey"], "dash": "dot"},
                name=f"{result.within_km:g} km",
                showlegend=col == 1,
                hoverinfo="skip",
            ),
            row=1,
            col=col,
        )
        figure.add_trace(
            go.Scatter(
                x=[0],
                y=[0],
                mode="markers",
                marker={"symbol": "star", "size": 14, "color": "black"},
                name=result.asset_name or str(result.asset_norad_id),
                showlegend=col == 1,
            ),
            row=1,
            col=col,
        )
    for n, t in enumerate(result.tracks):
        colour = colours[n % len(colours)]
        label = f"{t.name or t.norad_id} ({t.norad_id})"
        k = int(np.nanargmin(t.range_km)) if np.isfinite(t.range_km).any() else 0
        for col, axis in ((1, 0), (2, 2)):
            keep = _simplified_track(t.ric_km[:, 1], t.ric_km[:, axis], result.within_km)
            hours = np.round(t.offsets_s[keep] / 3600.0, 3)
            figure.add_trace(
                go.Scatter(
                    x=np.round(t.ric_km[keep, 1], 3),
                    y=np.round(t.ric_km[keep, axis], 3),
                    mode="lines",
                    line={"color": colour, "width": 1.5},
                    name=label,
                    legendgroup=label,
                    showlegend=col == 1,
                    customdata=hours,
                    hovertemplate=label + "<br>%{customdata:.1f} h: I %{x:.1f} km, %{y:.1f} km"
                    "<extra></extra>",
                ),
                row=1,
                col=col,
            )
            figure.add_trace(
                go.Scatter(
                    x=[t.ric_km[k, 1]],
                    y=[t.ric_km[k, axis]],
                    mode="markers",
                    marker={"color": colour, "size": 9, "symbol": "circle-open-dot"},
                    legendgroup=label,
                    showlegend=False,
                    hovertext=f"closest {t.closest_km:.2f} km",
                    hoverinfo="text",
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text="in-track (km)", row=1, col=1)
    figure.update_xaxes(title_text="in-track (km)", row=1, col=2)
    figure.update_yaxes(title_text="radial (km)", row=1, col=1, scaleanchor="x", scaleratio=1)
    figure.update_yaxes(title_text="cross-track (km)", row=1, col=2, scaleanchor="x2", scaleratio=1)
    utc = result.start.utc.isot[:16]
    figure.update_layout(
        title=(
            f"Relative motion near {result.asset_name or result.asset_norad_id} "
            f"(RIC frame), {result.days:g} days from {utc}Z"
        ),
        template="plotly_white",
        height=650,
    )
    return figure
