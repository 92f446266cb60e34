"""Inputs as users really have them: Excel day numbers, daylight-saving offsets, workbooks of several
sheets, semicolon CSVs, True/False columns in the wrong place, YAML alias bombs and partial bounds files.

Each is either read correctly, with a note saying how, or refused with exit 2 and a message that
names the column, sheet or setting at fault (never exit 1, never a silent wrong reading).
"""

from __future__ import annotations

import time
import types
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from mmm import planning as mp
from mmm.cli import EXIT_INPUT, app
from mmm.data import load_data
from mmm.errors import DataError, DataWarning, PlanError, SpecError
from mmm.spec import _excerpt, load_spec, spec_from_dict
from tests.test_data import make_frame, make_spec

runner = CliRunner()


def _load(source, spec=None, **kw):
    """``load_data``, returning the dataset and the DataWarning notes it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = load_data(source, spec or make_spec(), **kw)
    return ds, [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write_case(tmp_path, frame: pd.DataFrame | None = None, name: str = "weekly.csv", **extra):
    """A spec (``make_spec`` plus ``extra``) and its data file in ``tmp_path``; the spec's path."""
    frame = make_frame() if frame is None else frame
    if name.endswith(".csv"):
        frame.to_csv(tmp_path / name, index=False)
    raw = make_spec().to_dict()
    raw["data"] = name
    raw.update(extra)
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return tmp_path / "mmm.yaml"


def _excel_days(dates) -> np.ndarray:
    return (pd.to_datetime(pd.Series(dates)) - pd.Timestamp("1899-12-30")).dt.days.to_numpy()


# ---------------------------------------------------------------- 1. Excel day numbers as dates


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_excel_day_numbers_are_read_as_dates_with_a_note(tmp_path, suffix):
    df = make_frame()
    expected = pd.to_datetime(df["week"])
    df["week"] = _excel_days(df["week"])                        # 44928 = 2023-01-02
    path = tmp_path / f"weekly{suffix}"
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_excel(path, index=False)
    ds, notes = _load(path)
    assert list(ds.dates) == list(expected)
    note = [n for n in notes if "Excel day numbers" in n]
    assert note and "44928 = 2023-01-02" in note[0] and "'week'" in note[0]


def test_numbers_that_are_not_excel_days_are_refused_naming_the_column():
    df = make_frame()
    df["week"] = np.arange(len(df)) + 1                          # 1, 2, 3 ...: not dates at all
    with pytest.raises(DataError) as err:
        _load(df)
    msg = str(err.value)
    assert "Date column 'week' holds numbers, not dates" in msg and "row 1" in msg
    assert "2024-01-01" in msg and "Excel day numbers" in msg
    assert "1970" not in msg and len(msg) < 600
    half = make_frame()
    half["week"] = _excel_days(half["week"]) + 0.5                # not whole days
    with pytest.raises(DataError, match="holds numbers, not dates"):
        _load(half)


def test_a_workbook_mixing_date_cells_and_day_numbers(tmp_path):
    df = make_frame()
    dates = pd.to_datetime(df["week"])
    mixed = [d.to_pydatetime() if i % 2 else int(n) for i, (d, n) in enumerate(zip(dates, _excel_days(dates),
                                                                                    strict=True))]
    df["week"] = pd.Series(mixed, dtype=object)
    ds, _ = _load(df)
    assert list(ds.dates) == list(dates)


# ---------------------------------------------------------------- 2. daylight saving offsets


def test_offsets_that_change_with_daylight_saving_keep_the_local_weeks(tmp_path):
    df = make_frame(start="2024-01-01")                          # Mondays, across the end of March
    local = pd.date_range("2024-01-01", periods=len(df), freq="7D", tz="Europe/Berlin")
    df["week"] = [t.isoformat() for t in local]
    assert {"2024-03-25T00:00:00+01:00", "2024-04-01T00:00:00+02:00"} <= set(df["week"])
    path = tmp_path / "weekly.csv"
    df.to_csv(path, index=False)
    for source in (df, path):
        ds, _ = _load(source)
        assert ds.n_weeks == len(df)
        assert list(ds.dates) == list(pd.date_range("2024-01-01", periods=len(df), freq="7D"))
        assert (ds.dates.dayofweek == 0).all()


# ---------------------------------------------------------------- 3. workbooks of several sheets


def _workbook(tmp_path, first: str = "Notes") -> str:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"read me": ["weekly data is on the next sheet"]}).to_excel(xl, sheet_name=first, index=False)
        make_frame().to_excel(xl, sheet_name="Weekly", index=False)
    return "book.xlsx"


def test_a_workbook_of_several_sheets_says_which_sheet_was_read(tmp_path):
    name = _workbook(tmp_path)
    with pytest.raises(DataError) as err:
        _load(tmp_path / name)
    msg = _one_line(str(err.value))
    assert "no columns" in msg and "Read sheet 'Notes' of 'book.xlsx'" in msg and "'Weekly'" in msg
    assert "sheet:" in msg
    ds, notes = _load(tmp_path / name, make_spec(sheet="Weekly"))
    assert ds.n_weeks == 60
    assert any("Read sheet 'Weekly'" in n and "2 sheets" in n for n in notes)
    ds, _ = _load(tmp_path / name, make_spec(sheet=1))
    assert ds.n_weeks == 60


def test_sheet_is_validated_strictly(tmp_path):
    name = _workbook(tmp_path)
    config = _write_case(tmp_path, name=name, sheet="Wekly")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == EXIT_INPUT, result.output
    text = _one_line(result.output)
    assert "'Wekly'" in text and "no such sheet" in text and "'Notes', 'Weekly'" in text and "Did you mean 'Weekly'" in text
    with pytest.raises(DataError, match=r"has 2 sheets \(positions 0 to 1\)"):
        load_data(tmp_path / name, make_spec(sheet=5))
    for bad in (True, -1, 1.5, [0], ""):
        with pytest.raises(SpecError, match="'sheet'"):
            make_spec(sheet=bad)
    config = _write_case(tmp_path, name=name, sheet="Weekly")
    assert load_spec(config).sheet == "Weekly"
    assert spec_from_dict(load_spec(config).to_dict()).sheet == "Weekly"   # round trip
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 0, result.output


def test_a_damaged_workbook_is_exit_2(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "book.xlsx", "w") as z:          # a zip, but not a workbook
        z.writestr("a.txt", "hi")
    (tmp_path / "cut.xlsx").write_bytes(b"PK\x03\x04" + b"x" * 100)  # a download cut short
    for name in ("book.xlsx", "cut.xlsx"):
        with pytest.raises(DataError, match=f"Could not read '.*{name}' as .xlsx"):
            load_data(tmp_path / name, make_spec())


def test_sheet_on_a_csv_is_an_error(tmp_path):
    config = _write_case(tmp_path, sheet="Weekly")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == EXIT_INPUT, result.output
    assert "not an Excel workbook" in _one_line(result.output)


# ---------------------------------------------------------------- 4. semicolon-separated CSV


def test_semicolon_csv_with_decimal_commas_is_read_with_a_note(tmp_path):
    df = make_frame()
    df.loc[0, "revenue"] = 1234567.5                              # written 1234567,5
    path = tmp_path / "weekly.csv"
    df.to_csv(path, index=False, sep=";", decimal=",")
    assert "1234567,5" in path.read_text()
    ds, notes = _load(path)
    ref, _ = _load(df)
    pd.testing.assert_frame_equal(ds.frame, ref.frame)
    assert any("semicolon-separated (;)" in n and "decimal commas" in n for n in notes)
    grouped = tmp_path / "grouped.csv"                            # thousands dots as well: 1.234.567,5
    grouped.write_text(path.read_text().replace("1234567,5", "1.234.567,5"))
    ds, _ = _load(grouped)
    assert ds.kpi[0] == 1234567.5


def test_semicolon_csv_with_decimal_points(tmp_path):
    df = make_frame()
    path = tmp_path / "weekly.csv"
    df.to_csv(path, index=False, sep=";")
    ds, notes = _load(path)
    ref, _ = _load(df)
    pd.testing.assert_frame_equal(ds.frame, ref.frame)
    assert any("semicolon-separated (;) CSV with decimal points" in n for n in notes)


def test_ambiguous_semicolon_csv_is_refused_naming_the_separator(tmp_path):
    config = _write_case(tmp_path)
    make_frame().to_csv(tmp_path / "weekly.csv", index=False, sep=";", decimal=",")
    text = (tmp_path / "weekly.csv").read_text().splitlines()
    text[1] = text[1].replace(",", ".")                          # one row written with decimal points
    (tmp_path / "weekly.csv").write_text("\n".join(text) + "\n")
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == EXIT_INPUT, result.output
    msg = _one_line(result.output)
    assert "semicolons (;)" in msg and "mixes decimal commas and decimal points" in msg
    ints = tmp_path / "ints.csv"
    ints.write_text("week;tv\n2024-01-01;1.500\n2024-01-08;2.250\n")
    with pytest.raises(DataError, match=r"semicolons \(;\).*'1.500'.*could mean 1500 or 1.500"):
        load_data(ints, make_spec())


# ---------------------------------------------------------------- 5. True/False as spend or KPI


@pytest.mark.parametrize("column, setting", [("tv_spend", "channels.tv.spend"), ("revenue", "kpi.column")])
@pytest.mark.parametrize("as_text", [False, True])
def test_a_true_false_column_as_spend_or_kpi_is_refused(tmp_path, column, setting, as_text):
    df = make_frame()
    flags = df[column] > df[column].median()
    df[column] = flags.map({True: "true", False: "false"}) if as_text else flags
    path = tmp_path / "weekly.csv"
    df.to_csv(path, index=False)
    for source in (df, path):
        with pytest.raises(DataError) as err:
            load_data(source, make_spec())
        msg = str(err.value)
        assert f"Column '{column}' ({setting})" in msg and "looks like a yes/no flag" in msg
        assert "events/controls" in msg
    df = make_frame()                                             # as controls and events they are 0/1
    df["promo"] = df["promo"].astype(bool)
    df["price"] = df["price"] > df["price"].median()
    ds, _ = _load(df)
    assert set(np.unique(ds.events)) <= {0.0, 1.0} and set(np.unique(ds.controls)) == {0.0, 1.0}


# ---------------------------------------------------------------- 6. YAML alias bombs


def _bomb(levels: int = 9, width: int = 9) -> str:
    """A flow-style YAML list whose last item nominally holds ``width ** levels`` strings."""
    items = [f"&l0 [{', '.join(['lol'] * width)}]"]
    items += [f"&l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


def _bomb_spec(tmp_path, where: str) -> str:
    make_frame().to_csv(tmp_path / "weekly.csv", index=False)
    bomb = _bomb()
    kpi = f"{{column: revenue, type: {bomb}}}" if where == "kpi" else "revenue"
    controls = f"{{price: {bomb}}}" if where == "controls" else "[price]"
    prior = (f"\n  priors:\n    roas: {{distribution: LogNormal, mu: {bomb}, sigma: 1}}" if where == "prior" else "")
    text = (f"data: weekly.csv\ndate_column: week\nkpi: {kpi}\n"
            "channels: {tv: tv_spend, search: search_spend, social: social_spend}\n"
            f"controls: {controls}\nevents: [promo]\nmodel:\n  l_max: 8{prior}\n")
    path = tmp_path / f"bomb_{where}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("where, fragment", [("kpi", "'kpi.type'"), ("controls", "'controls'"),
                                             ("prior", "'model.priors.roas.mu'")])
def test_an_alias_bomb_is_refused_without_being_expanded(tmp_path, where, fragment):
    path = _bomb_spec(tmp_path, where)
    started = time.perf_counter()
    with pytest.raises(SpecError) as err:
        load_spec(path)
    msg = str(err.value)
    assert fragment in msg and len(msg) < 500 and "lol" not in msg, msg
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == EXIT_INPUT, result.output
    assert fragment in _one_line(result.output) and len(result.output) < 500, result.output
    assert time.perf_counter() - started < 5


def test_excerpt_never_expands_a_value():
    nested: list = ["lol"] * 9
    for _ in range(8):
        nested = [nested] * 9
    assert _excerpt(nested) == "a list of 9 items"
    assert _excerpt({"a": 1}) == "a mapping of 1 key"
    long = _excerpt("x" * 10_000)
    assert len(long) < 120 and "10,000 characters" in long
    assert _excerpt(10 ** 5000) == "a number too large to show"
    assert _excerpt(3.5) == "3.5" and _excerpt("tv") == "'tv'"


def test_long_cells_are_cut_in_data_messages():
    df = make_frame()
    df["week"] = df["week"].astype(object)
    df.loc[3, "week"] = "not a date " * 10_000
    with pytest.raises(DataError) as err:
        load_data(df, make_spec())
    assert "cannot be read as dates" in str(err.value) and len(str(err.value)) < 500


# ---------------------------------------------------------------- 7. a bounds file must list every channel


@pytest.fixture(scope="module")
def synth3():
    from tests.test_planning import synthetic_fitted

    return synthetic_fitted(3, draws=60, seed=2)[0]


def test_a_bounds_file_that_leaves_a_channel_out_is_refused(synth3, tmp_path):
    channels = synth3.spec.channel_names                      # ch0, ch1, ch2
    path = tmp_path / "bounds.csv"
    path.write_text(f"channel,min,max\n{channels[0]},100,200\n")
    with pytest.raises(PlanError) as err:
        mp.resolve_bounds(synth3, bounds=str(path))
    msg = str(err.value)
    assert f"no row for channels {channels[1]}, {channels[2]}" in msg
    assert "an empty min or max means no limit" in msg and f"'{channels[1]},,'" in msg
    a, b, c = channels                                            # blank cells: no limit on that side
    path.write_text(f"channel,min,max\n{a},100,200\n{b},,50\n{c},,\n")
    row = mp.resolve_bounds(synth3, bounds=str(path)).set_index("channel")
    assert (row.loc[a, "min"], row.loc[a, "max"]) == (100, 200)
    assert row.loc[b, "min"] == 0 and row.loc[b, "max"] == 50
    assert row.loc[c, "min"] == 0 and np.isinf(row.loc[c, "max"])


def test_unknown_or_unnamed_channel_in_a_bounds_file(synth3, tmp_path):
    a, b, c = synth3.spec.channel_names
    path = tmp_path / "bounds.csv"
    path.write_text(f"channel,min,max\n{a},,\n{b},,\n{c},,\ntv,0,10\n")
    with pytest.raises(PlanError, match=f"Unknown channel 'tv' in bounds file 'bounds.csv'.*Channels: {a}, {b}, {c}"):
        mp.resolve_bounds(synth3, bounds=str(path))
    path.write_text(f"channel,min,max\n{a},,\n,1,2\n{b},,\n{c},,\n")
    with pytest.raises(PlanError, match="Row 2 of bounds file 'bounds.csv' has no channel name"):
        mp.resolve_bounds(synth3, bounds=str(path))


def test_plan_with_a_partial_bounds_file_exits_2(synth3, tmp_path, monkeypatch):
    a = synth3.spec.channel_names[0]
    path = tmp_path / "bounds.csv"
    path.write_text(f"channel,min,max\n{a},100,200\n")
    monkeypatch.setattr("mmm.cli._load_checked", lambda outdir: (synth3, types.SimpleNamespace(model_sha256="x")))
    result = runner.invoke(app, ["plan", str(tmp_path), "--bounds", str(path)])
    assert result.exit_code == EXIT_INPUT, result.output
    assert "no row for channels" in _one_line(result.output)


# ---------------------------------------------------------------- the CLI on workbooks and data notes


def test_init_finds_the_weekly_sheet_of_a_workbook_and_writes_sheet(tmp_path):
    """A workbook whose first sheet is notes: init reads the sheet with dates and says so."""
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"note": ["exported from the BI tool", "EUR"]}).to_excel(xl, sheet_name="About", index=False)
        make_frame().to_excel(xl, sheet_name="Weekly", index=False)
    spec_path = tmp_path / "mmm.yaml"
    result = runner.invoke(app, ["init", str(path), "--out", str(spec_path)])
    assert "Read sheet 'Weekly'" in _one_line(result.output), result.output
    assert yaml.safe_load(spec_path.read_text())["sheet"] == "Weekly"
    check = runner.invoke(app, ["validate", str(spec_path)])  # the About sheet has no week column
    assert check.exit_code == 0, check.output


def test_fit_prints_data_notes_as_one_line_each(small_fit, tmp_path, monkeypatch):
    frame = make_frame()
    frame.to_csv(tmp_path / "weekly.csv", index=False)
    raw = make_spec().to_dict()
    raw["data"] = "weekly.csv"
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))

    def fit(self, *args, **kwargs):
        warnings.warn("Column 'week' holds Excel day numbers", DataWarning, stacklevel=2)
        warnings.warn("Column 'week' holds Excel day numbers", DataWarning, stacklevel=2)
        return small_fit
    monkeypatch.setattr("mmm.fitted.Model.fit", fit)
    result = runner.invoke(app, ["fit", str(tmp_path / "mmm.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code in (0, 3), result.output
    assert result.output.count("Warning: Column 'week' holds Excel day numbers") == 1
    assert "DataWarning" not in result.output
