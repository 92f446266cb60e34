"""mmm.persist: one NetCDF file per fit (plain, mediated, funnel), no pickle, a content digest, a format tag."""

from __future__ import annotations

import pickle
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pytest

import mmm
from mmm import FitError
from mmm.persist import (
    FORMAT,
    KIND_FUNNEL,
    KIND_MEDIATED,
    KIND_PLAIN,
    content_digest,
    load_fit,
    save_fit,
)


def _read(path: Path) -> az.InferenceData:
    idata = az.from_netcdf(str(path))
    for group in idata.groups():
        getattr(idata, group).load()
    return idata


@pytest.fixture(scope="module")
def saved(small_fit, tmp_path_factory) -> Path:
    """The small fit saved once for this module (read only)."""
    return save_fit(small_fit, tmp_path_factory.mktemp("persist") / "model.nc")


def _rewrite(saved: Path, tmp_path: Path, change) -> Path:
    """Apply ``change`` to the saved file's InferenceData and write it (with ArviZ) to another file."""
    idata = _read(saved)
    change(idata)
    out = tmp_path / f"changed{len(list(tmp_path.iterdir()))}.nc"
    idata.to_netcdf(str(out))
    return out


def test_save_load_identical_and_no_pickle(small_fit, tmp_path):
    path = small_fit.save(tmp_path / "model.nc")
    assert path.read_bytes()[:4] in (b"\x89HDF", b"CDF\x01", b"CDF\x02")  # NetCDF, not a pickle stream
    loaded = mmm.load(path)
    a, b = small_fit.contributions(), loaded.contributions()
    assert a.drop(columns="date").equals(b.drop(columns="date"))
    assert loaded.spec == small_fit.spec
    assert loaded.diagnostics.verdict == small_fit.diagnostics.verdict


def test_package_never_unpickles():
    src = Path(mmm.__file__).parent
    for f in src.rglob("*.py"):
        text = f.read_text()
        assert "pickle.load" not in text and "joblib" not in text and "cloudpickle" not in text, f


def test_load_rejects_pickle_corrupt_and_foreign_files(tmp_path):
    evil = tmp_path / "evil.nc"
    evil.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(FitError, match="not a readable model file"):
        mmm.load(evil)
    trunc = tmp_path / "trunc.nc"
    trunc.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(FitError, match="corrupt"):
        mmm.load(trunc)
    import xarray as xr
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"a": ("x", np.arange(3.0))}).to_netcdf(foreign)
    with pytest.raises(FitError):
        mmm.load(foreign)
    with pytest.raises(FitError, match="Fit one first"):
        mmm.load(tmp_path / "missing.nc")


def test_a_loaded_fit_gives_the_identical_channel_summary(small_fit, tmp_path):
    loaded = load_fit(save_fit(small_fit, tmp_path / "out" / "model.nc"))
    pd.testing.assert_frame_equal(loaded.channel_summary(), small_fit.channel_summary(), check_exact=True)
    assert loaded.scaling == small_fit.scaling and loaded.train_weeks == small_fit.train_weeks
    assert load_fit(tmp_path / "out").scaling == small_fit.scaling  # a folder means its model.nc


def test_the_file_carries_its_format_tag_kind_and_a_digest_of_its_content(saved):
    attrs = _read(saved).posterior.attrs
    assert attrs["mmm_format"] == FORMAT and attrs["mmm_kind"] == KIND_PLAIN
    assert attrs["mmm_version"] == mmm.__version__
    idata = _read(saved)
    assert attrs["mmm_digest"] == content_digest(idata)
    var = next(iter(idata.posterior.data_vars))
    idata.posterior[var].values.flat[0] += 1e-9
    assert content_digest(idata) != attrs["mmm_digest"]


def test_the_digest_refuses_a_changed_value_or_attribute(saved, small_fit, tmp_path):
    same = _rewrite(saved, tmp_path, lambda idata: None)  # rewritten by ArviZ, content unchanged: loads
    pd.testing.assert_frame_equal(load_fit(same).channel_summary(), small_fit.channel_summary())

    def change_value(idata):
        var = next(iter(idata.posterior.data_vars))
        idata.posterior[var].values.flat[0] *= 1.001

    with pytest.raises(FitError, match="damaged: its content no longer matches"):
        load_fit(_rewrite(saved, tmp_path, change_value))

    def change_attr(idata):
        idata.posterior.attrs["mmm_train_weeks"] = int(idata.posterior.attrs["mmm_train_weeks"]) - 1

    with pytest.raises(FitError, match="damaged: its content no longer matches"):
        load_fit(_rewrite(saved, tmp_path, change_attr))


def test_a_file_with_another_format_tag_is_refused_naming_it(saved, small_fit, tmp_path):
    path = _rewrite(saved, tmp_path, lambda idata: idata.posterior.attrs.update(mmm_format="mmm-fit/9"))
    with pytest.raises(FitError, match=r"format tag 'mmm-fit/9', expected 'mmm-fit/1'"):
        load_fit(path)


def test_a_file_saved_without_a_digest_still_loads(saved, small_fit, tmp_path):
    path = _rewrite(saved, tmp_path, lambda idata: idata.posterior.attrs.pop("mmm_digest"))
    assert "mmm_digest" not in _read(path).posterior.attrs
    pd.testing.assert_frame_equal(load_fit(path).channel_summary(), small_fit.channel_summary(),
                                  check_exact=True)


def test_a_mediated_fit_is_saved_and_loaded_as_itself(small_fit, tmp_path):
    """Built from the small fit's parts (persistence does not look at what the draws mean): no sampling."""
    from mmm.mediation import MediatedFit, MediationSettings

    fit = MediatedFit(spec=small_fit.spec, dataset=small_fit.dataset, scaling=small_fit.scaling,
                      search_scale=123.5, settings=MediationSettings(("tv",), "search", 3), idata=small_fit.idata,
                      diagnostics=small_fit.diagnostics, train_weeks=small_fit.train_weeks, plain=small_fit,
                      search_r2=0.75)
    path = save_fit(fit, tmp_path / "model.nc")
    assert _read(path).posterior.attrs["mmm_kind"] == KIND_MEDIATED
    back = load_fit(path)
    assert isinstance(back, MediatedFit)
    assert (back.search_scale, back.search_r2) == (123.5, 0.75)
    assert back.settings.brand_channels == ("tv",) and back.settings.paid_brand_search == "search"
    assert back.settings.search_l_max == 3
    assert back.plain is not None and back.plain.scaling == small_fit.scaling
    pd.testing.assert_frame_equal(back.plain.channel_summary(), small_fit.channel_summary(), check_exact=True)


def test_a_funnel_fit_is_saved_and_loaded_as_itself(small_fit, tmp_path):
    """The lead model is the file's main fit; the stages, their series and posterior ride along. No sampling."""
    from mmm.funnel import FunnelFit
    from mmm.stages import Stage

    stages = (Stage(name="sqls", source=small_fit.spec.kpi.column, kind="count", lag=1),)
    series = {"sqls": np.arange(small_fit.train_weeks, dtype="float64") / 3}
    fit = FunnelFit(spec=small_fit.spec.replace(funnel=stages), leads=small_fit, stages=stages, series=series,
                    idata=small_fit.idata, diagnostics=small_fit.diagnostics)
    path = save_fit(fit, tmp_path / "model.nc")
    assert _read(path).posterior.attrs["mmm_kind"] == KIND_FUNNEL
    back = load_fit(path)
    assert isinstance(back, FunnelFit)
    assert [(s.name, s.source, s.kind, s.lag) for s in back.stages] == [("sqls", "revenue", "count", 1)]
    np.testing.assert_array_equal(back.series["sqls"], series["sqls"])
    pd.testing.assert_frame_equal(back.leads.channel_summary(), small_fit.channel_summary(), check_exact=True)
