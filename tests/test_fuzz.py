"""Fuzzed inputs for `mmm validate`: mutated CSV data and mutated YAML specs.

Whatever the file holds, `mmm validate` must answer with exit 0 (valid) or 2 (a message saying
what is wrong), never an internal error (exit 1) or a traceback, and never a wall of text.
Hypothesis runs derandomized, so CI sees the same examples every time (150 per test, about 10 s on
2 cores; set MMM_FUZZ_EXAMPLES to run more).
"""

from __future__ import annotations

import contextlib
import os
import random

import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mmm.cli import EXIT_INPUT, EXIT_OK, app
from tests.conftest import small_frame, small_spec

runner = CliRunner()
FUZZ = settings(max_examples=int(os.environ.get("MMM_FUZZ_EXAMPLES", "150")), deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MESSAGE_MAX = 2000     # a failure's message
OUTPUT_MAX = 4000      # a success prints two tables; its length grows only with the columns


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A folder with the small data set as weekly.csv and its spec as mmm.yaml (rewritten per example)."""
    folder = tmp_path_factory.mktemp("fuzz")
    df, _ = small_frame()
    csv_text = df.to_csv(index=False)
    raw = small_spec().to_dict()
    raw["data"] = "weekly.csv"
    return _Case((folder, csv_text, raw))


def _validate(folder, csv: str | bytes, spec_text: str, what) -> None:
    """Write the case and run `mmm validate`; assert a clean answer."""
    data = folder / "weekly.csv"
    data.write_bytes(csv if isinstance(csv, bytes) else csv.encode("utf-8", "surrogatepass"))
    (folder / "mmm.yaml").write_text(spec_text, encoding="utf-8", errors="surrogatepass")
    result = runner.invoke(app, ["validate", str(folder / "mmm.yaml")])
    detail = f"{what!r}\nexit {result.exit_code}: {result.exception!r}\n{result.output[-1500:]}"
    if result.exit_code == 1 and _known(result.exception):
        reject()                      # a known bug, kept as a strict xfail test below with its minimal input
    assert result.exit_code in (EXIT_OK, EXIT_INPUT), detail
    assert "Traceback" not in result.output, detail
    limit = MESSAGE_MAX if result.exit_code == EXIT_INPUT else OUTPUT_MAX
    assert len(result.output) < limit, detail
    if result.exit_code == EXIT_INPUT:
        assert result.output.strip(), detail                     # a failure says something


# Bugs found by this fuzzing in files owned elsewhere: (exception type, message fragment). Each has a
# strict xfail test with its minimal input at the end of this file; fix the bug, then remove it here.
KNOWN_BUGS: list[tuple[str, str]] = []


def _known(exc: BaseException | None) -> bool:
    return exc is not None and any(type(exc).__name__ == name and fragment in str(exc)
                                   for name, fragment in KNOWN_BUGS)


class _Case(tuple):
    """(folder, csv text, spec dict), with a short repr for Hypothesis' failure reports."""

    def __repr__(self) -> str:
        return f"<small case in {self[0]}>"


# --- (a) CSV ------------------------------------------------------------------------------------------------

WORDS = st.sampled_from(["", " ", "abc", "n/a", "NaN", "nan", "inf", "-inf", "Infinity", "1,000", "$5", "1e400",
                         "-1", "-1e12", "1e308", "9" * 40, "0x10", "TRUE", "null", "—", "2023-02-30",
                         "2023-13-01", "yesterday", "\"", "a,b", "é", "\ufeff", "\x00", "1 000"])
CELL = st.one_of(WORDS, st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.integers(min_value=-(10**30), max_value=10**30).map(str))
INDEX = st.integers(min_value=0, max_value=10_000)
CSV_OPS = st.one_of(
    st.tuples(st.just("cell"), INDEX, INDEX, CELL),
    st.tuples(st.just("blank-column"), INDEX),
    st.tuples(st.just("column-text"), INDEX, CELL),
    st.tuples(st.just("scale-column"), INDEX, st.sampled_from([-1.0, 1e12, 1e300, 0.0, -1e-9])),
    st.tuples(st.just("duplicate-row"), INDEX),
    st.tuples(st.just("remove-rows"), INDEX, st.integers(min_value=1, max_value=80)),
    st.tuples(st.just("shuffle"), INDEX),
    st.tuples(st.just("copy-date"), INDEX, INDEX),
    st.tuples(st.just("extra-column"), st.text(max_size=8), CELL),
    st.tuples(st.just("rename-column"), INDEX, st.one_of(WORDS, st.text(max_size=10))),
    st.tuples(st.just("delete-column"), INDEX),
    st.tuples(st.just("bom"), st.just(0)),
    st.tuples(st.just("garbage-lines"), st.lists(st.text(max_size=30), min_size=1, max_size=3)),
    st.tuples(st.just("truncate-text"), INDEX),
    st.tuples(st.just("empty"), st.just(0)),
    st.tuples(st.just("semicolons"), st.just(0)),
)


def _mutate_csv(text: str, ops) -> str:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    head, body = rows[0], rows[1:]
    prefix, tail, whole = "", "", None
    for op in ops:
        kind, *args = op
        ncol = max(len(head), 1)
        if kind == "cell" and body:
            r, c, v = args
            row = body[r % len(body)]
            if row:
                row[c % len(row)] = v
        elif kind == "blank-column" and head:
            c = args[0] % ncol
            for row in body:
                if c < len(row):
                    row[c] = ""
        elif kind == "column-text" and head:
            c, v = args
            for row in body[:: 7]:
                if c % ncol < len(row):
                    row[c % ncol] = v
        elif kind == "scale-column" and head:
            c, factor = args
            for row in body:
                with contextlib.suppress(ValueError, IndexError):
                    row[c % ncol] = repr(float(row[c % ncol]) * factor)
        elif kind == "duplicate-row" and body:
            body.insert(args[0] % len(body), list(body[args[0] % len(body)]))
        elif kind == "remove-rows" and body:
            start = args[0] % len(body)
            del body[start:start + args[1]]
        elif kind == "shuffle":
            random.Random(args[0]).shuffle(body)
        elif kind == "copy-date" and len(body) > 1:
            a, b = body[args[0] % len(body)], body[args[1] % len(body)]
            if a and b:
                a[0] = b[0]
        elif kind == "extra-column":
            head.append(args[0])
            for row in body:
                row.append(args[1])
        elif kind == "rename-column" and head:
            head[args[0] % ncol] = args[1]
        elif kind == "delete-column" and head:
            c = args[0] % ncol
            del head[c]
            for row in body:
                if c < len(row):
                    del row[c]
        elif kind == "bom":
            prefix = "\ufeff"
        elif kind == "garbage-lines":
            tail += "\n".join(args[0]) + "\n"
        elif kind == "truncate-text":
            whole = args[0]
        elif kind == "empty":
            return ""
        elif kind == "semicolons":
            head, body = [";".join(head)], [[";".join(r)] for r in body]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([head, *body])
    text = prefix + out.getvalue() + tail
    if whole is not None:
        text = text[: whole % (len(text) + 1)]
    return text


@FUZZ
@given(ops=st.lists(CSV_OPS, min_size=1, max_size=4))
def test_fuzzed_csv_is_validated_or_refused_cleanly(case, ops):
    folder, csv_text, raw = case
    _validate(folder, _mutate_csv(csv_text, ops), yaml.safe_dump(raw, sort_keys=False), ops)


# --- (b) YAML -----------------------------------------------------------------------------------------------

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
                   st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=15),
                   st.sampled_from(["", "tv", "search", "tv_spend", "revenue", "week", "brand", "numpyro", "advi",
                                    "geometric", "weibull", "Normal", "yes", "no", "~", "2023-01-02", "1e999"]))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                     max_leaves=8)
YAML_OPS = st.one_of(
    st.tuples(st.just("delete"), INDEX),
    st.tuples(st.just("replace"), INDEX, VALUE),
    st.tuples(st.just("add"), INDEX, st.text(max_size=10), VALUE),
    st.tuples(st.just("nest"), INDEX, st.integers(min_value=1, max_value=200)),
    st.tuples(st.just("duplicate-line"), INDEX),
    st.tuples(st.just("unicode"), INDEX, st.text(min_size=1, max_size=6)),
    st.tuples(st.just("tabs"), INDEX),
    st.tuples(st.just("anchors"), st.sampled_from(["alias", "merge", "recursive", "laughs"])),
    st.tuples(st.just("cut"), INDEX),
)


def _paths(node, prefix=()):
    """Every key path in a nested dict/list."""
    out = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return out
    for k, v in items:
        out.append((*prefix, k))
        out.extend(_paths(v, (*prefix, k)))
    return out


def _parent(root, path):
    node = root
    for k in path[:-1]:
        node = node[k]
    return node


def _mutate_yaml(raw: dict, ops) -> str:
    import copy

    doc = copy.deepcopy(raw)
    text_ops = []
    for op in ops:
        kind, *args = op
        paths = _paths(doc)
        if kind in ("delete", "replace", "nest") and paths:
            path = paths[args[0] % len(paths)]
            parent = _parent(doc, path)
            if kind == "delete":
                del parent[path[-1]]
            elif kind == "replace":
                parent[path[-1]] = args[1]
            else:
                value = parent[path[-1]]
                for _ in range(args[1]):
                    value = [value] if args[1] % 2 else {"x": value}
                parent[path[-1]] = value
        elif kind == "add":
            dicts = [()] + [p for p in paths if isinstance(_parent(doc, (*p, None)), dict)]
            where = dicts[args[0] % len(dicts)]
            node = _parent(doc, (*where, None))
            node[args[1]] = args[2]
        else:
            text_ops.append(op)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    for kind, *args in text_ops:
        lines = text.split("\n")
        if kind == "duplicate-line":
            i = args[0] % len(lines)
            lines.insert(i, lines[i])
        elif kind == "unicode":
            i = args[0] % (len(text) + 1)
            text = text[:i] + args[1] + text[i:]
            continue
        elif kind == "tabs":
            i = args[0] % len(lines)
            lines[i] = lines[i].replace("  ", "\t")
        elif kind == "anchors":
            extra = {"alias": "controls: &c [promo]\nextra_controls: *c",
                     "merge": "base: &b {spend: tv_spend, role: brand}\nother: {<<: *b, role: performance}",
                     "recursive": "loop: &l [*l]\ncontrols: &m [*m]",
                     "laughs": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
                               "controls: [*d, *d, *d, *d, *d, *d, *d, *d, *d]"}[args[0]]
            lines.extend(extra.split("\n"))
        elif kind == "cut":
            text = text[: args[0] % (len(text) + 1)]
            continue
        text = "\n".join(lines)
    return text


@FUZZ
@given(ops=st.lists(YAML_OPS, min_size=1, max_size=4))
def test_fuzzed_spec_is_validated_or_refused_cleanly(case, ops):
    folder, csv_text, raw = case
    _validate(folder, csv_text, _mutate_yaml(raw, ops), ops)


# --- bugs found by the fuzzing, minimal inputs (strict xfail: fix the code, then drop the marker) -----------

MINIMAL_HEAD = "week,revenue,tv_spend,search_spend,promo\n"


def test_a_date_out_of_the_datetime_range_exits_2(tmp_path):
    raw = small_spec().to_dict()
    raw["data"] = "weekly.csv"
    (tmp_path / "weekly.csv").write_text(MINIMAL_HEAD + "-1,1,1,1,1\n2023-01-09,1,1,1,1\n")
    (tmp_path / "mmm.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    result = runner.invoke(app, ["validate", str(tmp_path / "mmm.yaml")])
    assert result.exit_code == EXIT_INPUT, repr(result.exception)
    assert "cannot be read as dates" in " ".join(result.output.split())
