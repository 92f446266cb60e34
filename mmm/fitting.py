"""Fit the model a spec describes: the plain adstock-and-saturation model; when the spec has
``branded_search:``, the brand -> branded search -> KPI mediation model; when it has ``funnel:``,
the lead model with the funnel's later stages (opportunities, pipeline, closed-won); when it has
``geo_column:``, the hierarchical geo (panel) model (:mod:`mmm.geo`).

This is what ``mmm fit`` calls, so the spec alone decides which model is fitted; in Python,
``Model(spec).fit(...)`` and ``fit_mediated(spec, ...)`` remain available to choose directly.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmm.errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    from mmm.fitted import FittedModel
    from mmm.funnel import FunnelFit
    from mmm.geo.fit import GeoFit
    from mmm.mediation import MediatedFit
    from mmm.spec import Spec


def _is_instance(fitted: Any, module: str, name: str) -> bool:
    """``isinstance`` without importing ``module`` (and PyMC with it) when nothing has loaded it yet."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(fitted, getattr(loaded, name))


def is_mediated(fitted: Any) -> bool:
    """True for a brand-search mediation fit (:class:`~mmm.mediation.MediatedFit`)."""
    return _is_instance(fitted, "mmm.mediation", "MediatedFit")


def is_funnel(fitted: Any) -> bool:
    """True for a lead-gen funnel fit (:class:`~mmm.funnel.FunnelFit`)."""
    return _is_instance(fitted, "mmm.funnel", "FunnelFit")


def is_geo(fitted: Any) -> bool:
    """True for a geo (panel) fit (:class:`~mmm.geo.fit.GeoFit`)."""
    return _is_instance(fitted, "mmm.geo.fit", "GeoFit")


def total_view(fitted: Any) -> FittedModel:
    """The fit as a plain :class:`~mmm.fitted.FittedModel` of each channel's **total** effect.

    A plain fit is returned as it is; a mediation fit gives its direct + indirect (via branded
    search) effects, which is what tables, plans and the deck report; a funnel fit gives its
    lead model (channels -> leads, the KPI the plan optimises); a geo fit gives its national view
    (every geo summed; planning sees the sum of the geo responses).
    """
    if is_geo(fitted):
        return fitted.total_view()
    if is_funnel(fitted):
        return fitted.leads
    return fitted.as_fitted("total") if is_mediated(fitted) else fitted


def fit_spec(spec: Spec | str | Path | dict, data: Any = None, *, aggregate_geo: bool = False,
             **settings: Any) -> FittedModel | MediatedFit | FunnelFit | GeoFit:
    """Fit the model ``spec`` describes.

    Parameters
    ----------
    spec : Spec, dict or path
        The spec. With ``branded_search:`` (a column, or a mapping with ``column``,
        ``brand_channels``, ``paid_brand_search``, ``search_l_max``, ``compare_plain``) the
        mediation model is fitted; otherwise the plain model.
    data : path or DataFrame, optional
        The data (default: the spec's ``data:``).
    aggregate_geo : bool
        Sum a panel's geos into national weeks and fit the plain model (with ``geo_column`` in the
        spec, the geo model is fitted unless this is set).
    **settings
        ``draws``, ``tune``, ``chains``, ``seed``, ``sampler``, ``holdout_weeks``,
        ``aggregate_daily``, ``progressbar``: as :meth:`mmm.fitted.Model.fit`.

    Returns
    -------
    FittedModel, MediatedFit, FunnelFit or GeoFit
    """
    from mmm.fitted import Model, as_spec

    spec = as_spec(spec)
    if getattr(spec, "geo_column", None) and not aggregate_geo:
        return _fit_geo(spec, data, **settings)
    if spec.funnel and spec.branded_search:
        raise SpecError("The spec has both 'funnel:' and 'branded_search:'; one model answers one question. "
                        "Fit the funnel from one spec and the brand-search mediation from another.")
    if spec.funnel:
        return _fit_funnel(spec, data, aggregate_geo=aggregate_geo, **settings)
    if not spec.branded_search:
        return Model(spec).fit(data, aggregate_geo=aggregate_geo, **settings)
    if aggregate_geo:
        raise SpecError("The brand-search mediation model (branded_search: in the spec) takes national weekly "
                        "data: sum the geos first, or leave branded_search out to fit the plain model with "
                        "--aggregate-geo.")
    from mmm.mediation import fit_mediated

    m = spec.mediation
    fit = fit_mediated(spec, data, brand_channels=list(m.brand_channels) if m.brand_channels else None,
                       paid_brand_search=m.paid_brand_search, search_l_max=m.search_l_max,
                       compare_plain=m.compare_plain, **settings)
    if fit.diagnostics.health is None:  # judged on the total effects it reports, as a plain fit is
        total_view(fit).check_health()
    return fit


def _fit_geo(spec: Spec, data: Any, **settings: Any) -> GeoFit:
    if spec.funnel or spec.branded_search:
        raise SpecError("The geo model (geo_column: in the spec) fits the plain adstock-and-saturation model per "
                        "geo; leave out 'funnel:' / 'branded_search:', or sum the geos with --aggregate-geo.")
    from mmm.geo.fit import fit_geo

    return fit_geo(spec, data, **settings)


def _fit_funnel(spec: Spec, data: Any, *, aggregate_geo: bool, **settings: Any) -> FunnelFit:
    from mmm.funnel import fit_funnel

    unsupported = [k for k in ("holdout_weeks", "aggregate_daily") if settings.get(k)] + \
        (["aggregate_geo"] * aggregate_geo)
    if unsupported:
        raise SpecError(f"The funnel model (funnel: in the spec) takes weekly national data without "
                        f"{', '.join(unsupported)}; leave those options out.")
    keep = {k: settings[k] for k in ("draws", "tune", "chains", "sampler", "seed", "target_accept", "progressbar")
            if settings.get(k) is not None}
    return fit_funnel(spec, data, stages=spec.funnel, **keep)
