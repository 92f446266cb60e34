"""Guess what each column of a weekly marketing file is, from its name and its values.

This is the classifier behind ``mmm init``. It reads a column the way an analyst would:
the words in its name (split on ``_``, spaces, ``-``, punctuation and camelCase, matched
as whole words, never as substrings) together with what its values look like (dates,
whole numbers, 0/1, a 0..n-1 counter, a handful of text levels). Each column gets one
role and a reason in plain words:

========================  ===============================================================
role                      meaning
========================  ===============================================================
``date``                  the week column (values parse as dates)
``kpi``                   the outcome to model (ranked vocabulary: revenue, sales, ...)
``outcome``               another outcome column (media drives it, so never a control)
``spend``                 currency per week for one channel (``spend``, ``cost``, ``_S``)
``exposure``              impressions, clicks, sessions, reach, GRPs (``_I``, ``_P``): never spend
``control``               a non-media driver (price, competitor, headcount, ``_B``)
``event``                 a 0/1 column
``event_categorical``     a text column with a few levels: needs one 0/1 column per level
``index``                 a saved row number (``Unnamed: 0``, ``index``, 0..n-1)
``calendar``              year / week / month numbers, a trend counter, a second date
``unknown_numeric``       numbers it cannot place: offered as commented candidates
``skipped_text``          other text (names, ids, numbers stored as text)
========================  ===============================================================

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"week": ["2024-01-01", "2024-01-08", "2024-01-15"],
...                       "revenue": [10.5, 12.0, 11.0], "tv_S": [1.0, 0.0, 2.0],
...                       "facebook_I": [900, 800, 1000]})
>>> [(c.column, c.role) for c in classify(frame).columns]
[('week', 'date'), ('revenue', 'kpi'), ('tv_S', 'spend'), ('facebook_I', 'exposure')]
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

ROLES = ("date", "kpi", "outcome", "spend", "exposure", "control", "event", "event_categorical",
         "index", "calendar", "unknown_numeric", "skipped_text")

#: Outcome words, best first. ``money`` → revenue, ``pipeline`` → pipeline, ``count`` → leads
#: when the values are whole numbers, ``generic`` → revenue (the analyst sets the type).
KPI_VOCAB: tuple[tuple[str, str], ...] = (
    ("revenue", "money"), ("revenues", "money"), ("sales", "money"), ("gmv", "money"),
    ("turnover", "money"), ("pipeline", "pipeline"), ("conversion_value", "money"),
    ("conversions", "count"), ("conversion", "count"), ("orders", "count"), ("purchases", "count"),
    ("transactions", "count"), ("bookings", "count"), ("leads", "count"), ("lead", "count"),
    ("signups", "count"), ("registrations", "count"), ("mqls", "count"), ("mql", "count"),
    ("sqls", "count"), ("sql", "count"), ("opportunities", "count"), ("opps", "count"),
    ("deals", "count"), ("installs", "count"), ("subscriptions", "count"), ("results", "count"),
    ("y", "generic"), ("kpi", "generic"), ("outcome", "generic"), ("response", "generic"),
)
#: Words that stop a column from being the KPI even when it holds an outcome word.
NOT_KPI = frozenset({
    "competitor", "competitors", "competition", "control", "controls", "index", "idx", "baseline",
    "benchmark", "target", "targets", "forecast", "forecasted", "plan", "planned", "goal", "goals",
    "quota", "lag", "lagged", "prev", "previous", "ly", "yoy", "headcount", "reps", "team", "staff",
    "calls", "market", "category", "industry",
})
SPEND_WORDS = frozenset({"spend", "spent", "spending", "cost", "costs", "budget", "investment", "invest",
                         "expenditure", "expense", "expenses"})
#: Exposure words and how a comment names them.
EXPOSURE_WORDS: dict[str, str] = {
    "impressions": "impressions", "impression": "impressions", "impr": "impressions",
    "imps": "impressions", "imp": "impressions", "clicks": "clicks", "click": "clicks",
    "sessions": "sessions", "session": "sessions", "visits": "visits", "visitors": "visitors",
    "pageviews": "page views", "views": "views", "view": "views", "reach": "reach",
    "grps": "GRPs", "grp": "GRPs", "trps": "TRPs", "trp": "TRPs", "frequency": "frequency",
    "engagements": "engagements", "opens": "opens", "listens": "listens", "spots": "spots",
    "insertions": "insertions",
}
TRAFFIC = frozenset({"sessions", "visits", "visitors", "page views"})
RATIO_WORDS = frozenset({"per", "rate", "ratio", "roas", "roi", "cpa", "cpc", "cpm", "cpl", "ctr", "cvr",
                         "avg", "average", "pct", "percent", "percentage", "share"})
#: Control words and the reason a comment gives.
CONTROL_WORDS: dict[str, str] = {
    **dict.fromkeys(("competitor", "competitors", "competition"), "competitor activity: a non-media driver"),
    **dict.fromkeys(("price", "prices", "pricing", "discount", "discounts"), "price: a non-media driver"),
    **dict.fromkeys(("promo", "promos", "promotion", "promotions"), "promotions: a non-media driver"),
    **dict.fromkeys(("headcount", "sdr", "sdrs", "bdr", "bdrs", "reps"),
                    "sales headcount: a non-media driver"),
    **dict.fromkeys(("weather", "temperature", "temp", "rain", "rainfall"), "weather: a non-media driver"),
    **dict.fromkeys(("unemployment", "cpi", "inflation", "gdp", "macro", "confidence"),
                    "the economy: a non-media driver"),
    **dict.fromkeys(("distribution", "inventory", "stock", "stores"), "availability: a non-media driver"),
    **dict.fromkeys(("newsletter", "newsletters", "organic", "seo"), "organic activity (no spend): a control"),
    **dict.fromkeys(("covid", "lockdown"), "an external shock: a control"),
    **dict.fromkeys(("control", "controls", "baseline"), "named as a control"),
}
CALENDAR_WORDS = frozenset({
    "year", "yr", "years", "week", "wk", "weeks", "month", "mth", "mon", "quarter", "qtr", "day", "days",
    "dayofyear", "doy", "dayofweek", "dow", "weekofyear", "woy", "weekday", "of", "nbr", "num", "number",
    "no", "n", "t", "trend", "time", "iso", "fiscal", "fy", "period", "idx", "counter", "season",
})
CALENDAR_CORE = CALENDAR_WORDS - {"of", "nbr", "num", "number", "no", "n", "iso", "fiscal", "idx"}
INDEX_NAMES = frozenset({"index", "idx", "id", "row", "row_id", "rowid", "row_number", "rownum", "level_0"})
DATE_WORDS = frozenset({"date", "week", "wk", "start", "starts", "day", "period", "dt", "time"})
#: Channel words: brand (builds demand slowly) and performance (captures demand).
BRAND_WORDS = frozenset({"tv", "ctv", "ott", "youtube", "yt", "display", "linkedin", "podcast", "podcasts",
                         "ooh", "dooh", "radio", "audio", "video", "print", "brand", "branding",
                         "sponsorship", "sponsor", "billboard", "billboards", "cinema", "awareness",
                         "spotify", "magazine", "newspaper"})
PERFORMANCE_WORDS = frozenset({"search", "sem", "ppc", "shopping", "capterra", "g2", "affiliate", "affiliates",
                               "email", "retargeting", "remarketing", "pmax", "paid_search", "webinar",
                               "webinars"})
#: Platforms whose campaigns are usually performance, unless the name also says brand.
PLATFORM_WORDS = frozenset({"google", "bing", "microsoft", "meta", "facebook", "fb", "instagram", "ig",
                            "tiktok", "snapchat", "pinterest", "twitter", "reddit", "amazon", "criteo"})
#: Words dropped from a column name to make its channel name ("Amount spent (USD)" -> "").
FILLER_WORDS = frozenset({"total", "amount", "usd", "eur", "gbp", "cad", "aud", "chf", "weekly",
                          "in", "utc", "the", "of", "s", "i", "p", "b", "link", "unique", "all"})
#: YAML 1.1 reads these as booleans or null; a channel must never be called one of them.
YAML_SPECIAL = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf"})
MAX_LEVELS = 10

_TOKEN_RE = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+[a-z]*")
_ROBYN_SUFFIX = re.compile(r"_([SIPB])$")
_UNNAMED = re.compile(r"^Unnamed: ?\d+(_level_\d+)?$")


@dataclass(frozen=True)
class ColumnGuess:
    """What one column is, and why.

    Attributes
    ----------
    column : str
        The column name exactly as in the file.
    role : str
        One of :data:`ROLES`.
    reason : str
        Why, in plain words (it becomes the comment in the written spec).
    channel : str or None
        For ``spend``: the channel name (a safe identifier). For ``exposure``: the channel
        the column measures, if its name says.
    channel_role : str or None
        For ``spend``: the guessed role, ``brand`` or ``performance``.
    kpi_type : str or None
        For ``kpi`` and ``outcome``: ``revenue``, ``pipeline`` or ``leads``.
    levels : tuple of str
        For ``event_categorical``: the text levels, most frequent (the baseline) first.
    candidate : str or None
        For ``unknown_numeric``: ``spend`` or ``control`` when the values could be one
        (offered as a commented line to uncomment), ``None`` when it is best left out.
    """

    column: str
    role: str
    reason: str
    channel: str | None = None
    channel_role: str | None = None
    kpi_type: str | None = None
    levels: tuple[str, ...] = ()
    candidate: str | None = None


@dataclass(frozen=True)
class Classification:
    """Every column's guess, in file order, and the number of rows read."""

    columns: tuple[ColumnGuess, ...]
    n_rows: int

    def of(self, role: str) -> list[ColumnGuess]:
        """The columns given ``role``, in file order."""
        return [c for c in self.columns if c.role == role]

    def first(self, role: str) -> ColumnGuess | None:
        """The first column given ``role``, or ``None``."""
        found = self.of(role)
        return found[0] if found else None


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------


def tokens(name: object) -> list[str]:
    """Lower-case words of a column name: split on ``_``, spaces, ``-``, punctuation and camelCase.

    Digits stay on the word they follow (``x1``, ``g2``, ``3rd``); camelCase halves of a known
    channel join again (``LinkedIn``, ``YouTube``); ``sign up`` becomes ``signups`` and
    ``conv. value`` / ``conversion value`` / ``purchase value`` become ``conversion_value``.

    Examples
    --------
    >>> tokens("Amount spent (USD)")
    ['amount', 'spent', 'usd']
    >>> tokens("TVSpend"), tokens("LinkedInSpend"), tokens("search_clicks_P"), tokens("GRPs")
    (['tv', 'spend'], ['linkedin', 'spend'], ['search', 'clicks', 'p'], ['grps'])
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    words = [t.lower() for t in _TOKEN_RE.findall(text)]
    out: list[str] = []
    known = BRAND_WORDS | PERFORMANCE_WORDS | PLATFORM_WORDS
    for w in words:
        if out and out[-1] + w in known and out[-1] not in known:   # LinkedIn, YouTube, TikTok
            out[-1] += w
        elif w in ("up", "ups") and out and out[-1] == "sign":
            out[-1] = "signups"
        elif w == "value" and out and out[-1] in ("conv", "conversion", "conversions", "purchase",
                                                   "purchases", "order", "orders", "transaction"):
            out[-1] = "conversion_value"
        else:
            out.append(w)
    return out


def _words(name: object) -> set[str]:
    """Tokens plus the same tokens without trailing digits (``lag1`` also reads as ``lag``)."""
    toks = tokens(name)
    return set(toks) | {t.rstrip("0123456789") for t in toks if t.rstrip("0123456789")}


def robyn_suffix(name: object) -> str | None:
    """Robyn's naming suffix (``_S`` spend, ``_I`` impressions, ``_P`` clicks, ``_B`` baseline), if any."""
    m = _ROBYN_SUFFIX.search(str(name))
    return m.group(1) if m else None


def safe_identifier(text: str) -> str:
    """``text`` as a channel name: lowercase letters, digits and ``_``; never a YAML boolean word.

    Examples
    --------
    >>> safe_identifier("Google Search"), safe_identifier("on"), safe_identifier("3rd party")
    ('google_search', 'channel_on', 'ch_3rd_party')
    """
    name = "_".join(tokens(text)) if text else ""
    name = re.sub(r"[^a-z0-9_]+", "_", name).strip("_")
    name = re.sub(r"_+", "_", name)
    if name and name[0].isdigit():
        name = f"ch_{name}"
    if name in YAML_SPECIAL:
        name = f"channel_{name}"
    return name


def channel_name(column: object, *, fallback: str = "media") -> str:
    """The channel a spend (or exposure) column belongs to, as a safe identifier.

    Spend, exposure and filler words are dropped (``tv_spend`` → ``tv``, ``Facebook
    Impressions`` → ``facebook``); a name left empty (``Cost``, ``Amount spent (USD)``)
    takes ``fallback``.
    """
    raw = _ROBYN_SUFFIX.sub("", str(column))
    drop = SPEND_WORDS | set(EXPOSURE_WORDS) | FILLER_WORDS
    kept = [t for t in tokens(raw) if t not in drop]
    return safe_identifier("_".join(kept)) or fallback


def channel_role(name: str) -> tuple[str, str]:
    """Guess ``brand`` or ``performance`` from a channel name's words, with the reason.

    Brand words (TV, YouTube, display, LinkedIn, podcast, OOH, radio, video, CTV, print)
    make it brand unless a performance word (search, SEM, shopping, Capterra, affiliate,
    email, retargeting) is there too; platforms (Google, Meta, TikTok) alone mean
    performance; anything else is performance by default, said so.
    """
    words = set(name.split("_")) | {name}
    brand, perf, platform = words & BRAND_WORDS, words & PERFORMANCE_WORDS, words & PLATFORM_WORDS
    if brand and not perf:
        return "brand", f"{sorted(brand)[0]} builds demand: brand"
    if perf:
        return "performance", f"{sorted(perf)[0]} captures demand: performance"
    if platform:
        return "performance", f"{sorted(platform)[0]} campaigns usually capture demand: performance"
    return "performance", "unknown channel type: performance by default (set brand if it builds awareness)"


def fallback_channel(hint: str) -> str:
    """A channel name for a nameless spend column (``Cost``) from the file name, else ``media``.

    >>> fallback_channel("exports/linkedin_campaigns_2024.csv")
    'linkedin'
    """
    stem = re.split(r"[\\/]", hint)[-1].split(".")[0] if hint else ""
    known = [t for t in tokens(stem) if t in BRAND_WORDS | PERFORMANCE_WORDS | PLATFORM_WORDS]
    return safe_identifier("_".join(known)) or "media"


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def _numbers(s: pd.Series) -> np.ndarray | None:
    """The column's non-missing values as floats, or ``None`` for a text or date column."""
    if pd.api.types.is_bool_dtype(s):
        return s.dropna().astype(float).to_numpy()
    if pd.api.types.is_numeric_dtype(s):
        return s.dropna().astype(float).to_numpy()
    return None


def _is_dates(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    values = s.dropna().astype(str)
    if values.empty or values.str.fullmatch(r"\s*-?\d+(\.\d+)?\s*").mean() > 0.5:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() > 0.9)


def _is_excel_days(col: str, s: pd.Series) -> bool:
    """A date-named column of Excel day numbers (45292 = 2024-01-01) one day or one week apart."""
    from mmm.data import EXCEL_SERIALS

    v = _numbers(s)
    if v is None or pd.api.types.is_bool_dtype(s) or len(v) < 2 or not _words(col) & DATE_WORDS:
        return False
    if not _whole(v) or v.min() < EXCEL_SERIALS[0] or v.max() > EXCEL_SERIALS[1]:
        return False
    steps = np.diff(np.unique(v))
    return bool(len(steps)) and float(np.median(steps)) in (1.0, 7.0)


def _whole(v: np.ndarray) -> bool:
    return bool(len(v)) and bool(np.all(np.isfinite(v))) and bool(np.all(np.abs(v - np.round(v)) < 1e-9))


def _sequence_step(v: np.ndarray) -> float | None:
    """The step of an evenly spaced, non-constant sequence (0, 1, 2, ...), else ``None``."""
    if len(v) < 3 or not np.all(np.isfinite(v)):
        return None
    d = np.diff(v)
    if d[0] != 0 and np.allclose(d, d[0]):
        return float(d[0])
    return None


def _weeks(v: np.ndarray) -> str:
    return f"numeric, {len(v)} week{'s' * (len(v) != 1)}"


# --------------------------------------------------------------------------------------
# Rules, one role each
# --------------------------------------------------------------------------------------


def _index_by_name(col: str) -> ColumnGuess | None:
    if _UNNAMED.match(col):
        return ColumnGuess(col, "index", "a saved pandas row index (no header): skipped")
    if col.strip().lower() in INDEX_NAMES:
        return ColumnGuess(col, "index", "a row index or id: skipped")
    return None


def _pick_date(frame: pd.DataFrame, candidates: list[str]) -> str | None:
    if not candidates:
        return None
    for c in candidates:
        words = _words(c)
        if words & DATE_WORDS and not words & {"end", "ends", "stop"}:
            return c
    return candidates[0]


def _kpi_rank(col: str, v: np.ndarray | None) -> tuple[int, str, str] | None:
    """(rank, word, kind) of an outcome column; ``None`` when the name is not an outcome."""
    if v is None or len(v) == 0 or np.nanmin(v) == np.nanmax(v):
        return None
    words = _words(col)
    if (words & (NOT_KPI | SPEND_WORDS | RATIO_WORDS | set(EXPOSURE_WORDS))
            or robyn_suffix(col) in ("S", "I", "P", "B") or "/" in col or "%" in col):
        return None
    for rank, (word, kind) in enumerate(KPI_VOCAB):
        if word in words:
            return rank, word, kind
    return None


def _kpi_type(word: str, kind: str, v: np.ndarray) -> tuple[str, str]:
    """The KPI type and the reason for it."""
    word = word.replace("_", " ")
    if kind == "pipeline":
        return "pipeline", f"outcome word '{word}': type pipeline"
    if kind == "money":
        return "revenue", f"outcome word '{word}': an amount, so type revenue"
    if kind == "generic":
        return "revenue", (f"'{word}' is a generic outcome name: type revenue assumed (set leads for "
                           "counts, pipeline for pipeline)")
    if _whole(v) and np.min(v) >= 0:
        return "leads", f"outcome word '{word}' and whole numbers: counts, so type leads"
    return "revenue", f"outcome word '{word}' but non-integer values (amounts?): type revenue, not leads"


def _text_role(col: str, s: pd.Series) -> ColumnGuess:
    values = s.dropna().astype(str).str.strip()
    cleaned = pd.to_numeric(values.str.replace(r"[\s$€£¥,%]", "", regex=True), errors="coerce")
    if len(values) and cleaned.notna().mean() > 0.9:
        return ColumnGuess(col, "skipped_text", "numbers stored as text (currency symbols or thousands "
                                               "separators): clean them to plain numbers to use it")
    counts = pd.concat([values, pd.Series(["(blank)"] * int(s.isna().sum()), dtype=object)]).value_counts()
    levels = tuple(str(x) for x in counts.index)
    if 2 <= len(levels) <= MAX_LEVELS and len(levels) <= max(2, len(s) // 2):
        return ColumnGuess(col, "event_categorical",
                           f"text with {len(levels)} levels ({', '.join(levels)}): make one 0/1 column per "
                           f"level except '{levels[0]}' to use them as events", levels=levels)
    what = "the same text in every row" if len(levels) < 2 else f"text with {len(levels)} different values"
    return ColumnGuess(col, "skipped_text", f"{what}: skipped")


def _calendar_by_name(col: str, v: np.ndarray) -> ColumnGuess | None:
    words = set(tokens(col))
    if words and words <= CALENDAR_WORDS and words & CALENDAR_CORE:
        what = "a trend counter" if words & {"t", "trend", "time", "counter"} else "a calendar number"
        return ColumnGuess(col, "calendar", f"{what}: skipped (the model has its own trend and seasonality)")
    return None


def _ratio(col: str, v: np.ndarray) -> ColumnGuess | None:
    if _words(col) & RATIO_WORDS or "/" in col or "%" in col:
        return ColumnGuess(col, "unknown_numeric", f"{_weeks(v)}, a ratio or average (derived from "
                                                   "other columns): usually left out")
    return None


def _spend(col: str, v: np.ndarray, fallback: str) -> ColumnGuess | None:
    suffix = robyn_suffix(col) == "S"
    words = _words(col) & SPEND_WORDS
    if not (suffix or words):
        return None
    why = "Robyn's _S suffix" if suffix else f"'{sorted(words)[0]}'"
    if len(v) and np.min(v) < 0:
        return ColumnGuess(col, "unknown_numeric", f"{_weeks(v)}, named like spend ({why}) but has "
                                                   "negative values: fix them to use it as a channel")
    name = channel_name(col, fallback=fallback)
    role, role_why = channel_role(name)
    return ColumnGuess(col, "spend", f"spend ({why}); {role_why}", channel=name, channel_role=role)


def _exposure(col: str, v: np.ndarray, fallback: str) -> ColumnGuess | None:
    suffix = robyn_suffix(col)
    found = [EXPOSURE_WORDS[w] for w in tokens(col) if w in EXPOSURE_WORDS]
    if not found and suffix not in ("I", "P"):
        return None
    kind = found[0] if found else ("impressions" if suffix == "I" else "clicks or other exposure")
    why = f"{kind} (Robyn's _{suffix} suffix)" if suffix in ("I", "P") else kind
    if kind in TRAFFIC:
        return ColumnGuess(col, "exposure", f"{why}: website traffic, which media drives: never spend, "
                                            "and not a control")
    return ColumnGuess(col, "exposure", f"{why}, an exposure measure: never spend",
                       channel=channel_name(col, fallback=fallback))


def _control_or_event(col: str, v: np.ndarray) -> ColumnGuess | None:
    if len(v) == 0 or np.min(v) == np.max(v):
        shown = f"{v[0]:g}" if len(v) else "blank"
        return ColumnGuess(col, "unknown_numeric", f"{_weeks(v)}, constant ({shown}): no information, left out")
    if set(np.unique(v)) <= {0.0, 1.0}:
        on = int(v.sum())
        return ColumnGuess(col, "event", f"0/1 values: an event ({on} week{'s' * (on != 1)} on)")
    hits = [CONTROL_WORDS[w] for w in tokens(col) if w in CONTROL_WORDS]
    if hits:
        return ColumnGuess(col, "control", hits[0])
    if robyn_suffix(col) == "B":
        return ColumnGuess(col, "control", "Robyn's _B suffix (a baseline variable): a control")
    return None


def _by_values(col: str, v: np.ndarray) -> ColumnGuess:
    step = _sequence_step(v)
    if step == 1 and v[0] in (0, 1):
        return ColumnGuess(col, "index", f"{v[0]:g}, {v[0] + 1:g}, {v[0] + 2:g}, ...: a row number, skipped")
    if step is not None:
        return ColumnGuess(col, "calendar", "an evenly spaced sequence (a time counter): skipped")
    if np.min(v) < 0:
        return ColumnGuess(col, "unknown_numeric", f"{_weeks(v)}, has negative values (not spend): "
                                                   "a control? uncomment to use", candidate="control")
    return ColumnGuess(col, "unknown_numeric", f"{_weeks(v)}, looks like spend? uncomment to use",
                       channel=channel_name(col), candidate="spend")


def _numeric_role(col: str, v: np.ndarray, fallback: str) -> ColumnGuess:
    for rule in (_calendar_by_name, _ratio):
        guess = rule(col, v)
        if guess:
            return guess
    guess = _spend(col, v, fallback) or _exposure(col, v, fallback) or _control_or_event(col, v)
    return guess or _by_values(col, v)


# --------------------------------------------------------------------------------------
# The whole table
# --------------------------------------------------------------------------------------


def _unique_channels(guesses: list[ColumnGuess]) -> list[ColumnGuess]:
    """Give spend columns (and spend candidates) that map to one channel name distinct names (``x``, ``x_2``)."""
    seen: dict[str, int] = {}
    out = []
    for g in guesses:
        if g.channel and (g.role == "spend" or g.candidate == "spend"):
            seen[g.channel] = seen.get(g.channel, 0) + 1
            if seen[g.channel] > 1:
                g = dataclasses.replace(g, channel=f"{g.channel}_{seen[g.channel]}")
        out.append(g)
    return out


def _kpi_guesses(frame: pd.DataFrame, cols: list[str]) -> dict[str, ColumnGuess]:
    """The KPI (best-ranked outcome word, first in file order on a tie) and the other outcomes."""
    ranked = []
    for i, c in enumerate(cols):
        v = _numbers(frame[c])
        r = _kpi_rank(c, v)
        if r is not None and v is not None:
            ranked.append((r[0], i, c, r[1], r[2], v))
    ranked.sort(key=lambda x: (x[0], x[1]))
    out: dict[str, ColumnGuess] = {}
    for k, (_, _, c, word, kind, v) in enumerate(ranked):
        typ, why = _kpi_type(word, kind, v)
        if k == 0:
            out[c] = ColumnGuess(c, "kpi", why, kpi_type=typ)
        else:
            out[c] = ColumnGuess(c, "outcome", f"{why}; another outcome (media drives it, so not a control)",
                                 kpi_type=typ)
    return out


def classify(frame: pd.DataFrame, *, file_hint: str = "") -> Classification:
    """Guess every column's role from its name and its values.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data as read from the file (one row per week, or per day).
    file_hint : str, optional
        The data file's path; a platform named in it (``linkedin_export.csv``) names a
        spend column that has no channel in its own name (``Total Spent``).

    Returns
    -------
    Classification
        One :class:`ColumnGuess` per column, in file order. At most one ``date`` and one
        ``kpi``; an exposure column is never ``spend``.
    """
    cols = [str(c) for c in frame.columns]
    frame = frame.set_axis(cols, axis=1)
    fallback = fallback_channel(file_hint)
    guesses: dict[str, ColumnGuess] = {}
    for c in cols:
        g = _index_by_name(c)
        if g:
            guesses[c] = g
    open_cols = [c for c in cols if c not in guesses]
    dates = [c for c in open_cols if not frame[c].isna().all() and _is_dates(frame[c])]
    excel = [] if dates else [c for c in open_cols if _is_excel_days(c, frame[c])]
    date_col = _pick_date(frame, dates or excel)
    for c in excel:
        first = int(frame[c].dropna().iloc[0])
        day = (pd.Timestamp("1899-12-30") + pd.Timedelta(days=first)).strftime("%Y-%m-%d")
        guesses[c] = (ColumnGuess(c, "date", f"Excel day numbers ({first} = {day}): read as dates")
                      if c == date_col else
                      ColumnGuess(c, "calendar", f"another date column (the spec uses '{date_col}'): skipped"))
    for c in dates:
        guesses[c] = (ColumnGuess(c, "date", "values parse as dates") if c == date_col else
                      ColumnGuess(c, "calendar", f"another date column (the spec uses '{date_col}'): skipped"))
    open_cols = [c for c in cols if c not in guesses]
    guesses.update(_kpi_guesses(frame, open_cols))
    for c in cols:
        if c in guesses:
            continue
        v = _numbers(frame[c])
        guesses[c] = _text_role(c, frame[c]) if v is None else _numeric_role(c, v, fallback)
    return Classification(tuple(_unique_channels([guesses[c] for c in cols])), len(frame))
