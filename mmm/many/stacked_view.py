"""A stacked fit seen as one fitted model: ``mmm plan`` and ``mmm report`` on a ``--forms auto`` folder.

:func:`mmm.many.stacking.fit_forms` fits the plausible carryover x saturation forms and weighs
them by stacking. :class:`StackedView` is the weighted mixture of those fits, with the interface
of :class:`~mmm.fitted.FittedModel`: a share ``w_k`` of its posterior draws comes from form
``k``. So everything computed from draws carries the uncertainty about the form:

* components, contributions, ROAS, the channel table, the fit chart and its fit checks (the
  forms' component draws, concatenated);
* plans, the brand split, response curves and marginal returns
  (:class:`mmm.planning.mixture.MixtureResponseModel`: each draw responds with its own form);
* carryover (each draw's carryover weights, in ``params["carryover_weights"]``).

What has no meaning across forms comes from the heaviest form and says so: the trace plots
(its ``idata``), and its spec's ``model.adstock`` / ``model.saturation``. Parameters that exist in
every form with the same shape (ROAS, noise, baseline) are mixed; those of one form's carryover or
saturation (``theta``, ``lam``, ``hill_slope``...) are not in :attr:`params`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import FitError
from mmm.fitted import FittedModel
from mmm.many.stacking import FORMS_FILE
from mmm.response import Layout, carryover_matrix


@dataclass
class StackedView(FittedModel):
    """A weighted mixture of fits of the same data in different forms (see the module docs).

    The inherited fields are the heaviest form's (spec, data, scaling, ``idata``), with
    diagnostics that are the worst over the forms mixed and fit checks of the mixture.
    """

    forms: tuple[FittedModel, ...] = field(default=(), repr=False)
    weights: np.ndarray | None = field(default=None, repr=False)
    form_names: tuple[str, ...] = ()
    #: each form's draws in the mixture (indices into its own draws)
    picks: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, fits: list[FittedModel], weights: np.ndarray, names: list[str], seed: int = 0,
           total: int | None = None) -> StackedView:
        """Mix ``fits`` (heaviest first) with ``weights``.

        Parameters
        ----------
        fits : list of FittedModel
            Fits of the same data (channels, weeks, scaling) in different forms.
        weights : array
            Stacking weights (normalised here).
        names : list of str
            Each form's name (``delayed-hill``).
        seed : int
            Seed of the choice of draws.
        total : int, optional
            Draws of the mixture (default: as many as the fit with the most).
        """
        from mmm.planning.mixture import mixture_draws

        if not fits:
            raise FitError("A stacked fit needs at least one form with weight.")
        first = fits[0]
        for f in fits[1:]:
            if f.spec.channel_names != first.spec.channel_names or f.train_weeks != first.train_weeks \
                    or not np.allclose(f.train.spend, first.train.spend):
                raise FitError("The forms of a stacked fit must share their channels and training weeks.")
        w = np.asarray(weights, dtype="float64")
        w = w / w.sum()
        n = [int(f.params["media_beta"].shape[0]) for f in fits]
        picks = mixture_draws(n, w, int(total or max(n)), seed)
        keep = [k for k, p in enumerate(picks) if len(p)]  # a weight too small for one draw adds nothing
        fits, names, picks = [fits[k] for k in keep], [names[k] for k in keep], [picks[k] for k in keep]
        w = w[keep] / w[keep].sum()
        first = fits[0]
        layout = _mixture_layout([f.layout for f in fits])
        view = cls(spec=first.spec, dataset=first.dataset, scaling=first.scaling, idata=first.idata,
                   diagnostics=_worst_diagnostics([f.diagnostics for f in fits], names), train_weeks=first.train_weeks,
                   forms=tuple(fits), weights=w, form_names=tuple(names), picks=tuple(picks))
        view._layout = layout
        view._params = view._mixed_params()
        view.check_fit()
        return view

    # ---------------------------------------------------------------- the mixture
    @property
    def layout(self) -> Layout:
        """The heaviest form's layout, with each channel's longest carryover window over the forms."""
        return self._layout

    def _mixed_params(self) -> dict[str, np.ndarray]:
        """Parameters every form has with the same shape, mixed; and each draw's carryover weights."""
        params = [f.params for f in self.forms]
        out = {}
        for name, arr in params[0].items():
            if all(name in p and p[name].shape[1:] == arr.shape[1:] for p in params[1:]):
                out[name] = np.concatenate([p[name][i] for p, i in zip(params, self.picks, strict=True)], axis=0)
        L = self.layout.max_l
        weights = []
        for f, i in zip(self.forms, self.picks, strict=True):
            w = np.asarray(carryover_matrix(f.params, f.layout))[i]
            weights.append(np.pad(w, ((0, 0), (0, 0), (0, L - w.shape[-1]))))
        out["carryover_weights"] = np.concatenate(weights, axis=0)
        return out

    def components(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Posterior draws of every component (KPI units), from each form's draws in the mixture."""
        parts = [f.components(start, stop) for f in self.forms]
        return {name: np.concatenate([p[name][i] for p, i in zip(parts, self.picks, strict=True)], axis=0)
                for name in parts[0] if all(name in p for p in parts)}

    def response_model(self) -> Any:
        """What planning reads: the mixture of the forms' responses."""
        from mmm.planning.engine import ResponseModel
        from mmm.planning.mixture import MixtureResponseModel

        return MixtureResponseModel.of([ResponseModel.from_fitted(f) for f in self.forms], self.weights,
                                       list(self.form_names), fitted=self, picks=list(self.picks))

    def forms_table(self) -> pd.DataFrame:
        """``form, adstock, saturation, weight`` of the forms mixed, heaviest first."""
        return pd.DataFrame({"form": list(self.form_names),
                             "adstock": [f.spec.model.adstock for f in self.forms],
                             "saturation": [f.spec.model.saturation for f in self.forms],
                             "weight": self.weights})

    def forms_text(self) -> str:
        """One line: the forms and their weights (``delayed-hill 62%, geometric-logistic 38%``)."""
        return ", ".join(f"{n} {w:.0%}" for n, w in zip(self.form_names, self.weights, strict=True))

    def save(self, path: str | Path) -> Path:
        raise FitError("A stacked fit is saved as its forms' folders and forms.csv (`mmm fit --forms auto`); "
                       "it has no single model.nc.")

    def __repr__(self) -> str:
        return (f"<StackedView {self.spec.kpi.type} '{self.spec.kpi.column}' over {len(self.forms)} forms "
                f"({self.forms_text()}): {self.diagnostics.verdict}>")


def _mixture_layout(layouts: list[Layout]) -> Layout:
    first = layouts[0]
    l_max = tuple(max(lay.l_max[c] for lay in layouts) for c in range(len(first.channels)))
    return replace(first, l_max=l_max)


def _worst_diagnostics(diags: list[Any], names: list[str]) -> Any:
    """The heaviest form's diagnostics, with the worst convergence over the forms mixed: a mixture
    is only as trustworthy as its least converged part (the verdict names the forms at fault)."""
    first = diags[0]
    bad = [f"form {n}: {d.verdict.removeprefix('do not trust: ')}" for d, n in zip(diags, names, strict=True)
           if not d.converged]
    return replace(first, max_rhat=max(d.max_rhat for d in diags),
                   min_ess_bulk=min(d.min_ess_bulk for d in diags), min_ess_tail=min(d.min_ess_tail for d in diags),
                   divergences=int(sum(d.divergences for d in diags)), converged=not bad,
                   verdict=("do not trust: " + "; ".join(bad)) if bad else first.verdict,
                   seconds=float(sum(d.seconds for d in diags)), fast=any(d.fast for d in diags),
                   approximate=any(d.approximate for d in diags), holdout={}, checks=[])


def stacked_digest(out: str | Path) -> str:
    """SHA-256 of a stacked folder's model: ``forms.csv`` and the ``model.nc`` of every form with weight.

    It plays the part of a single fit's ``model.nc`` digest: a saved plan made from other forms
    or other weights is not shown as this model's.
    """
    from mmm.outputs import file_digest

    out = Path(out)
    table = read_forms(out)
    h = hashlib.sha256((out / FORMS_FILE).read_bytes())
    for folder in table["folder"]:
        h.update(file_digest(_form_folder(out, folder) / "model.nc").encode())
    return h.hexdigest()


def read_forms(out: str | Path) -> pd.DataFrame:
    """The forms with weight in a stacked folder's ``forms.csv``, heaviest first."""
    path = Path(out) / FORMS_FILE
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FitError(f"'{path}' could not be read ({exc}); refit with `mmm fit CONFIG --forms auto`.") from None
    missing = {"form", "weight", "folder"} - set(table.columns)
    if missing:
        raise FitError(f"'{path}' lacks the column(s) {sorted(missing)}; refit with `mmm fit CONFIG --forms auto`.")
    table = table[table["weight"].fillna(0) > 0].sort_values("weight", ascending=False).reset_index(drop=True)
    if table.empty:
        raise FitError(f"No form in '{path}' has weight: there is nothing to plan from. See its 'error' and "
                       "'verdict' columns.")
    return table


def _form_folder(out: Path, folder: str) -> Path:
    """A form's folder: as written, or under ``out/forms`` when the stacked folder was moved."""
    path = Path(folder)
    if (path / "model.nc").is_file():
        return path
    return out / "forms" / path.name


def load_stacked(out: str | Path, seed: int = 0) -> StackedView:
    """Load a ``mmm fit --forms auto`` folder as a :class:`StackedView`.

    Raises
    ------
    FitError
        When ``forms.csv`` or a weighted form's ``model.nc`` is missing or unreadable.
    """
    from mmm.persist import load_fit

    out = Path(out)
    table = read_forms(out)
    fits = [load_fit(_form_folder(out, folder) / "model.nc") for folder in table["folder"]]
    view = StackedView.of(fits, table["weight"].to_numpy(), list(table["form"]), seed=seed)
    view.check_health()
    return view
