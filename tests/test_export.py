"""write_report: charts as PNG/SVG, the PowerPoint deck, the one-pager and the HTML report."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from mmm.export import ReportError, write_report

CHART_PX = (4000, 2250)  # 13.33 x 7.5 in at 300 dpi


@pytest.fixture(scope="module")
def report(small_fit, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return write_report(small_fit, out, formats=("pptx", "png", "svg", "html"))


def test_files_written(report):
    out = report["outdir"]
    assert not report["skipped"], report["skipped"]
    names = sorted(report["charts"])
    assert names[0] == "01_fit" and "10_diagnostics" in names and len(names) == 10
    for name, paths in report["charts"].items():
        assert paths["png"] == out / "charts" / f"{name}.png" and paths["png"].exists()
        assert paths["svg"].exists()
    assert (out / "report.pptx").exists() and (out / "onepager.png").exists() and (out / "report.html").exists()


def test_pngs_are_slide_sized_and_not_blank(report):
    for name, paths in report["charts"].items():
        with Image.open(paths["png"]) as im:
            if name != "10_diagnostics":
                assert abs(im.size[0] - CHART_PX[0]) <= 2 and abs(im.size[1] - CHART_PX[1]) <= 2, (name, im.size)
            px = np.asarray(im.convert("L"), dtype=float)
        assert px.std() > 10, name  # real content, not a blank page
        assert (px < 128).mean() > 0.005, name  # some dark ink (text, lines)
    with Image.open(report["onepager"]) as im:
        assert im.size[0] >= 3000 and im.size[0] / im.size[1] == pytest.approx(16 / 9, rel=0.01)
        assert np.asarray(im.convert("L"), dtype=float).std() > 10


def test_svgs_parse(report):
    for paths in report["charts"].values():
        root = ET.parse(paths["svg"]).getroot()
        assert root.tag.endswith("svg")
        assert len(list(root.iter())) > 50


def test_deck_structure(report):
    prs = Presentation(str(report["pptx"]))
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=0.01)
    slides = list(prs.slides)
    titles = [s.shapes.title.text for s in slides]
    charts = report["charts"]
    # title, executive summary, one per chart (diagnostics in the appendix), appendix divider, settings
    assert len(slides) == 2 + len(charts) + 2
    assert titles == report["slides"]
    assert titles[1] == "Executive summary" and titles[-1] == "Model settings" and "Appendix" in titles
    chart_titles = [report["titles"][n] for n in sorted(charts) if n != "10_diagnostics"]
    assert titles[2:2 + len(chart_titles)] == chart_titles
    assert titles[titles.index("Appendix") + 1] == report["titles"]["10_diagnostics"]
    for s, t in zip(slides, titles, strict=True):
        pics = [sh for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        is_chart = t in report["titles"].values()
        assert len(pics) == (1 if is_chart else 0), t
        if is_chart:
            assert pics[0].width <= prs.slide_width and pics[0].top + pics[0].height <= prs.slide_height
    summary = " ".join(sh.text_frame.text for sh in slides[1].shapes if sh.has_text_frame)
    for needle in ("What drove revenue", "Best returns (ROAS)", "Budget plan", "Brand vs performance", "%"):
        assert needle in summary
    settings = " ".join(sh.text_frame.text for sh in slides[-1].shapes if sh.has_text_frame)
    assert "Verdict" in settings and "channels:" in settings


def test_html_is_self_contained(report):
    text = report["html"].read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == len(report["charts"])
    assert "src='http" not in text and 'src="http' not in text
    assert "Executive summary" in text


def test_pipeline_deck_never_says_revenue_or_roas(small_fit, report, tmp_path, monkeypatch):
    monkeypatch.setattr("mmm.report.charts.DECK_DPI", 40)  # wording only: small images are enough
    spec = small_fit.spec.replace(kpi=dataclasses.replace(small_fit.spec.kpi, type="pipeline"))
    pipe = dataclasses.replace(small_fit, spec=spec)
    res = write_report(pipe, tmp_path, formats="pptx", plan=report["plan"], split=report["split"],
                       curves=report["curves"])
    assert res["charts"] == {name: {} for name in report["charts"]}  # no image files asked for
    prs = Presentation(str(res["pptx"]))
    titles = [s.shapes.title.text for s in prs.slides]
    assert len(titles) == len(report["slides"])
    for t in titles:
        assert "revenue" not in t.lower() and "roas" not in t.lower(), t
    summary = " ".join(sh.text_frame.text for sh in list(prs.slides)[1].shapes if sh.has_text_frame).lower()
    assert "pipeline roi" in summary and "revenue" not in summary and "roas" not in summary


def test_approximate_fit_is_marked(small_fit, report, tmp_path, monkeypatch):
    monkeypatch.setattr("mmm.report.charts.DECK_DPI", 40)
    approx = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, approximate=True))
    res = write_report(approx, tmp_path, formats=["pptx"], plan=report["plan"], split=report["split"],
                       curves=report["curves"])
    prs = Presentation(str(res["pptx"]))
    for s in prs.slides:
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        assert "APPROXIMATE" in text, s.shapes.title.text


def _with_diagnostics(fitted, **changes):
    return dataclasses.replace(fitted, diagnostics=dataclasses.replace(fitted.diagnostics, **changes))


@pytest.mark.parametrize("mode", ["fast", "not converged", "review"])
def test_every_chart_slide_and_the_onepager_carry_the_watermark(small_fit, report, tmp_path, monkeypatch, mode):
    """A FAST, non-converged or review fit: every chart figure the report makes, every slide and the one-pager
    carry the mark (a large faint diagonal text and a coloured footer sentence)."""
    import matplotlib

    from mmm.health import watermark_note
    from mmm.plots.style import APPROX_COLOR, REVIEW_COLOR, watermark_of

    monkeypatch.setattr("mmm.report.charts.DECK_DPI", 40)
    monkeypatch.setattr("mmm.report.charts.ONEPAGER_DPI", 30)
    if mode == "fast":
        fitted, mark = _with_diagnostics(small_fit, fast=True, health="ok", checks=[]), "FAST MODE"
    elif mode == "not converged":
        fitted = _with_diagnostics(small_fit, converged=False, health="ok", checks=[],
                                   verdict="NOT converged: max R-hat 1.08 > 1.01. Run more tune draws.")
        mark = "DO NOT USE"
    else:
        fitted = _with_diagnostics(small_fit, health="review", checks=[
            {"id": "media_share", "level": "warning", "subject": "model",
             "message": "Paid media explains 62% of revenue, above the 50% ceiling."}])
        mark = "REVIEW"
    note = watermark_note(fitted)
    res = write_report(fitted, tmp_path, formats="pptx,png", dpi=30, plan=report["plan"], split=report["split"],
                       curves=report["curves"], keep_figures=True)
    assert res["watermark"] == mark
    figs = res["figures"]
    assert set(figs) == set(res["charts"]) | {"onepager"}
    colour = REVIEW_COLOR if mark == "REVIEW" else APPROX_COLOR
    for name, fig in figs.items():
        assert watermark_of(fig) == mark, name
        diagonal = [t for t in fig.texts if t.get_text() == mark]
        assert len(diagonal) == 1, name
        t = diagonal[0]
        assert t.get_rotation() == 25 and t.get_fontsize() >= 60 and t.get_alpha() <= 0.2, name
        assert matplotlib.colors.to_hex(t.get_color()) == colour.lower()
        fig.canvas.draw()
        words = " ".join(x.get_text() for x in fig.findobj(matplotlib.text.Text) if x.get_visible())
        assert " ".join(note.split())[:40] in " ".join(words.split()), name   # the footer sentence
    prs = Presentation(str(res["pptx"]))
    for s in prs.slides:
        shapes = {sh.name: sh for sh in s.shapes}
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        assert mark in text, s.shapes.title.text
        assert "mmm watermark tag" in shapes
        pictures = [sh for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        if not pictures:  # chart images carry their own diagonal mark and footer
            assert shapes["mmm watermark"].rotation != 0 and shapes["mmm watermark"].text_frame.text == mark
            assert note[:40] in shapes["mmm watermark note"].text_frame.text
    title = " ".join(sh.text_frame.text for sh in list(prs.slides)[0].shapes if sh.has_text_frame)
    health = {"REVIEW": "REVIEW"}.get(mark, "DO NOT USE")
    assert f"Model health: {health}" in title
    if mode == "review":
        assert "above the 50% ceiling" in title   # the top warnings are on the title slide


def test_healthy_fit_has_no_watermark_and_says_ok(small_fit, report, tmp_path, monkeypatch):
    monkeypatch.setattr("mmm.report.charts.DECK_DPI", 40)
    fitted = _with_diagnostics(small_fit, health="ok", checks=[], fast=False)
    res = write_report(fitted, tmp_path, formats="pptx", plan=report["plan"], split=report["split"],
                       curves=report["curves"])
    assert res["watermark"] is None
    prs = Presentation(str(res["pptx"]))
    assert not any(sh.name.startswith("mmm watermark") for s in prs.slides for sh in s.shapes)
    title = " ".join(sh.text_frame.text for sh in list(prs.slides)[0].shapes if sh.has_text_frame)
    assert "Model health: OK" in title


def test_summary_headline_colour_follows_the_evidence(small_fit, report):
    from mmm.export import summary_points

    plan = report["plan"]
    weak = dataclasses.replace(plan, summary={**plan.summary, "evidence": {**plan.summary["evidence"],
                                                                           "strength": "weak",
                                                                           "prob_gain_from_mix": 0.67}})
    pts = summary_points(small_fit, plan=weak, split=report["split"])
    block = pts["plan"]
    assert block["tone"] == "neutral" and block["interval"].startswith("90%: ")
    assert "weak evidence: 67% chance it beats today's mix" in block["caption"]
    strong = dataclasses.replace(plan, summary={**plan.summary, "evidence": {**plan.summary["evidence"],
                                                                             "strength": "strong",
                                                                             "prob_gain_from_mix": 0.97}})
    if plan.summary["uplift"]["abs"]["mean"] >= 0:
        assert summary_points(small_fit, plan=strong)["plan"]["tone"] == "strong"
    for key in ("decomposition", "returns", "plan", "split"):
        assert {"big", "interval", "caption", "lines", "tone"} <= set(pts[key])


def test_bad_format_and_default_budget(small_fit, tmp_path):
    with pytest.raises(ReportError, match="Unknown report format 'pdf'"):
        write_report(small_fit, tmp_path, formats="pptx,pdf")
    from mmm.export import default_budget
    spend = np.asarray(small_fit.dataset.spend)
    assert default_budget(small_fit, 13) == pytest.approx(spend[-13:].mean(axis=0).sum() * 13)


def test_only_the_formats_asked_for_are_rendered(small_fit, report, tmp_path, monkeypatch):
    """svg only: no PNG files, no one-pager, and no slide images (no deck, no HTML) are made."""
    import mmm.report as R

    def no_slides(*_a, **_k):
        raise AssertionError("a slide image was rendered for an SVG-only report")

    monkeypatch.setattr("mmm.report.charts.hide_takeaway", no_slides)
    monkeypatch.setattr(R, "write_deck", no_slides)
    monkeypatch.setattr(R, "write_onepager", no_slides)
    res = write_report(small_fit, tmp_path, formats="svg", plan=report["plan"], split=report["split"],
                       curves=report["curves"])
    assert res["pptx"] is None and res["html"] is None and res["onepager"] is None
    assert sorted(res["charts"]) == sorted(report["charts"]) and res["titles"] == report["titles"]
    assert all(set(paths) == {"svg"} for paths in res["charts"].values())
    assert not list(tmp_path.rglob("*.png")) and not (tmp_path / "report.pptx").exists()


def test_report_package_and_the_export_alias():
    import mmm.export
    import mmm.report

    for name in mmm.export.__all__:
        assert getattr(mmm.export, name) is getattr(mmm.report, name, None) or hasattr(mmm.report.deck, name), name
    assert mmm.export.write_report is mmm.report.write_report
    assert mmm.export.default_budget is mmm.analysis.default_budget
    assert mmm.report.parse_formats("PNG; svg,png") == ("png", "svg")
