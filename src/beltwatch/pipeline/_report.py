"""report.html: one self-contained page (plotly.js embedded once, no network needed):
key figures, coverage map, belt chart, detections per hour, OD accuracy against the
simulation truth, new objects, alerts, and what each partner received."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from beltwatch._io import write_atomic
from beltwatch.analytics import BeltTrack, belt_longitude_time_figure
from beltwatch.pipeline._correlate import Correlated
from beltwatch.pipeline._orbits import Orbits
from beltwatch.tasking import CoverageResult, coverage_figure
from beltwatch.timescales import format_utc, time_from_tai_seconds
from beltwatch.values import Event

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2733;
max-width:1320px}
h1{font-size:1.6em;margin-bottom:0} h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;
margin-top:32px} .sub{color:#57606a;margin-top:4px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:1.4em} .card span{color:#57606a;font-size:.85em}
table{border-collapse:collapse;font-size:.85em;margin:8px 0} th,td{border:1px solid #d0d7de;
padding:3px 8px;text-align:left;vertical-align:top} th{background:#f6f8fa}
.ok{color:#1a7f37;font-weight:600} .bad{color:#cf222e;font-weight:600}
"""


def _fig_html(fig: go.Figure, height: int = 420) -> str:
    fig.update_layout(
        template="plotly_white", height=height, margin={"l": 60, "r": 20, "t": 50, "b": 50}
    )
    return fig.to_html(full_html=False, include_plotlyjs=False)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _card(value, label: str) -> str:
    return (
        f'<div class="card"><b>{html.escape(str(value))}</b><span>{html.escape(label)}</span></div>'
    )


def detections_figure(corr: Correlated) -> go.Figure:
    table = corr.result.table
    hours = (table.t_s - table.t_s.min()) / 3600.0
    fig = go.Figure()
    for sensor in sorted(set(table.sensor_id.astype(str))):
        pick = table.sensor_id.astype(str) == sensor
        fig.add_trace(go.Histogram(x=hours[pick], xbins={"start": 0.0, "size": 1.0}, name=sensor))
    fig.update_layout(
        barmode="stack", title="Detections per hour", xaxis_title="hours since start",
        yaxis_title="observations",
    )  # fmt: skip
    return fig


def od_figure(errors_km: dict[int, float], orbits: Orbits) -> go.Figure:
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("error histogram", "cumulative"))
    methods = sorted({orbits.method[n].split(" (")[0] for n in errors_km})
    for m in methods:
        e = np.array([v for n, v in errors_km.items() if orbits.method[n].split(" (")[0] == m])
        e = np.maximum(e, 1e-3)
        fig.add_trace(go.Histogram(x=np.log10(e), name=m, opacity=0.7, nbinsx=40), 1, 1)
        s = np.sort(e)
        fig.add_trace(
            go.Scatter(x=s, y=np.arange(1, s.size + 1) / s.size, name=f"{m} (CDF)", mode="lines"),
            1, 2,
        )  # fmt: skip
    fig.update_xaxes(title_text="log10 position error (km)", row=1, col=1)
    fig.update_xaxes(title_text="position error (km)", type="log", row=1, col=2)
    fig.update_yaxes(title_text="orbits", row=1, col=1)
    fig.update_yaxes(title_text="fraction", range=[0, 1], row=1, col=2)
    fig.update_layout(
        barmode="overlay", title="OD accuracy against the simulation truth (common epoch)"
    )
    return fig


def _event_row(e: Event) -> list:
    keys = ("miss_distance_km", "pc", "delta_v_m_s", "closest_km", "rms_arcsec")
    figures = ", ".join(f"{k}={e.figures[k]:.3g}" for k in keys if k in e.figures)
    return [e.kind.value, format_utc(e.time), ", ".join(map(str, e.norad_ids)), figures,
            e.summary[:120]]  # fmt: skip


def _frames_html(f: dict) -> list[str]:
    """The frame-fidelity visits: counts, astrometry, the detection-model check."""
    err = f["astrometric_error_arcsec"]
    check = f["check"]
    rows = [
        ["visits", ", ".join(f["visits"])],
        ["frames rendered / processed", f"{f['frames_rendered']} / {f['frames_processed']}"],
        ["frame failures", "; ".join(f"{x['frame']}: {x['reason']}" for x in
                                     f["frame_failures"]) or "none"],
        ["sources detected", f["sources_detected"]],
        ["RSO detections matched to truth / target-frames",
         f"{f['rso_detections_matched']} / {f['rso_target_frames']}"],
        ["false detections", f["false_detections"]],
        ["astrometric error p50 / p90 (arcsec)", f"{err['p50']} / {err['p90']}"],
        ["frame observations correctly tagged", f.get("correctly_tagged_fraction")],
        ["detection model check", "passed" if check["detection"]["passed"] else "FAILED"],
        ["astrometric noise check (median ratio)",
         f"{check['astrometry']['median_ratio']} "
         f"({'passed' if check['astrometry']['passed'] else 'FAILED'})"],
        ["seconds: truth per visit, render and process per frame",
         " / ".join(str(x) for x in f["seconds"].values())],
    ]  # fmt: skip
    bins = [
        [f"{b['snr_from']}-{b['snr_to'] or 'inf'}", b["n"], b["predicted"], b["observed"],
         "ok" if b["passed"] else "FAILED"]
        for b in check["detection"]["bins"]
    ]  # fmt: skip
    return [
        "<h2>Frame visits</h2>",
        _table(["quantity", "value"], rows),
        _table(["SNR bin", "target-frames", "Pd predicted", "detected", "check"], bins),
    ]


def write_report(
    out_dir: Path,
    summary: dict,
    corr: Correlated,
    orbits: Orbits,
    od_errors_km: dict[int, float],
    events: list[Event],
    coverage: CoverageResult,
    track: BeltTrack,
) -> Path:
    truth = summary["truth"]
    od = truth["od_position_error"]
    cards = "".join(
        [
            _card(summary["objects"], "objects in the truth"),
            _card(truth["objects_observed"], "objects observed"),
            _card(f"{truth['correctly_tagged_fraction']:.2%}", "observations correctly tagged"),
            _card(
                f"{truth['new_objects_found']} / {truth['missing_observed']}",
                "new objects found / missing and observed",
            ),
            _card(f"{od['p50_km']} km", "OD error, median"),
            _card(f"{od['p90_km']} km", "OD error, 90th percentile"),
            _card(summary["events"]["total"], "alerts"),
        ]
    )
    injected = truth["injected"]
    inj_rows = [
        [k, '<span class="ok">found</span>' if v["found"] else '<span class="bad">missed</span>',
         ", ".join(f"{a}={b}" for a, b in v.items() if a != "found")]
        for k, v in injected.items()
    ]  # fmt: skip
    inj_html = (
        "<table><tr><th>injected</th><th>result</th><th>details</th></tr>"
        + "".join(
            f"<tr><td>{html.escape(a)}</td><td>{b}</td><td>{html.escape(c)}</td></tr>"
            for a, b, c in inj_rows
        )
        + "</table>"
        if inj_rows
        else "<p>Nothing injected in this scenario.</p>"
    )
    table = corr.result.table
    new_rows = []
    for o in corr.new:
        truth_of: int | str = "?"
        if table.truth_id is not None:
            ids, counts = np.unique(table.truth_id[o.rows], return_counts=True)
            truth_of = int(ids[np.argmax(counts)])
        first = time_from_tai_seconds(np.array([table.t_s[o.rows].min()]))[0]
        n = o.object_id
        orbit = orbits.method.get(n) or f"none: {orbits.failed.get(n, 'not fitted')}"
        rms = f"{orbits.rms_arcsec[n]:.2f}" if n in orbits.rms_arcsec else "-"
        error = f"{od_errors_km[n]:.3f}" if n in od_errors_km else "-"
        new_rows.append([n, truth_of, len(o.rows), o.nights, format_utc(first), orbit, rms,
                         error])  # fmt: skip
    partner_rows = []
    for partner, kinds in summary["products"].items():
        for kind, p in kinds.items():
            marks = "; ".join(f"{m}: {n}" for m, n in p["by_marking"].items()) or "-"
            partner_rows.append([partner, kind, p["released"], p["withheld"], marks,
                                 p["file"] or "nothing written"])  # fmt: skip
    timings = [[k, f"{v:.1f}"] for k, v in summary.get("stage_seconds", {}).items()]
    figures = [
        ("Coverage", _fig_html(coverage_figure(coverage), 900)),
        ("GEO belt", _fig_html(belt_longitude_time_figure(track), 520)),
        ("Detections per hour", _fig_html(detections_figure(corr), 360)),
        ("OD accuracy", _fig_html(od_figure(od_errors_km, orbits), 380)),
    ]
    body = [
        f"<h1>beltwatch run {html.escape(summary['run'])}</h1>",
        f'<p class="sub">scenario {html.escape(summary["scenario"]["name"])} '
        f"({html.escape(summary['scenario']['source'])}), {html.escape(summary['population'])}, "
        f"{summary['start_utc']} .. {summary['stop_utc']}, {html.escape(summary['executor'])}</p>",
        f'<div class="cards">{cards}</div>',
        "<h2>Injected events</h2>",
        inj_html,
    ]
    for title, fig in figures:
        body += [f"<h2>{title}</h2>", fig]
    if "frames" in summary:
        body += _frames_html(summary["frames"])
    body += [
        f"<h2>New objects found ({len(corr.new)})</h2>",
        _table(
            [
                "number",
                "truth object",
                "observations",
                "nights",
                "first seen (UTC)",
                "orbit",
                "fit rms (arcsec)",
                "error at common epoch (km)",
            ],
            new_rows,
        ),
        f"<h2>Alerts ({len(events)})</h2>",
        _table(
            ["kind", "time (UTC)", "objects", "figures", "summary"], [_event_row(e) for e in events]
        ),
        "<h2>What each partner received</h2>",
        _table(["partner", "product", "released", "withheld", "by marking", "file"], partner_rows),
        "<h2>Stage timings (s)</h2>",
        _table(["stage", "seconds"], timings),
    ]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>beltwatch run {html.escape(summary['run'])}</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
    return write_atomic(out_dir / "report.html", page)
