"""Spec keys of a geo panel: geo_column, population_column, a channel's level and allocation."""

from __future__ import annotations

import pytest

from mmm.errors import SpecError
from mmm.spec import load_spec, spec_from_dict


def geo_raw(**extra):
    raw = {
        "date_column": "week",
        "geo_column": "dma",
        "population_column": "population",
        "kpi": {"column": "revenue", "type": "revenue"},
        "channels": {
            "tv": {"spend": "tv_spend", "role": "brand", "level": "national"},
            "radio": {"spend": "radio_spend", "level": "national", "allocation": "radio_share"},
            "search": {"spend": "search_spend"},
        },
        "controls": ["price"],
    }
    raw.update(extra)
    return raw


def test_geo_keys_are_read():
    spec = spec_from_dict(geo_raw())
    assert spec.is_geo and spec.geo_column == "dma" and spec.population_column == "population"
    assert spec.national_channels == ["tv", "radio"]
    assert spec.channel("tv").allocation == "population"
    assert spec.channel("radio").allocation == "radio_share"
    assert spec.channel("search").level == "geo"


def test_national_spec_is_unchanged():
    raw = geo_raw()
    del raw["geo_column"], raw["population_column"]
    raw["channels"] = {"tv": {"spend": "tv_spend"}}
    spec = spec_from_dict(raw)
    assert not spec.is_geo and spec.national_channels == []
    out = spec.to_dict()
    assert "geo_column" not in out and "population_column" not in out
    assert out["channels"]["tv"] == {"spend": "tv_spend", "role": "performance"}


def test_round_trip_through_dict_and_yaml(tmp_path):
    spec = spec_from_dict(geo_raw())
    assert spec_from_dict(spec.to_dict()) == spec
    out = spec.to_dict()
    assert list(out)[:3] == ["date_column", "geo_column", "population_column"]
    assert out["channels"]["tv"] == {"spend": "tv_spend", "role": "brand", "level": "national"}
    assert out["channels"]["radio"]["allocation"] == "radio_share"
    path = tmp_path / "geo.yaml"
    path.write_text(spec.to_yaml(), encoding="utf-8")
    assert load_spec(path) == spec


@pytest.mark.parametrize(("change", "message"), [
    ({"geo_colum": "dma"}, "Did you mean 'geo_column'"),
    ({"channels": {"tv": {"spend": "tv_spend", "levl": "national"}}}, "Did you mean 'level'"),
    ({"channels": {"tv": {"spend": "tv_spend", "level": "regional"}}}, "'channels.tv.level' must be one of geo, national"),
    ({"channels": {"tv": {"spend": "tv_spend", "allocation": "tv_share"}}},
     "'channels.tv.allocation' splits a national channel"),
    ({"geo_column": "tv_spend"}, "Column 'tv_spend' plays two roles: geo_column and channels.tv.spend"),
    ({"population_column": "price"}, "Column 'price' plays two roles: population_column and controls"),
    ({"geo_column": True}, "'geo_column' is True"),
])
def test_bad_geo_keys_are_named(change, message):
    with pytest.raises(SpecError) as err:
        spec_from_dict(geo_raw(**change))
    assert message in str(err.value)


def test_national_channel_or_population_need_a_geo_column():
    raw = geo_raw()
    del raw["geo_column"]
    with pytest.raises(SpecError, match="'population_column' sizes the geos of a panel"):
        spec_from_dict(raw)
    del raw["population_column"]
    with pytest.raises(SpecError, match="'channels.tv.level: national' .* no 'geo_column'"):
        spec_from_dict(raw)


def test_allocation_may_name_the_population_column():
    raw = geo_raw()
    raw["channels"]["radio"]["allocation"] = "population"
    raw["channels"]["tv"]["allocation"] = "population"
    assert spec_from_dict(raw).channel("radio").allocation == "population"
    # the same share column for two national channels is one role, not two
    raw["channels"]["tv"]["allocation"] = "radio_share"
    assert spec_from_dict(raw).channel("tv").allocation == "radio_share"


def test_lift_tests_may_name_the_geos_of_a_geo_experiment(tmp_path):
    test = {"channel": "search", "start": "2024-03-04", "end": "2024-04-01", "spend_change": -5000,
            "lift": -12000, "lift_se": 3000}
    spec = spec_from_dict(geo_raw(lift_tests=[{**test, "geos": ["Boston", "Denver"]}, test]))
    assert spec.lift_tests[0].geos == ("Boston", "Denver") and spec.lift_tests[1].geos == ()
    out = spec.to_dict()["lift_tests"]
    assert out[0]["geos"] == ["Boston", "Denver"] and "geos" not in out[1]
    path = tmp_path / "lift.yaml"
    path.write_text(spec.to_yaml(), encoding="utf-8")
    assert load_spec(path) == spec
    assert spec_from_dict(geo_raw(lift_tests=[{**test, "geos": "Austin"}])).lift_tests[0].geos == ("Austin",)
    with pytest.raises(SpecError, match=r"'lift_tests\[0\]\.geos' is empty"):
        spec_from_dict(geo_raw(lift_tests=[{**test, "geos": []}]))
    national = {k: v for k, v in geo_raw().items() if k not in ("geo_column", "population_column")}
    national["channels"] = {"search": {"spend": "search_spend"}}
    with pytest.raises(SpecError, match=r"'lift_tests\[0\]\.geos' names geos of a panel; this spec has no"):
        spec_from_dict({**national, "lift_tests": [{**test, "geos": ["Boston"]}]})


def test_geo_pooling_priors_need_a_geo_column():
    raw = geo_raw()
    raw["model"] = {"priors": {"roas_geo_sd": {"distribution": "HalfNormal", "sigma": 0.1}}}
    assert spec_from_dict(raw).model.priors["roas_geo_sd"].params == {"sigma": 0.1}
    national = {k: v for k, v in raw.items() if k not in ("geo_column", "population_column")}
    national["channels"] = {name: {k: v for k, v in ch.items() if k not in ("level", "allocation")} for name, ch in raw["channels"].items()}
    with pytest.raises(SpecError, match="model.priors.roas_geo_sd.*no 'geo_column'"):
        spec_from_dict(national)
