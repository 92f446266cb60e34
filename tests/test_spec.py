"""Spec validation: unknown keys, presets, priors, YAML round trip."""

from __future__ import annotations

import pytest

from mmm import SpecError, load_spec, spec_from_dict
from mmm.spec import PRESETS, Prior

BASE = {"date_column": "week", "kpi": {"column": "pipeline", "type": "pipeline"},
        "channels": {"linkedin": {"spend": "linkedin_spend", "role": "brand"},
                     "google_search": {"spend": "google_search_spend", "role": "performance"}},
        "controls": ["sdr_headcount"]}


def test_pipeline_preset_is_delayed_and_long():
    spec = spec_from_dict(BASE)
    assert spec.model.adstock == "delayed" and spec.model.l_max >= 13
    assert spec_from_dict({**BASE, "kpi": {"column": "r", "type": "revenue"}}).model.adstock == "geometric"
    assert PRESETS["leads"]["likelihood"] == "negative_binomial"


@pytest.mark.parametrize("raw,fragment", [
    ({**BASE, "chanels": {}}, "Unknown key 'chanels' in the spec. Did you mean 'channels'?"),
    ({**BASE, "model": {"adstok": "geometric"}}, "Did you mean 'adstock'?"),
    ({**BASE, "model": {"adstock": "geometrik"}}, "Did you mean 'geometric'?"),
    ({**BASE, "fit": {"draw": 10}}, "Did you mean 'draws'?"),
    ({**BASE, "channels": {"tv": {"spend": "tv", "role": "brnd"}}}, "channels.tv.role"),
    ({**BASE, "model": {"l_max": 0}}, "'model.l_max' must be an int in [1, 104]. Got 0 instead."),
    ({**BASE, "kpi": {"column": "x", "type": "sales"}}, "'kpi.type' must be one of revenue, pipeline, leads"),
    ({**BASE, "model": {"likelihood": "negative_binomial"}}, "needs 'kpi.type: leads'"),
    ({k: v for k, v in BASE.items() if k != "channels"}, "'channels' is required"),
    ({**BASE, "channels": {"a": {"spend": "x"}, "b": {"spend": "x"}}}, "used by more than one channel"),
    ({**BASE, "lift_tests": [{"channel": "tiktok", "start": "2024-01-01", "end": "2024-02-01",
                              "spend_change": 100, "lift": 5, "lift_se": 1}]}, "not a channel"),
])
def test_bad_specs_name_the_fault(raw, fragment):
    with pytest.raises(SpecError) as err:
        spec_from_dict(raw)
    assert fragment in str(err.value)


def test_roas_range_prior_has_that_90_percent_interval():
    from scipy import stats

    spec = spec_from_dict({**BASE, "channels": {"google_search": {"spend": "s", "priors": {"roas": [2, 4]}}}})
    p = spec.channel_prior("google_search", "roas")
    assert p.distribution == "LogNormal"
    dist = stats.lognorm(s=p.params["sigma"], scale=__import__("math").exp(p.params["mu"]))
    assert dist.ppf(0.05) == pytest.approx(2.0) and dist.ppf(0.95) == pytest.approx(4.0)


def test_yaml_round_trip(tmp_path):
    raw = {**BASE, "model": {"l_max": 10, "priors": {"noise": {"distribution": "HalfNormal", "sigma": 0.2}}},
           "channels": {"linkedin": {"spend": "linkedin_spend", "role": "brand", "adstock": "weibull_pdf"}}}
    spec = spec_from_dict(raw)
    path = tmp_path / "mmm.yaml"
    path.write_text(spec.to_yaml())
    again = load_spec(path)
    assert again == spec
    assert again.channel_setting("linkedin", "adstock") == "weibull_pdf"
    assert again.model.priors["noise"] == Prior("HalfNormal", {"sigma": 0.2})


def test_bad_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("kpi: {column: x\nchannels: [\n")
    with pytest.raises(SpecError, match="not valid YAML at line"):
        load_spec(path)


def test_missing_spec_file_says_how_to_make_one(tmp_path):
    with pytest.raises(SpecError, match="mmm init"):
        load_spec(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text,fragment", [
    ("channels:\n  on: {spend: tv_spend}\n", "'channels.True (the channel's name)' is True"),
    ("channels:\n  tv: {spend: no}\n", "'channels.tv.spend' is False"),
    ("channels:\n  tv: {spend: tv_spend}\ncontrols: [promo, yes]\n", "'controls[1]' is True"),
    ("channels:\n  tv: {spend: tv_spend}\nbranded_search: [a, b]\n", "'branded_search' must be a name"),
])
def test_yaml_boolean_words_are_never_names(tmp_path, text, fragment):
    """YAML 1.1 reads on/off/yes/no as booleans: a channel must never be called True."""
    path = tmp_path / "mmm.yaml"
    path.write_text("date_column: week\nkpi: {column: revenue}\n" + text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert fragment in str(err.value)
    if "must be a name" not in fragment:
        assert "Quote the name" in str(err.value)


def test_quoted_boolean_words_are_names(tmp_path):
    path = tmp_path / "mmm.yaml"
    path.write_text("date_column: week\nkpi: {column: revenue}\nchannels:\n  'on': {spend: 'yes'}\n")
    spec = load_spec(path)
    assert spec.channel_names == ["on"] and spec.channel("on").spend == "yes"


@pytest.mark.parametrize("text,fragment", [
    ("date_column: week\nkpi: {column: revenue}\nchannels:\n  tv: {spend: tv_spend}\n  tv: {spend: search_spend}\n",
     "The key 'tv' appears twice in the same section (lines 4 and 5)"),
    ("date_column: week\nkpi: {column: revenue}\nchannels:\n  tv: {spend: tv_spend}\ndate_column: day\n",
     "The key 'date_column' appears twice in the same section (lines 1 and 5)"),
])
def test_duplicate_keys_are_an_error_naming_both_lines(tmp_path, text, fragment):
    path = tmp_path / "mmm.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert fragment in str(err.value)


def test_spec_that_is_a_folder_or_not_utf8_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="is a folder"):
        load_spec(tmp_path)
    path = tmp_path / "mmm.yaml"
    path.write_bytes("date_column: wéek\n".encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(path)


@pytest.mark.parametrize("change,fragment", [
    ({"kpi": {"column": "week"}}, "Column 'week' plays two roles: date_column and kpi.column"),
    ({"controls": ["revenue"]}, "Column 'revenue' plays two roles: kpi.column and controls"),
    ({"controls": ["promo", "promo"]}, "Column 'promo' is listed twice under controls"),
    ({"events": ["tv_spend"]}, "Column 'tv_spend' plays two roles: channels.tv.spend and events"),
])
def test_a_column_has_one_role(change, fragment):
    base = {"date_column": "week", "kpi": {"column": "revenue"}, "channels": {"tv": {"spend": "tv_spend"}},
            "controls": ["promo"]}
    with pytest.raises(SpecError) as err:
        spec_from_dict({**base, **change})
    assert fragment in str(err.value)


def test_kpi_value_per_unit():
    base = {"date_column": "week", "channels": {"tv": {"spend": "tv_spend"}}}
    spec = spec_from_dict({**base, "kpi": {"column": "leads", "type": "leads", "value_per_unit": 85}})
    assert spec.kpi.value_per_unit == 85.0
    assert spec_from_dict(spec.to_dict()).kpi == spec.kpi
    spec = spec_from_dict({**base, "kpi": {"column": "leads", "type": "leads", "value_per_unit": "lead_value"}})
    assert spec.kpi.value_per_unit == "lead_value"
    with pytest.raises(SpecError, match="for leads and pipeline models"):
        spec_from_dict({**base, "kpi": {"column": "revenue", "value_per_unit": 2}})
    with pytest.raises(SpecError, match="positive number"):
        spec_from_dict({**base, "kpi": {"column": "leads", "type": "leads", "value_per_unit": -3}})
    with pytest.raises(SpecError, match="plays two roles"):
        spec_from_dict({**base, "kpi": {"column": "leads", "type": "leads", "value_per_unit": "tv_spend"}})


def test_values_that_would_crash_or_be_stringified_are_refused():
    """inf where a whole number goes was an OverflowError (exit 1); a list as currency or data was kept as text."""
    base = {"date_column": "week", "kpi": "revenue", "channels": {"tv": "tv_spend"}}
    cases = [({"fit": {"draws": float("inf")}}, "'fit.draws' must be a whole number; got inf"),
             ({"model": {"l_max": float("nan")}}, "'model.l_max' must be a whole number"),
             ({"currency": ["EUR", "USD"]}, "'currency' must be a currency code such as USD or EUR; got a list of 2"),
             ({"data": {"path": "x.csv"}}, "'data' must be the path of the data file"),
             ({"sheet": True}, "'sheet' must be the name of a sheet")]
    for change, fragment in cases:
        with pytest.raises(SpecError) as err:
            spec_from_dict({**base, **change})
        assert fragment in str(err.value)


def test_branded_search_mapping_sets_up_mediation_and_round_trips():
    base = {"date_column": "week", "kpi": {"column": "revenue", "type": "revenue"},
            "channels": {"tv": {"spend": "tv", "role": "brand"}, "brand_ppc": {"spend": "ppc"}}}
    plain = spec_from_dict({**base, "branded_search": "searches"})
    assert plain.branded_search == "searches" and plain.to_dict()["branded_search"] == "searches"
    spec = spec_from_dict({**base, "branded_search": {"column": "searches", "paid_brand_search": "brand_ppc",
                                                      "search_l_max": 3, "compare_plain": False}})
    assert spec.branded_search == "searches"
    assert (spec.mediation.paid_brand_search, spec.mediation.search_l_max, spec.mediation.compare_plain) == \
        ("brand_ppc", 3, False)
    assert spec_from_dict(spec.to_dict()) == spec
    for bad, fragment in (({"column": "searches", "paid_brand_search": "brand_pc"}, "Did you mean 'brand_ppc'"),
                          ({"column": "searches", "search_l_max": 0}, "search_l_max"),
                          ({"colum": "searches"}, "colum"),
                          ({"paid_brand_search": "brand_ppc"}, "needs 'column'")):
        with pytest.raises(SpecError, match=fragment):
            spec_from_dict({**base, "branded_search": bad})
