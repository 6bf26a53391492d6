"""Belt longitude-time chart (plotly, self-contained HTML)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from beltwatch.analytics._belt import (
    INDO_PACIFIC_WINDOW_DEG,
    STATIONARY_MAX_DRIFT_DEG_PER_DAY,
    BeltTrack,
)


def belt_longitude_time_figure(
    track: BeltTrack, title: str = "GEO belt: longitude vs time"
) -> go.Figure:
    """Each object's Earth-fixed longitude over the span; drifting objects in a second colour."""
    hours = (track.times - track.times[0]).to_value("hour")
    lon = np.mod(track.longitude_deg + 180.0, 360.0) - 180.0
    # Break lines where the longitude wraps, so no line crosses the whole chart.
    wrapped = np.abs(np.diff(lon, axis=1)) > 180.0
    lon = np.where(np.c_[np.zeros((lon.shape[0], 1), bool), wrapped], np.nan, lon)
    drifting = np.abs(track.drift_deg_per_day) >= STATIONARY_MAX_DRIFT_DEG_PER_DAY
    figure = go.Figure()
    for label, mask, colour in (
        ("stationary", ~drifting, "#1f77b4"),
        ("drifting", drifting, "#d62728"),
    ):
        rows = np.flatnonzero(mask)
        # One trace per class: objects joined end to end, separated by NaN breaks.
        x = np.c_[lon[rows], np.full(rows.size, np.nan)].ravel()
        y = np.tile(np.append(hours, np.nan), rows.size)
        labels = [f"{track.name[i]} ({track.norad_id[i]})" for i in rows]
        text = np.repeat(np.array(labels, dtype=object), hours.size + 1)
        figure.add_trace(
            go.Scattergl(
                x=x,
                y=y,
                mode="lines",
                name=f"{label} ({rows.size})",
                line={"color": colour, "width": 1},
                text=text,
                hoverinfo="text+x+y",
            )
        )
    lo, hi = INDO_PACIFIC_WINDOW_DEG
    figure.add_vrect(
        x0=lo,
        x1=hi,
        fillcolor="#2ca02c",
        opacity=0.08,
        line_width=0,
        annotation_text="QZS-6 window (assumed)",
        annotation_position="top left",
    )
    figure.update_layout(
        title=title,
        xaxis_title="longitude (deg east)",
        yaxis_title=f"hours since {track.times[0].utc.isot[:16]}Z",
        xaxis={"range": [-180, 180]},
        template="plotly_white",
        height=700,
    )
    return figure
