"""One KPI vocabulary (:mod:`mmm.kpi`) across every text output, for revenue, pipeline and leads.

For each KPI type one tiny fit goes through ``mmm fit``, ``mmm plan`` and ``mmm report``; then
the console output, ``summary_text``, plan.json's text, the charts' titles and labels and the
deck's text frames are read and checked for the right words and units.
"""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import mmm.export
from mmm.cli import app
from mmm.kpi import KINDS, compact, kpi_kind, money
from mmm.plots.style import units_of
from mmm.spec import KPI_WORDS
from tests.conftest import small_frame, small_spec

runner = CliRunner()
KINDS_TESTED = ("revenue", "pipeline", "leads")
#: Words that must not appear on a model of this KPI type.
FORBIDDEN = {"revenue": ("pipeline roi", "leads", "cost per lead"),
             "pipeline": ("revenue", "roas", "leads"),
             "leads": ("revenue", "roas", "pipeline")}


# ---------------------------------------------------------------------- the vocabulary itself


def test_one_place_for_each_kpi_fact():
    for name in KINDS_TESTED:
        kind, u = kpi_kind(name), units_of(name)
        assert KPI_WORDS[name] == {"kpi": kind.word, "return": kind.return_name, "cost_per": kind.cost_name}
        assert (u.kpi_word, u.is_money_kpi, u.return_name) == (kind.word, kind.is_money, kind.headline_name)
    assert kpi_kind(small_spec()) is KINDS["revenue"]
    leads = kpi_kind("leads")
    assert leads.return_name == "leads per 1k" and leads.return_value(0.0235) == pytest.approx(23.5)
    assert leads.headline_name == "cost per lead" and leads.amount(3200, "USD") == "3.2k leads"
    assert kpi_kind("pipeline").amount(1.25e6, "EUR") == "€1.25M" and kpi_kind("revenue").split_norm == "b2c"
    with pytest.raises(ValueError, match="Unknown KPI type"):
        kpi_kind("sessions")


@pytest.mark.parametrize("x", [0.42, 0.0042, 3e-7, 0.7, 5.0, 999.4, 45_000.0])
def test_money_never_prints_a_non_zero_amount_as_zero(x):
    from mmm.cli import _short, _spend  # the console's spend and amount formats

    for text in (money(x, "USD"), money(-x, "CHF"), compact(x), units_of("revenue").money(x), _short(x), _spend(x)):
        assert re.search(r"[1-9]", text), text
    assert money(0.0, "USD") == "$0" and compact(1_234_567) == "1.23M"


# ---------------------------------------------------------------------- one fit per KPI type, every output


def _frame(kind: str) -> tuple[pd.DataFrame, dict]:
    df, _ = small_frame()
    raw = small_spec().to_dict()
    raw["fit"].update({"draws": 100, "tune": 100, "chains": 2, "sampler": "numpyro"})
    if kind == "pipeline":
        df = df.rename(columns={"revenue": "pipeline"})
        df["pipeline"] *= 10.0
        raw["kpi"] = {"column": "pipeline", "type": "pipeline"}
    elif kind == "leads":  # integer counts; a B2B channel set that is all performance
        df["leads"] = np.round(df.pop("revenue") / 50.0).astype(int)
        raw["kpi"] = {"column": "leads", "type": "leads"}
        raw["channels"]["tv"]["role"] = "performance"
    return df, raw


def _figure_texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    if getattr(fig, "_suptitle", None) is not None:
        out.append(fig._suptitle.get_text())
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _strings(obj) -> list[str]:
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return [obj] if isinstance(obj, str) else []


@pytest.fixture(scope="module", params=KINDS_TESTED)
def outputs(request, tmp_path_factory, monkeypatch_module):
    """Every text output of one tiny fit of one KPI type: {name: text}, plus the fit's tables."""
    kind = request.param
    tmp = tmp_path_factory.mktemp(kind)
    df, raw = _frame(kind)
    df.to_csv(tmp / "weekly.csv", index=False)
    raw["data"] = "weekly.csv"
    (tmp / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp / "out"
    monkeypatch_module.setenv("MMM_FAST", "1")
    fit = runner.invoke(app, ["fit", str(tmp / "mmm.yaml"), "--out", str(out)])
    assert fit.exit_code in (0, 3), fit.output
    plan = runner.invoke(app, ["plan", str(out), "--weeks", "13"])
    assert plan.exit_code == 0, plan.output
    kept: dict = {}
    real = mmm.export.write_report

    def keep(*args, **kwargs):  # the CLI's own report, with its figures kept for reading
        kept.update(real(*args, **{**kwargs, "keep_figures": True}))
        return kept

    monkeypatch_module.setattr(mmm.export, "write_report", keep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = runner.invoke(app, ["report", str(out), "--format", "pptx"])
    monkeypatch_module.setattr(mmm.export, "write_report", real)
    assert report.exit_code == 0, report.output
    from pptx import Presentation

    from mmm.persist import load_fit

    fitted = load_fit(out)
    deck = [p.text for s in Presentation(str(out / "report.pptx")).slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs]
    charts = [t for fig in kept["figures"].values() for t in _figure_texts(fig)]
    import matplotlib.pyplot as plt
    plt.close("all")
    plan_json = json.loads((out / "plan.json").read_text())
    texts = {"fit": fit.output, "plan": plan.output, "report": report.output, "summary_text": fitted.summary_text(),
             "plan.json": "\n".join(_strings({k: v for k, v in plan_json.items() if k != "request"})),
             "charts": "\n".join(charts), "deck": "\n".join(deck)}
    return {"kind": kind, "texts": texts, "channels": pd.read_csv(out / "channels.csv"), "plan_json": plan_json}


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _lines_without_win_rate(text: str) -> list[str]:
    """Lines of ``text``, leaving out those labelled as revenue economics from a win rate."""
    return [line for line in text.split("\n") if "win rate" not in line.lower()]


def test_words_follow_the_kpi_type(outputs):
    kind = outputs["kind"]
    for name, text in outputs["texts"].items():
        for line in _lines_without_win_rate(text):
            low = line.lower()
            for word in FORBIDDEN[kind]:
                if word == "revenue" and ("priors.roas" in low):
                    continue
                assert word not in low, f"{kind} model, {name}: '{word}' in: {line}"


def test_no_currency_after_a_lead_count(outputs):
    if outputs["kind"] != "leads":
        pytest.skip("leads only")
    pattern = re.compile(r"\d[\d.,]*[kMB]?\s+leads?\s*(USD|\$|€|£)|leads? (uplift|from)[^\n]*\d[kMB]?\s+USD\b")
    for name, text in outputs["texts"].items():
        assert not pattern.search(text), f"{name}: {pattern.search(text).group(0)}"
    for name, text in outputs["texts"].items():  # an interval's bounds carry no unit: "8 leads (90%: 4 to 13)"
        assert not re.search(r"\d leads? to [\d.,]+[kMB]? leads", text), name
    plan = outputs["texts"]["plan"]
    assert re.search(r"Expected leads from .*: [\d.,]+[kMB]? leads \(90%", plan.replace("\n", " ")), plan
    assert re.search(r"uplift vs the current mix.*[+-]?[\d.,]+[kMB]? leads\.", plan.replace("\n", " ")), plan


def _row_value(table_text: str, channel: str, column: int) -> float:
    row = next(line for line in table_text.split("\n") if line.strip().startswith(channel + " "))
    cell = [c.strip() for c in row.split("│")][column]
    return float(cell.split()[0].replace(",", ""))


def test_a_number_labelled_per_1k_is_per_1000(outputs):
    if outputs["kind"] != "leads":
        pytest.skip("leads only")
    ch = outputs["channels"].set_index("channel")
    truth = 1000.0 * ch["contribution_mean"] / ch["spend"]
    fit = outputs["texts"]["fit"]
    assert "leads per 1k" in fit and "per 1,000 USD spent" in fit
    for channel, want in truth.items():
        assert _row_value(fit, channel, 4) == pytest.approx(want, rel=0.01)
        line = next(x for x in outputs["texts"]["summary_text"].split("\n") if x.strip().startswith(channel + " "))
        got = float(re.search(r"([\d.]+) leads per 1k", line).group(1))
        assert got == pytest.approx(want, rel=0.01), line
        assert f"cost per lead {money(ch.loc[channel, 'spend'] / ch.loc[channel, 'contribution_mean'], 'USD')}" \
            in line
    eco = outputs["plan_json"]["plan"]["recommended"]["economics"]
    rec = outputs["plan_json"]["plan"]["recommended"]
    assert eco["leads_per_1k"]["mean"] == pytest.approx(1000 * rec["expected_kpi"]["mean"] / rec["total_spend"],
                                                        rel=0.02)


def test_return_column_matches_the_channels_file(outputs):
    """ROAS and pipeline ROI: the fit table's return is contribution / spend (per currency unit)."""
    if outputs["kind"] == "leads":
        pytest.skip("per 1k: see above")
    ch = outputs["channels"].set_index("channel")
    for channel in ch.index:
        assert _row_value(outputs["texts"]["fit"], channel, 4) == pytest.approx(
            ch.loc[channel, "contribution_mean"] / ch.loc[channel, "spend"], rel=0.01)


def _dangling(text: str) -> list[str]:
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        s = line.rstrip()
        starts = i == 0 or not lines[i - 1].strip() or lines[i - 1].rstrip()[-1] in ".)%"
        if s.endswith(":") and len(s) < 60 and starts:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not nxt.startswith((" ", "│", "┃", "-", "•")):
                out.append(s)
    return out


def test_no_dangling_heading(outputs):
    for name in ("fit", "plan", "report", "summary_text"):
        assert not _dangling(outputs["texts"][name]), (name, _dangling(outputs["texts"][name]))
    assert "by channel (90% HDI):" not in outputs["texts"]["fit"]


def test_console_tables_fit_in_80_columns(outputs):
    table = [line for line in outputs["texts"]["fit"].split("\n") if "it/s" not in line and set(line) & set("│┃━")]
    assert len(table) >= 3
    for line in table:
        assert len(line) <= 80 and "…" not in line, line


def test_brand_split_skipped_with_one_line_when_all_channels_share_a_role(outputs):
    plan = outputs["texts"]["plan"].replace("\n", " ")
    brand = re.findall(r"Brand share:[^.]*\.", plan)
    assert len(brand) == 1, plan
    if outputs["kind"] == "leads":  # both channels performance
        assert "not computed: every channel is performance" in brand[0] and "norm" not in brand[0]
        assert "best 0%" not in plan and "Best brand share" not in plan
        assert outputs["texts"]["report"].count("Skipped brand_split") == 1
    else:
        assert "norm" in brand[0]


def test_revenue_per_unit_and_break_even_come_from_one_place():
    """Break-even is 1 / (revenue one KPI unit is worth), for every KPI type."""
    import math

    from mmm.economics import break_even_return, check_economics
    from mmm.errors import PlanError
    from mmm.kpi import kpi_kind

    assert break_even_return("revenue") == 1.0
    assert break_even_return("pipeline", win_rate=0.25) == 4.0
    assert break_even_return("leads", win_rate=0.1, avg_deal_size=2000.0) == 1 / 200.0
    assert math.isnan(break_even_return("leads", win_rate=0.1))
    assert math.isnan(break_even_return("pipeline"))
    assert kpi_kind("leads").revenue_per_unit(0.1, 2000.0) == 200.0
    with pytest.raises(PlanError, match="revenue"):
        check_economics("revenue", 0.2, None)


def test_no_kpi_type_branches_outside_the_vocabulary():
    """Every fact about a KPI type is read from mmm.kpi.KpiKind: no `kpi.type == "leads"` elsewhere."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "mmm"
    pattern = re.compile(r"(kpi\.type|kpi_type)\s*(==|!=)|(kpi\.type|kpi_type)\s+in\s*[\(\[{]")
    offenders = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py")
                 if p.name != "kpi.py" and "simulate" not in p.parts
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []
