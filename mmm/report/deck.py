"""The PowerPoint deck: title and model health, executive summary, one chart per slide, open
questions, appendix and model settings, every slide marked when the fit is not fit to present.

The slides show what :mod:`mmm.report.summary` says and the chart images
:func:`mmm.report.charts.render_charts` drew; nothing is computed here.
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path
from typing import Any

from mmm.analysis import period_text
from mmm.atomic import atomic_path
from mmm.plots.style import Caution, caution_of, units_of
from mmm.report.charts import CHART_BOX, RenderedChart
from mmm.report.summary import (
    health_summary,
    open_questions,
    settings_lines,
    summary_headings,
    summary_points,
)

SLIDE_W, SLIDE_H = 13.333, 7.5

APPROX_RED = (0xC6, 0x28, 0x28)
REVIEW_AMBER = (0xB3, 0x58, 0x06)
NEGATIVE_RED = (0xB2, 0x3B, 0x2E)
DARK = (0x11, 0x11, 0x11)
GREY = (0x55, 0x55, 0x55)
GREEN = (0x2E, 0x7D, 0x32)


def _rgb(c: tuple[int, int, int]) -> Any:
    from pptx.dml.color import RGBColor
    return RGBColor(*c)


def _style_title(shape: Any, text: str, *, size: int = 28, color: tuple[int, int, int] = DARK,
                 box: tuple[float, float, float, float] = (0.45, 0.25, 12.4, 0.95)) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt
    shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in box)
    tf = shape.text_frame
    tf.clear()
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.LEFT
    run = p.add_run()
    run.text = text
    run.font.size = Pt(size if len(text) <= 70 else (size - 4 if len(text) <= 125 else size - 8))
    run.font.bold = True
    run.font.color.rgb = _rgb(color)


def _textbox(slide: Any, box: tuple[float, float, float, float], lines: list[tuple[str, dict]]) -> Any:
    from pptx.util import Inches, Pt
    tb = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = tb.text_frame
    tf.word_wrap = True
    for i, (text, fmt) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(fmt.get("size", 16))
        run.font.bold = fmt.get("bold", False)
        if fmt.get("mono"):
            run.font.name = "Courier New"
        run.font.color.rgb = _rgb(fmt.get("color", DARK))
        if fmt.get("space"):
            p.space_before = Pt(fmt["space"])
    return tb


def _runs_textbox(slide: Any, box: tuple[float, float, float, float], paragraphs: list[list[tuple[str, dict]]]) -> Any:
    """A text box whose paragraphs are made of runs of different sizes and colours."""
    from pptx.util import Inches, Pt
    tb = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = tb.text_frame
    tf.word_wrap = True
    for i, runs in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        for text, fmt in runs:
            run = p.add_run()
            run.text = text
            run.font.size = Pt(fmt.get("size", 16))
            run.font.bold = fmt.get("bold", False)
            run.font.color.rgb = _rgb(fmt.get("color", DARK))
    return tb


def _accent(slide: Any, x: float, y: float, w: float = 1.4) -> None:
    """A short green bar (the house accent) above a title."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(0.09))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(GREEN)
    bar.line.fill.background()


#: Colour of a summary block's headline number by its tone (see :func:`summary_points`).
TONE_COLORS = {"strong": GREEN, "neutral": DARK, "negative": NEGATIVE_RED}
#: Colour of the model-health word on the title slide.
HEALTH_COLORS = {"ok": GREEN, "review": REVIEW_AMBER, "do not use": APPROX_RED}


def _caution_rgb(caution: Caution) -> tuple[int, int, int]:
    h = caution.color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _set_alpha(run: Any, alpha: float) -> None:
    """Make a text run's solid colour translucent (python-pptx has no API for it)."""
    from pptx.oxml.ns import qn

    rpr = run._r.get_or_add_rPr()
    clr = rpr.find(qn("a:solidFill")).find(qn("a:srgbClr"))
    el = clr.makeelement(qn("a:alpha"), {"val": str(int(round(alpha * 100000)))})
    clr.append(el)


def _caution_tag(slide: Any, caution: Caution) -> None:
    """The mark as a small filled label in the slide's top right corner (every slide)."""
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    w = 0.3 + 0.12 * len(caution.mark)
    tag = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(SLIDE_W - w - 0.25), Inches(0.02), Inches(w),
                                 Inches(0.26))
    tag.name = "mmm watermark tag"
    tag.fill.solid()
    tag.fill.fore_color.rgb = _rgb(_caution_rgb(caution))
    tag.line.fill.background()
    tf = tag.text_frame
    tf.margin_top = tf.margin_bottom = Inches(0.02)
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.CENTER
    run = p.add_run()
    run.text = caution.mark
    run.font.size = Pt(11)
    run.font.bold = True
    run.font.color.rgb = _rgb((0xFF, 0xFF, 0xFF))


def _caution_mark(slide: Any, caution: Caution) -> None:
    """A large faint diagonal mark across the slide, as on the charts."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    tb = slide.shapes.add_textbox(Inches(0.4), Inches(2.45), Inches(SLIDE_W - 0.8), Inches(2.6))
    tb.name = "mmm watermark"
    tb.rotation = -25.0
    tf = tb.text_frame
    tf.word_wrap = False
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.CENTER
    run = p.add_run()
    run.text = caution.mark
    run.font.size = Pt(min(110, int(760 / max(len(caution.mark), 6))))
    run.font.bold = True
    run.font.color.rgb = _rgb(_caution_rgb(caution))
    _set_alpha(run, 0.13)


def _caution_footer(slide: Any, caution: Caution) -> None:
    tb = _textbox(slide, (0.45, 7.02, 12.4, 0.42), [(caution.note, {"size": 12, "bold": True,
                                                                    "color": _caution_rgb(caution)})])
    tb.name = "mmm watermark note"


def _mark_slide(slide: Any, caution: Caution | None, *, picture: bool = False) -> None:
    """The fit's watermark on a slide: a tag on every slide; on slides without a chart image
    (which carries its own diagonal mark and footer) also the diagonal mark and the footer note."""
    if caution is None:
        return
    if not picture:
        _caution_mark(slide, caution)
        _caution_footer(slide, caution)
    _caution_tag(slide, caution)



def write_deck(fitted: Any, path: Path, charts: list[RenderedChart], *, plan: Any, split: Any, weeks: int, budget: float | None,
                title: str | None, skipped: dict[str, str]) -> tuple[Path, list[str]]:
    """Write the PowerPoint deck to ``path``; returns the path and the slide titles in order.

    Slides: title (what was modelled, sampler, model health and its top warnings), executive
    summary (:func:`mmm.report.summary.summary_points`), one slide per chart drawn for slides
    (``charts``, :func:`mmm.report.charts.render_charts`), what the data cannot tell yet (when
    there is something to say), the appendix with its charts, and the model settings. Every
    slide carries the fit's watermark, if any.
    """
    from pptx import Presentation
    from pptx.util import Inches

    u = units_of(fitted)
    d = fitted.diagnostics
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    titles: list[str] = []
    period = period_text(fitted.dataset.dates)

    caution = caution_of(fitted)
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    # 1. title slide: what was modelled, how it was fitted, and the model health in one word
    s = prs.slides.add_slide(prs.slide_layouts[0])
    main = title or f"Media mix model: {u.kpi_word}"
    _style_title(s.shapes.title, main, size=40, box=(0.8, 1.15, 11.7, 1.4))
    _accent(s, 0.8, 1.0)
    sub = s.placeholders[1]
    sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(2.65), Inches(11.7), Inches(1.3)
    sub.text_frame.clear()
    verdict = "approximate (ADVI)" if fitted.approximate else ("converged" if d.converged else "not converged")
    column = fitted.spec.kpi.column
    what = column if column.lower() == u.kpi_word else f"{column} ({u.kpi_word})"
    info = [f"Weekly {what}, {period}; {len(fitted.spec.channels)} channels",
            f"Bayesian MMM, {d.sampler} sampler {d.chains} x {d.draws} draws: {verdict}",
            f"Generated {_dt.date.today().isoformat()}"]
    for i, line in enumerate(info):
        p = sub.text_frame.paragraphs[0] if i == 0 else sub.text_frame.add_paragraph()
        p.alignment = PP_ALIGN.LEFT
        r = p.add_run()
        r.text = line
        r.font.size = Pt(18)
        r.font.color.rgb = _rgb(GREY)
    health, warns = health_summary(fitted, caution)
    h_lines = [(f"Model health: {health.upper()}", {"size": 28, "bold": True,
                                                    "color": HEALTH_COLORS.get(health, APPROX_RED)})]
    if health == "ok" and not warns:
        h_lines.append(("No check found a reason to hold these numbers back.", {"size": 15, "color": GREY,
                                                                                 "space": 4}))
    h_lines += [(f"• {w}", {"size": 14, "space": 4, "color": DARK}) for w in warns]
    _textbox(s, (0.8, 4.15, 11.7, 2.8), h_lines).name = "mmm model health"
    _mark_slide(s, caution)
    titles.append(main)

    # 2. executive summary: every headline with its 90% interval and the evidence for it
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _style_title(s.shapes.title, "Executive summary")
    titles.append("Executive summary")
    pts = summary_points(fitted, plan=plan, split=split, weeks=weeks, budget=budget)
    heads = summary_headings(fitted, weeks)
    boxes = {"decomposition": (0.5, 1.25), "returns": (6.85, 1.25), "plan": (0.5, 4.1), "split": (6.85, 4.1)}
    for key, (x, y) in boxes.items():
        block = pts[key]
        _textbox(s, (x, y, 6.0, 0.45), [(heads[key], {"size": 17, "bold": True, "color": GREY})])
        big = [(block["big"], {"size": 36, "bold": True, "color": TONE_COLORS.get(block.get("tone"), DARK)})]
        if block.get("interval"):
            big.append((f"  ({block['interval']})", {"size": 16, "bold": True, "color": GREY}))
        _runs_textbox(s, (x, y + 0.38, 6.0, 0.7), [big])
        _textbox(s, (x, y + 1.05, 6.0, 0.55), [(block["caption"], {"size": 14, "bold": True})])
        _textbox(s, (x, y + 1.62, 6.0, 1.2), [(t, {"size": 12, "space": 2}) for t in block["lines"]])
    _mark_slide(s, caution)
    notes = s.notes_slide.notes_text_frame
    notes.text = fitted.summary_text()

    # 3. one chart per slide
    def chart_slide(chart: RenderedChart) -> None:
        s = prs.slides.add_slide(prs.slide_layouts[5])
        text = chart.takeaway or chart.name
        _style_title(s.shapes.title, text)
        x, y, bw, bh = CHART_BOX
        w, h = chart.size
        scale = min(bw / w, bh / h)
        pw, ph = w * scale, h * scale
        s.shapes.add_picture(io.BytesIO(chart.image), Inches(x + (bw - pw) / 2), Inches(y + (bh - ph) / 2),
                             Inches(pw), Inches(ph))
        _mark_slide(s, caution, picture=True)
        if chart.notes:
            s.notes_slide.notes_text_frame.text = chart.notes
        titles.append(text)

    for chart in charts:
        if not chart.appendix:
            chart_slide(chart)

    # 4. what the data cannot tell yet, and the experiment that would settle it
    open_lines = open_questions(fitted, plan)
    if open_lines["tests"] or open_lines["limits"]:
        s = prs.slides.add_slide(prs.slide_layouts[5])
        head = ("What the data cannot tell yet, and the test that would settle it" if open_lines["tests"]
                else "What the data cannot tell yet")
        _style_title(s.shapes.title, head)
        titles.append(head)
        body: list[tuple[str, dict]] = []
        if open_lines["tests"]:
            body.append(("Recommended lift test" + ("s" if len(open_lines["tests"]) > 1 else ""),
                         {"size": 17, "bold": True, "color": GREY}))
            for sentence, entry in open_lines["tests"]:
                body.append((f"• {sentence}", {"size": 14, "space": 6}))
                body.append((f"  Afterwards add under lift_tests: {entry}", {"size": 11, "mono": True,
                                                                              "color": (0x33, 0x33, 0x33),
                                                                              "space": 2}))
        if open_lines["limits"]:
            body.append(("What the model cannot measure well from these data", {"size": 17, "bold": True,
                                                                                 "color": GREY, "space": 14}))
            body += [(f"• {t}", {"size": 13, "space": 4}) for t in open_lines["limits"]]
        _textbox(s, (0.5, 1.3, 12.3, 5.7), body).name = "mmm open questions"
        _mark_slide(s, caution)

    # 5. appendix
    s = prs.slides.add_slide(prs.slide_layouts[2])
    _style_title(s.shapes.title, "Appendix", size=40, box=(0.8, 2.6, 11.7, 1.2))
    _accent(s, 0.8, 2.45)
    body = s.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.8), Inches(3.9), Inches(11.7), Inches(1.2)
    backtested = any(c.appendix and c.name.endswith("backtest") for c in charts)
    body.text = ("Sampler diagnostics, the out-of-sample backtest and model settings, for the analyst" if backtested
                 else "Sampler diagnostics and model settings, for the analyst")
    _mark_slide(s, caution)
    titles.append("Appendix")
    for chart in charts:
        if chart.appendix:
            chart_slide(chart)
    s = prs.slides.add_slide(prs.slide_layouts[5])
    _style_title(s.shapes.title, "Model settings")
    titles.append("Model settings")
    _textbox(s, (0.5, 1.3, 4.6, 5.9), [(line, {"size": 14, "space": 3}) for line in settings_lines(fitted, plan,
                                                                                                  skipped)])
    spec = fitted.spec
    if spec.data:
        spec = spec.replace(data=Path(spec.data).name)
    yaml_lines = spec.to_yaml().splitlines()
    half = (len(yaml_lines) + 1) // 2 if len(yaml_lines) > 34 else len(yaml_lines)
    cols = [yaml_lines[:half], yaml_lines[half:]] if half < len(yaml_lines) else [yaml_lines]
    size = max(8, min(12, int(400 / (1.25 * max(len(c) for c in cols)))))
    for i, col in enumerate(cols):
        _textbox(s, (5.3 + i * 4.0, 1.3, 3.9 if len(cols) > 1 else 7.8, 5.9),
                 [(line or " ", {"size": size, "mono": True, "color": (0x33, 0x33, 0x33)}) for line in col])
    _mark_slide(s, caution)
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
    return path, titles
