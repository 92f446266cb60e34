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
    monkeypatch.setattr("mmm.export.DECK_DPI", 40)  # wording only: small images are enough
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
    monkeypatch.setattr("mmm.export.DECK_DPI", 40)
    approx = dataclasses.replace(small_fit, diagnostics=dataclasses.replace(small_fit.diagnostics, approximate=True))
    res = write_report(approx, tmp_path, formats=["pptx"], plan=report["plan"], split=report["split"],
                       curves=report["curves"])
    prs = Presentation(str(res["pptx"]))
    for s in prs.slides:
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        if s.shapes.title.text != "Appendix":
            assert "APPROXIMATE" in text, s.shapes.title.text


def test_bad_format_and_default_budget(small_fit, tmp_path):
    with pytest.raises(ReportError, match="Unknown report format 'pdf'"):
        write_report(small_fit, tmp_path, formats="pptx,pdf")
    from mmm.export import default_budget
    spend = np.asarray(small_fit.dataset.spend)
    assert default_budget(small_fit, 13) == pytest.approx(spend[-13:].mean(axis=0).sum() * 13)
