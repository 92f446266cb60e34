"""Faults a careless or unlucky user meets: nothing they do may lose a good model."""

from __future__ import annotations

import pytest

import mmm


def test_a_failed_save_keeps_the_previous_model(small_fit, tmp_path, monkeypatch):
    """The save writes beside the file and renames: a crash mid-write leaves the old model intact."""
    import arviz as az

    path = small_fit.save(tmp_path / "model.nc")
    before = path.read_bytes()

    def crash(self, filename, *args, **kwargs):
        with open(filename, "wb") as fh:
            fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(az.InferenceData, "to_netcdf", crash)
    with pytest.raises(OSError):
        small_fit.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.nc"]          # no temporary file left behind
    monkeypatch.undo()
    assert mmm.load(path).diagnostics.health == small_fit.diagnostics.health
