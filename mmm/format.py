"""How the KPI, money, shares and channel names are written, on charts, slides and in sentences.

Plain text formatting with no drawing code, so that claims, the analysis layer and the report
can word their numbers the way the charts do without importing matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmm.kpi import KpiKind, kpi_kind

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$",
                    "CAD": "C$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ",
                    "DKK": "DKK ", "BRL": "R$", "MXN": "MX$", "KRW": "₩", "CNY": "CN¥"}

#: Channel names written the way marketers write them (anything else: underscores to
#: spaces, short names upper-cased, the first letter capitalised).
KNOWN_LABELS = {"tiktok": "TikTok", "youtube": "YouTube", "linkedin": "LinkedIn", "facebook": "Facebook",
                "google_search": "Google Search", "bing": "Bing", "meta": "Meta", "capterra": "Capterra",
                "g2": "G2", "dv360": "DV360", "ctv": "CTV", "ooh": "OOH", "seo": "SEO", "sem": "SEM",
                "tv": "TV", "podcast": "Podcast", "display": "Display", "webinars": "Webinars",
                "affiliate": "Affiliate", "email": "Email", "radio": "Radio", "print": "Print"}

@dataclass(frozen=True)
class Units:
    """How to write the KPI and money on a chart, following the KPI type.

    Build with :func:`units_of` from a spec, a fitted model or a KPI type name.
    """

    kpi_type: str = "revenue"
    currency: str = "USD"

    @property
    def kind(self) -> KpiKind:
        """The KPI type's vocabulary (:class:`mmm.kpi.KpiKind`) these units read their words from."""
        return kpi_kind(self.kpi_type)

    @property
    def symbol(self) -> str:
        """Currency symbol prefix ("$") or code with a space ("CHF ")."""
        return CURRENCY_SYMBOLS.get(self.currency, f"{self.currency} ")

    @property
    def per_unit(self) -> str:
        """The currency unit in words, for "per dollar" phrases."""
        return {"USD": "dollar", "AUD": "dollar", "CAD": "dollar", "NZD": "dollar", "EUR": "euro",
                "GBP": "pound", "JPY": "yen", "INR": "rupee"}.get(self.currency, self.currency)

    @property
    def is_money_kpi(self) -> bool:
        """True when the KPI is an amount of money (revenue, pipeline)."""
        return self.kind.is_money

    @property
    def kpi_word(self) -> str:
        """The KPI in words, lower case: "revenue", "pipeline", "leads"."""
        return self.kind.word

    @property
    def kpi_label(self) -> str:
        """Axis label of the KPI with its unit, e.g. "Revenue ($)" or "Leads"."""
        word = self.kpi_word.capitalize()
        return f"{word} ({self.symbol.strip()})" if self.is_money_kpi else word

    @property
    def return_name(self) -> str:
        """Name of the return metric charts quote: "ROAS", "pipeline ROI", or "cost per lead"."""
        return self.kind.headline_name

    @property
    def return_is_cost(self) -> bool:
        """True when the return metric is a cost per outcome (lower is better)."""
        return self.kind.cost_is_headline

    def money(self, x: float, digits: int = 1) -> str:
        """Compact money: ``$1.2M``, ``$45k``, ``$950``."""
        return f"{'-' if x < 0 else ''}{self.symbol}{compact(abs(x), digits)}"

    def kpi(self, x: float, digits: int = 1, unit: bool = True) -> str:
        """A KPI amount: money for revenue/pipeline, ``1.2k leads`` for leads."""
        if self.is_money_kpi:
            return self.money(x, digits)
        return compact(x, digits) + (f" {self.kind.word}" if unit else "")

    def ratio(self, r: float) -> str:
        """A return ratio (KPI per currency unit), as written on charts: ``3.1x``."""
        if not np.isfinite(r):
            return "n/a"
        if abs(r) < 1:
            return f"{r:.2f}x"
        return f"{r:.1f}x" if abs(r) < 100 else f"{r:,.0f}x"

    def ret(self, roas: float) -> str:
        """The return metric as text: ``3.1x`` (ROAS / pipeline ROI) or ``$85`` (cost per lead)."""
        if self.return_is_cost:
            return self.money(1.0 / roas, 1) if roas > 0 else "n/a"
        return self.ratio(roas)


def units_of(obj: Any = None) -> Units:
    """Units from a :class:`Units`, a spec, a fitted model, a KPI type name or ``None`` (revenue, USD)."""
    if obj is None:
        return Units()
    if isinstance(obj, Units):
        return obj
    if isinstance(obj, str):
        return Units(kpi_type=obj)
    spec = getattr(obj, "spec", obj)
    kpi = getattr(spec, "kpi", None)
    if kpi is not None:
        return Units(kpi_type=kpi.type, currency=getattr(spec, "currency", "USD"))
    raise TypeError(f"units: expected a Spec, FittedModel, Units or KPI type name; got {type(obj).__name__}.")


def compact(x: float, digits: int = 1) -> str:
    """``1234567 -> "1.2M"``, ``45000 -> "45k"``, ``12.5 -> "12.5"``, ``0.0042 -> "0.0042"``; trailing ``.0``
    dropped; a non-zero amount never prints as ``0``."""
    if x is None or not np.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(float(x))
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div * 0.9995:
            d = digits + 1 if div == 1e3 and a < 1e4 else digits
            return sign + trim_zeros(f"{a / div:.{d}f}") + suf
    if a >= 100:
        return sign + f"{a:,.0f}"
    if a >= 1:
        return sign + trim_zeros(f"{a:.{digits}f}")
    if a == 0:
        return "0"
    return sign + trim_zeros(f"{a:.{max(2, 1 - math.floor(math.log10(a)))}f}")  # 2 significant figures: never 0


def pct(x: float, decimals: int = 0) -> str:
    """A share as a percentage, never "-0%": ``0.456 -> "46%"``."""
    if x is None or not np.isfinite(x):
        return "n/a"
    v = round(float(x) * 100, decimals)
    return f"{v + 0.0:.{decimals}f}%"


def trim_zeros(s: str) -> str:
    """``12.0 -> 12``, ``1.50 -> 1.5``."""
    return s[:-2] if s.endswith(".0") else (s.rstrip("0").rstrip(".") if "." in s else s)


def label(name: str) -> str:
    """A channel or component name as marketers write it: ``google_search -> "Google Search"``."""
    key = str(name).lower()
    if key in KNOWN_LABELS:
        return KNOWN_LABELS[key]
    text = str(name).replace("_", " ").strip()
    if len(text) <= 3:
        return text.upper()
    return text[0].upper() + text[1:]
