"""One vocabulary per KPI type: the words, the return metric and its scale, and how amounts print.

Every output (console, CSV/JSON, charts, deck) reads the KPI's words from here, so a fact
is written once: a leads model's return is "cost per lead" (currency per lead) or
"leads per 1k" (leads per 1,000 currency units), never "ROAS"; a lead count is never
followed by a currency.

Example
-------
>>> k = kpi_kind("leads")
>>> k.return_name, k.return_value(0.012), k.amount(3200.0, "USD")
('leads per 1k', 12.0, '3.2k leads')
>>> money(0.42, "USD"), money(1_250_000.0, "EUR")
('$0.42', '€1.25M')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: Currency symbols written before an amount; other currencies are written as a code after it.
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$",
           "NZD": "NZ$", "BRL": "R$", "MXN": "MX$", "KRW": "₩", "CNY": "CN¥"}


@dataclass(frozen=True)
class KpiKind:
    """What a KPI type is called and how its amounts and returns are written.

    Attributes
    ----------
    type : str
        ``"revenue"``, ``"pipeline"`` or ``"leads"``.
    word : str
        The KPI in words, lower case ("revenue", "pipeline", "leads").
    is_money : bool
        True when the KPI is an amount of money (revenue, pipeline); False for counts.
    return_name : str
        Name of the headline return metric ("ROAS", "pipeline ROI", "leads per 1k").
    return_scale : float
        ``return_name``'s value = KPI per currency unit x ``return_scale`` (1 for ROAS and
        pipeline ROI, 1000 for leads per 1k).
    return_unit : str
        What one unit of the return metric is, in words.
    cost_name : str
        Name of the cost per unit of KPI ("cost per revenue dollar", "cost per lead").
    cost_is_headline : bool
        True when the cost per unit of KPI is the number people quote (leads: cost per lead).
    break_even : float
        Default break-even return (KPI per currency unit); NaN when it needs business
        numbers the model cannot see (win rate, deal size).
    split_norm : str
        Key of the published brand-share norm in :data:`mmm.split.NORMS` ("b2c" or "b2b").
    deal_economics : bool
        True when a win rate and a deal size turn the KPI into revenue (pipeline, leads); a
        revenue model takes neither.
    preset : dict
        The ``model:`` defaults of this KPI type (carryover, window, saturation, seasonality,
        trend, likelihood). Revenue (ecommerce / D2C) responds within days: short geometric
        carryover. Pipeline and leads (B2B) arrive weeks after the spend: a delayed carryover whose
        peak can sit several weeks after the spend, over 13 weeks; leads are counts.
    fit_preset : dict
        ``fit:`` defaults: delayed carryover gives a more curved posterior, so NUTS takes smaller
        steps there (fewer divergent transitions, about 10% slower).
    """

    type: str
    word: str
    is_money: bool
    return_name: str
    return_scale: float
    return_unit: str
    cost_name: str
    cost_is_headline: bool
    break_even: float
    split_norm: str
    deal_economics: bool = True
    preset: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    fit_preset: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def per_1k(self) -> bool:
        """True when the return metric is counted per 1,000 currency units."""
        return self.return_scale == 1000.0

    @property
    def headline_name(self) -> str:
        """The return metric people quote: "ROAS", "pipeline ROI" or "cost per lead"."""
        return self.cost_name if self.cost_is_headline else self.return_name

    def return_value(self, kpi_per_currency: float) -> float:
        """The return metric from KPI per currency unit (leads per 1k: x 1000)."""
        return float(kpi_per_currency) * self.return_scale

    def return_text(self, kpi_per_currency: float) -> str:
        """The return metric as text: ``3.10x`` (ROAS, pipeline ROI) or ``12.0`` (leads per 1k)."""
        v = self.return_value(kpi_per_currency)
        if not math.isfinite(v):
            return "n/a"
        return f"{v:.3g}" if self.per_1k else f"{v:.2f}x"

    def amount(self, x: float, currency: str = "USD", unit: bool = True) -> str:
        """A KPI amount: money for revenue and pipeline (``$1.2M``), a count for leads (``1.2k leads``;
        ``1.2k`` with ``unit=False``, for the bounds of an interval whose mean carries the word)."""
        if self.is_money:
            return money(x, currency)
        return f"{compact(x)} {self.word}" if unit else compact(x)

    def revenue_per_unit(self, win_rate: float | None = None, avg_deal_size: float | None = None) -> float:
        """Revenue one unit of the KPI is worth: 1 for revenue, the win rate for pipeline, win rate x
        deal size for leads; NaN when the numbers it needs are missing.

        Examples
        --------
        >>> kpi_kind("pipeline").revenue_per_unit(0.2), kpi_kind("leads").revenue_per_unit(0.1, 5000.0)
        (0.2, 500.0)
        """
        if not self.deal_economics:
            return 1.0
        if not win_rate:
            return float("nan")
        if self.is_money:  # pipeline: an amount already, won at the win rate
            return float(win_rate)
        return float(win_rate) * float(avg_deal_size) if avg_deal_size else float("nan")

    @property
    def ratio_label(self) -> str:
        """Word after a return ratio in a sentence (``3.10x ROAS``); empty when the ratio stands alone."""
        return self.return_name if self.return_name == "ROAS" else ""

    def words(self) -> dict[str, str]:
        """The legacy word table of :data:`mmm.spec.KPI_WORDS`: ``kpi``, ``return``, ``cost_per``."""
        return {"kpi": self.word, "return": self.return_name, "cost_per": self.cost_name}


_B2B = {"adstock": "delayed", "l_max": 13, "saturation": "logistic", "yearly_seasonality": 2, "trend": "linear"}

KINDS: dict[str, KpiKind] = {
    "revenue": KpiKind("revenue", "revenue", True, "ROAS", 1.0, "revenue per currency unit",
                       "cost per revenue dollar", False, 1.0, "b2c", deal_economics=False,
                       preset=MappingProxyType({"adstock": "geometric", "l_max": 8, "saturation": "logistic",
                                                "yearly_seasonality": 2, "trend": "linear",
                                                "likelihood": "normal"})),
    "pipeline": KpiKind("pipeline", "pipeline", True, "pipeline ROI", 1.0, "pipeline per currency unit",
                        "cost per pipeline dollar", False, float("nan"), "b2b",
                        preset=MappingProxyType({**_B2B, "likelihood": "normal"}),
                        fit_preset=MappingProxyType({"target_accept": 0.95})),
    "leads": KpiKind("leads", "leads", False, "leads per 1k", 1000.0, "leads per 1,000 currency units",
                     "cost per lead", True, float("nan"), "b2b",
                     preset=MappingProxyType({**_B2B, "likelihood": "negative_binomial"}),
                     fit_preset=MappingProxyType({"target_accept": 0.95})),
}


def kpi_kind(spec_or_type: Any) -> KpiKind:
    """The :class:`KpiKind` of a KPI type name, a spec, a fitted model or a spec's ``kpi``.

    Raises
    ------
    ValueError
        For an unknown KPI type.
    """
    if isinstance(spec_or_type, KpiKind):
        return spec_or_type
    obj = getattr(spec_or_type, "spec", spec_or_type)
    obj = getattr(obj, "kpi", obj)
    name = getattr(obj, "type", obj)
    if not isinstance(name, str):
        name = getattr(obj, "kpi_type", name)
    if name not in KINDS:
        raise ValueError(f"Unknown KPI type {name!r}; expected one of {', '.join(KINDS)}.")
    return KINDS[name]


def _trim(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def compact(x: float, sig: int = 3) -> str:
    """A number with ``sig`` significant figures and a k/M/B suffix; never a non-zero shown as 0.

    Examples
    --------
    >>> compact(1_234_567), compact(45_000), compact(950), compact(0.0042), compact(0)
    ('1.23M', '45k', '950', '0.0042', '0')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    a = abs(float(x))
    sign = "-" if x < 0 else ""
    if a == 0:
        return "0"
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div * 0.9995:
            return sign + _trim(f"{a / div:.{max(sig - len(str(int(a // div))), 0)}f}") + suf
    if a >= 100:
        return sign + f"{a:,.0f}"
    decimals = max(sig - 1 - math.floor(math.log10(a)), 0)
    return sign + _trim(f"{a:.{decimals}f}")


def money(x: float, currency: str = "USD", sig: int = 3) -> str:
    """An amount of money: ``$1.25M``, ``€45k``, ``$0.42``, ``1.2k CHF``; never a non-zero shown as 0."""
    if x is None or not math.isfinite(x):
        return "n/a"
    sym = SYMBOLS.get(currency)
    body = compact(abs(x), sig)
    sign = "-" if x < 0 else ""
    return f"{sign}{sym}{body}" if sym else f"{sign}{body} {currency}"
