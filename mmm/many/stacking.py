"""Structural uncertainty by stacking: ``mmm fit CONFIG --forms auto`` (or ``fit: {forms: auto}``).

One carryover x saturation form is a choice the data rarely settles, and a single form's 90%
intervals ignore it: they can be tight and wrong together. Here the plausible forms for the KPI
type (:data:`PLAUSIBLE_FORMS`) are fitted in parallel on the same weeks and combined by Bayesian
stacking of their predictive distributions (Yao, Vehtari, Simpson and Gelman 2018, "Using stacking
to average Bayesian predictive distributions"): the weights maximise the leave-one-out log score
of the weighted mixture (:func:`mmm.many.scores.stacking_weights`). Each channel's contribution
and ROAS are then the mixture's: posterior draws of every form, in proportion to its weight.

Writes, in ``OUT``:

* ``channels.csv`` with the columns of a single fit's, from the stacked draws;
* ``forms.csv``: ``form, adstock, saturation, weight, elpd_loo, se, elpd_diff, diff_se, p_loo,
  n_high_k, stacked, verdict, health, folder`` (a form that did not converge is not weighted
  while another did);
* ``forms/<form>/``: each form's own fit folder (``mmm plan`` and ``mmm report`` work on those).

``mmm plan OUT`` and ``mmm report OUT`` read such a folder as one fitted model, the stacked
mixture (:mod:`mmm.many.stacked_view`): plans, curves and the deck carry model-form uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.errors import SpecError
from mmm.many.specs import set_dotted, spec_dict, task_spec
from mmm.many.tasks import FitSummary, FitTask

FORMS_FILE = "forms.csv"
FORMS_FOLDER = "forms"
#: Draws of the stacked mixture (each form contributes ``round(weight x STACKED_DRAWS)``).
STACKED_DRAWS = 4000

#: The carryover and saturation forms fitted for each KPI type, the preset's first. Revenue
#: responds in the week of spend (geometric) or a little later; pipeline and leads usually late
#: (delayed) but a performance channel can capture demand at once; saturation is concave
#: (logistic) or S-shaped (hill) for every KPI.
PLAUSIBLE_FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "revenue": (("geometric", "logistic"), ("geometric", "hill"), ("delayed", "logistic"), ("delayed", "hill")),
    "pipeline": (("delayed", "logistic"), ("delayed", "hill"), ("geometric", "logistic"), ("geometric", "hill")),
    "leads": (("delayed", "logistic"), ("delayed", "hill"), ("geometric", "logistic"), ("geometric", "hill")),
}


@dataclass(frozen=True)
class StackedFit:
    """A stacked fit over carryover x saturation forms.

    Attributes
    ----------
    channels : DataFrame
        The stacked channel table (``channels.csv``'s columns).
    forms : DataFrame
        ``forms.csv``: each form's weight and LOO, heaviest first.
    summaries : list of FitSummary
        One per form.
    paths : dict of str to Path
    """

    channels: pd.DataFrame
    forms: pd.DataFrame
    summaries: list[FitSummary]
    paths: dict[str, Path]

    @property
    def heaviest(self) -> str:
        """The form with the largest stacking weight."""
        return str(self.forms.iloc[0]["form"])


def form_name(adstock: str, saturation: str) -> str:
    """``delayed-hill``: a form's name and folder."""
    return f"{adstock}-{saturation}"


def form_tasks(spec: Any, data: Any, out: Path, settings: dict[str, Any]) -> list[FitTask]:
    """One fit task per plausible form of the spec's KPI type, each scored by LOO."""
    raw = spec_dict(spec) if not isinstance(spec, dict) else spec
    if isinstance(data, str | Path):
        raw, data = {**raw, "data": str(Path(data).resolve())}, None
    if raw.get("branded_search") or raw.get("funnel"):
        raise SpecError("--forms auto stacks plain models; this spec has branded_search: or funnel:.")
    if raw.get("geo_column"):
        raise SpecError("--forms auto stacks national models; this spec has geo_column: (a geo panel). Fit the geo "
                        "model with one form, or compare forms with `mmm compare --vary model.adstock=...`.")
    tasks = []
    for adstock, saturation in PLAUSIBLE_FORMS[raw["kpi"]["type"]]:
        name = form_name(adstock, saturation)
        form = set_dotted(set_dotted(raw, "model.adstock", adstock), "model.saturation", saturation)
        form["fit"] = {k: v for k, v in form.get("fit", {}).items() if k != "forms"}
        tasks.append(FitTask(name, task_spec(form, f"form {name}"), str(out / FORMS_FOLDER / name),
                             data if isinstance(data, pd.DataFrame) else None,
                             {k: v for k, v in settings.items() if v is not None}, ("loo",)))
    return tasks


def fit_forms(spec: Any, data: Any = None, out: str | Path = "mmm-out", *, scheduler: Any = None,
              workers: int | None = None, progress: bool = True, mix_seed: int = 0, **settings: Any) -> StackedFit:
    """Fit the plausible forms in parallel and stack them (see the module docs).

    Parameters
    ----------
    spec : Spec, dict or path
    data : path or DataFrame, optional
    out : path
    scheduler, workers, progress
        As :func:`mmm.many.runner.run_fits`.
    mix_seed : int
        Seed of the draw mixing.
    **settings
        Fit settings for every form (``draws``, ``tune``, ``chains``, ``seed``, ``sampler``).

    Returns
    -------
    StackedFit
    """
    from mmm.many.runner import run_fits

    out = Path(out)
    tasks = form_tasks(spec, data, out, settings)
    summaries = run_fits(tasks, scheduler=scheduler, workers=workers, progress=progress)
    return stack_folders(summaries, out, seed=mix_seed)


def forms_table(summaries: list[FitSummary]) -> pd.DataFrame:
    """``forms.csv`` rows: weight and LOO per form, heaviest first.

    Failed forms weigh 0, and so do forms whose sampler did not converge when at least one form
    did (their LOO is not to be trusted); ``stacked`` says which forms were weighted.
    """
    from mmm.many.compare import rank_by_loo

    any_converged = any(s.ok and s.converged for s in summaries)
    usable = [s.ok and (s.converged or not any_converged) for s in summaries]
    table = rank_by_loo([s.name for s in summaries],
                        [s.scores.get("loo") if use else None for s, use in zip(summaries, usable, strict=True)])
    for i, s in enumerate(summaries):  # keep the LOO of a form left out for not converging, for reading
        if s.ok and not usable[i] and s.scores.get("loo"):
            row = table.index[table["variant"] == s.name][0]
            table.loc[row, ["elpd_loo", "se", "p_loo", "n_high_k", "max_k"]] = [
                s.scores["loo"][k] for k in ("elpd_loo", "se", "p_loo", "n_high_k", "max_k")]
    table["stacked"] = table["variant"].map(dict(zip([s.name for s in summaries], usable, strict=True)))
    table = table.rename(columns={"variant": "form"})
    by = {s.name: s for s in summaries}
    table.insert(2, "adstock", table["form"].str.split("-").str[0])
    table.insert(3, "saturation", table["form"].str.split("-").str[1])
    for col in ("verdict", "health", "error", "folder"):
        table[col] = table["form"].map(lambda n, c=col: getattr(by[n], c))
    return table.sort_values(["weight", "elpd_loo"], ascending=False).reset_index(drop=True).drop(columns="rank")


def stack_folders(summaries: list[FitSummary], out: Path, seed: int = 0) -> StackedFit:
    """Stack finished form fits (their folders hold ``model.nc``) and write ``channels.csv`` and
    ``forms.csv``.

    ``channels.csv`` is the channel table of the stacked mixture
    (:class:`mmm.many.stacked_view.StackedView`), computed as a single fit's is.
    """
    from mmm.atomic import atomic_path
    from mmm.many.stacked_view import StackedView
    from mmm.outputs import CHANNEL_COLUMNS
    from mmm.persist import load_fit

    forms = forms_table(summaries)
    used = forms[forms["weight"] > 0]
    if used.empty:
        errors = "; ".join(f"{s.name}: {s.error}" for s in summaries if not s.ok)
        raise SpecError(f"No form could be fitted, so there is nothing to stack ({errors[:400]}).")
    fits = [load_fit(Path(folder) / "model.nc") for folder in used["folder"]]
    view = StackedView.of(fits, used["weight"].to_numpy(), list(used["form"]), seed=seed)
    channels = view.channel_summary()
    out.mkdir(parents=True, exist_ok=True)
    paths = {"channels": out / "channels.csv", "forms": out / FORMS_FILE}
    with atomic_path(paths["channels"]) as tmp:
        channels[CHANNEL_COLUMNS].to_csv(tmp, index=False)
    with atomic_path(paths["forms"]) as tmp:
        forms.to_csv(tmp, index=False)
    return StackedFit(channels, forms, summaries, paths)


def mix_draws(draws: list[np.ndarray], weights: np.ndarray, total: int = STACKED_DRAWS, seed: int = 0) -> np.ndarray:
    """Draws of the mixture: ``round(w_k x total)`` draws of each ``draws[k]`` (``(S_k, ...)``), taken
    without replacement while a form has enough draws, with replacement beyond (as
    :func:`mmm.planning.mixture.mixture_draws` picks them)."""
    from mmm.planning.mixture import mixture_draws

    picks = mixture_draws([d.shape[0] for d in draws], weights, total, seed)
    return np.concatenate([d[i] for d, i in zip(draws, picks, strict=True) if len(i)], axis=0)
