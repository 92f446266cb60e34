"""The HTML report: one self-contained page with the chart images embedded."""

from __future__ import annotations

import base64
import datetime as _dt
import html as _html
from pathlib import Path
from typing import Any

from mmm.analysis import period_text
from mmm.atomic import write_text_atomic
from mmm.plots.style import caution_of, units_of
from mmm.report.charts import RenderedChart
from mmm.report.deck import APPROX_RED, HEALTH_COLORS
from mmm.report.summary import health_summary, open_questions, summary_headings, summary_points


def write_html(fitted: Any, path: Path, charts: list[RenderedChart], *, plan: Any, split: Any, weeks: int, budget: float | None,
                title: str | None) -> Path:
    """Write a self-contained HTML report to ``path`` (chart images embedded): model health, the
    executive summary, every chart drawn for slides, open questions, channel summary, plan and settings."""
    u = units_of(fitted)
    esc = _html.escape
    main = title or f"Media mix model: {u.kpi_word}"
    pts = summary_points(fitted, plan=plan, split=split, weeks=weeks, budget=budget)
    heads = summary_headings(fitted, weeks)
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(main)}</title>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;"
             "color:#111}h1{font-size:2em}h2{margin-top:1.6em}img{width:100%;height:auto;border:1px solid #eee}"
             ".grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}.box{background:#f7f7f7;padding:0.8em 1em;"
             "border-radius:6px}.box h3{color:#555;margin:0.2em 0}.big{font-size:2.2em;font-weight:bold;color:#111}"
             ".big.strong{color:#2e7d32}.big.negative{color:#b23b2e}.iv{color:#555;font-weight:bold}"
             ".approx{font-weight:bold}.health{font-size:1.4em;font-weight:bold}"
             ".mark{position:fixed;top:40%;left:0;width:100%;text-align:center;transform:rotate(-25deg);"
             "font-size:9vw;font-weight:bold;opacity:0.12;pointer-events:none;z-index:10}"
             "pre{background:#f7f7f7;padding:1em;overflow:auto}table{border-collapse:collapse}"
             "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}</style></head><body>",
             f"<h1>{esc(main)}</h1>",
             f"<p>{esc(fitted.spec.kpi.column)} ({esc(u.kpi_word)}), {esc(period_text(fitted.dataset.dates))}. "
             f"Generated {_dt.date.today().isoformat()}.</p>"]
    caution = caution_of(fitted)
    if caution is not None:
        parts.append(f"<div class='mark' style='color:{caution.color}'>{esc(caution.mark)}</div>"
                     f"<p class='approx' style='color:{caution.color}'>{esc(caution.note)}</p>")
    health, warns = health_summary(fitted, caution)
    colour = "#{:02x}{:02x}{:02x}".format(*HEALTH_COLORS.get(health, APPROX_RED))
    parts.append(f"<p class='health' style='color:{colour}'>Model health: {esc(health.upper())}</p>")
    if warns:
        parts.append("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in warns) + "</ul>")
    parts.append("<h2>Executive summary</h2><div class='grid'>")
    for key in ("decomposition", "returns", "plan", "split"):
        block = pts[key]
        items = "".join(f"<li>{esc(t)}</li>" for t in block["lines"])
        iv = f" <span class='iv'>({esc(block['interval'])})</span>" if block.get("interval") else ""
        tone = esc(str(block.get("tone", "neutral")))
        parts.append(f"<div class='box'><h3>{esc(heads[key])}</h3><p><span class='big {tone}'>{esc(block['big'])}"
                     f"</span>{iv}<br>{esc(block['caption'])}</p><ul>{items}</ul></div>")
    parts.append("</div>")
    for chart in charts:
        takeaway = chart.takeaway
        b64 = base64.b64encode(chart.image).decode("ascii")
        parts.append(f"<h2>{esc(takeaway)}</h2><img alt='{esc(takeaway)}' src='data:image/png;base64,{b64}'>")
        if chart.notes:
            parts.append(f"<p>{esc(chart.notes)}</p>")
    questions = open_questions(fitted, plan)
    if questions["tests"] or questions["limits"]:
        parts.append("<h2>What the data cannot tell yet" + (", and the test that would settle it"
                                                           if questions["tests"] else "") + "</h2><ul>")
        parts += [f"<li>{esc(sentence)}<br><code>lift_tests: {esc(entry)}</code></li>"
                  for sentence, entry in questions["tests"]]
        parts += [f"<li>{esc(t)}</li>" for t in questions["limits"]]
        parts.append("</ul>")
    table = fitted.channel_summary().round(3).to_html(index=False, border=0)
    parts.append(f"<h2>Channel summary</h2>{table}")
    if plan is not None:
        parts.append(f"<h2>Budget plan</h2>{getattr(plan, 'table', plan).round(2).to_html(index=False, border=0)}")
    parts.append(f"<h2>Model settings</h2><pre>{esc(fitted.summary_text())}</pre>"
                 f"<pre>{esc(fitted.spec.to_yaml())}</pre></body></html>")
    write_text_atomic(path, "".join(parts))
    return path
