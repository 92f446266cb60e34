"""Planning on a mixture of response models: the stacked carryover x saturation forms of one fit.

A stacked fit (:mod:`mmm.many.stacking`) is a weighted mixture of several fitted forms of the
same data. Its response to a plan is the mixture's: a share ``w_k`` of the posterior draws comes
from form ``k``, each draw computed with that form's own carryover and saturation. So every
planning quantity (expected KPI, its interval, the probability that a plan beats another,
marginal returns, the brand split) carries the uncertainty about the form as well as about the
parameters of each form.

:class:`MixtureResponseModel` has the interface of :class:`~mmm.planning.engine.ResponseModel`
(its national fields are those of the first part, which shares channels, spend and scaling with
every other part); :meth:`MixtureResponseModel.engine` builds a :class:`MixtureEngine`, which has
the interface planning uses of :class:`~mmm.planning.engine.Engine` and concatenates the parts'
engines along the draw axis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmm.errors import PlanError
from mmm.planning.engine import Engine, PlanFrame, ResponseModel, build_engine, draw_index


def mixture_counts(weights: np.ndarray, total: int) -> np.ndarray:
    """Draws of each part in a mixture of ``total`` draws: ``w_k x total`` rounded by largest
    remainders (they sum to ``total``; a part of positive weight may get 0 only when ``total`` is
    smaller than the number of parts)."""
    w = np.asarray(weights, dtype="float64")
    if w.ndim != 1 or w.size == 0 or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise PlanError(f"Mixture weights must be non-negative and sum to more than 0; got {w.tolist()}.")
    w = w / w.sum()
    counts = np.floor(w * total).astype(int)
    counts[np.argsort(-(w * total - counts))[: int(total) - int(counts.sum())]] += 1
    return counts


def mixture_draws(n_draws: list[int], weights: np.ndarray, total: int, seed: int) -> list[np.ndarray]:
    """Which draws of each part make a mixture of ``total`` draws: sorted indices, without
    replacement while a part has enough draws, with replacement beyond."""
    rng = np.random.default_rng(seed)
    out = []
    for n, k in zip(n_draws, mixture_counts(weights, total), strict=True):
        idx = rng.choice(n, size=int(k), replace=bool(k > n)) if k else np.zeros(0, dtype=int)
        out.append(np.sort(idx))
    return out


@dataclass(frozen=True, eq=False)
class MixtureResponseModel(ResponseModel):
    """A :class:`~mmm.planning.engine.ResponseModel` of a weighted mixture of response models.

    Build one with :meth:`of`. The inherited fields are the first part's (channels, roles,
    spend history, scales, KPI); ``parts`` are the response models mixed, ``weights`` their
    weights (summing to 1) and ``picks`` the draws of each part that make up the mixture's
    draws, in order (part 0's, then part 1's ...): draw ``i`` of the mixture is the same draw
    everywhere it is used, as for a single fit. Planning evaluates :meth:`engine`.
    """

    parts: tuple[ResponseModel, ...] = field(default=(), repr=False)
    weights: np.ndarray | None = field(default=None, repr=False)
    names: tuple[str, ...] = ()
    picks: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, parts: list[ResponseModel], weights: np.ndarray, names: list[str] | None = None,
           fitted: Any = None, picks: list[np.ndarray] | None = None, seed: int = 0) -> MixtureResponseModel:
        """Mix ``parts`` (same channels, spend history and spend scale) with ``weights``.

        ``picks`` are the draws of each part in the mixture (default: :func:`mixture_draws` with
        as many draws as the part with the most, seeded by ``seed``).

        Raises
        ------
        PlanError
            When the parts do not describe the same channels and spend.
        """
        if not parts:
            raise PlanError("A mixture needs at least one response model.")
        first = parts[0]
        for p in parts[1:]:
            if p.channels != first.channels or p.spend_history.shape != first.spend_history.shape \
                    or not np.allclose(p.spend_history, first.spend_history) \
                    or not np.allclose(p.spend_scale, first.spend_scale):
                raise PlanError("The models mixed for planning must share their channels, spend and scaling "
                                f"({p.channels} vs {first.channels}).")
        w = np.asarray(weights, dtype="float64")
        mixture_counts(w, 1)  # validates
        if picks is None:
            picks = mixture_draws([p.n_draws for p in parts], w, max(p.n_draws for p in parts), seed)
        if len(picks) != len(parts):
            raise PlanError(f"picks needs one array of draws per part ({len(parts)}); got {len(picks)}.")
        return cls(layout=first.layout, transform_params=first.transform_params, media_beta=first.media_beta,
                   spend_scale=first.spend_scale, kpi_scale=first.kpi_scale, spend_history=first.spend_history,
                   roles=first.roles, kpi_type=first.kpi_type, kpi_column=first.kpi_column,
                   currency=first.currency, current_weekly=first.current_weekly,
                   approximate=any(p.approximate for p in parts), fitted=fitted, parts=tuple(parts),
                   weights=w / w.sum(), names=tuple(names or (str(i) for i in range(len(parts)))),
                   picks=tuple(np.asarray(i, dtype=int) for i in picks))

    @property
    def n_draws(self) -> int:
        """Draws of the mixture."""
        return int(sum(len(i) for i in self.picks))

    def engine(self, weeks: int, horizon: str, draws: int | None, seed: int) -> MixtureEngine:
        """The mixture's engine for a ``weeks``-week period on a seeded subsample of ``draws`` of its
        draws (all when ``None``), chosen as :func:`~mmm.planning.engine.draw_index` chooses a single
        fit's: so they are the same draws as the fit's parameters at those indices."""
        idx = draw_index(self.n_draws, draws, seed)
        engines, start = [], 0
        for p, pick in zip(self.parts, self.picks, strict=True):
            mine = idx[(idx >= start) & (idx < start + len(pick))] - start
            start += len(pick)
            if len(mine):
                engines.append(build_engine(p, weeks, horizon, None, seed).subset(pick[mine]))
        return MixtureEngine.of(engines)


@dataclass
class MixtureEngine(PlanFrame):
    """Engines of several response models over the same channels, concatenated along the draws.

    Has the interface planning uses of :class:`~mmm.planning.engine.Engine`. Parts whose
    carryover is shorter have a shorter tail: their weekly responses are padded with zeros to
    the longest (no effect lands after a part's own carryover window).
    """

    parts: list[Engine]

    @classmethod
    def of(cls, parts: list[Engine]) -> MixtureEngine:
        """Concatenate ``parts`` (same channels, current spend, scale, weeks and horizon)."""
        first = parts[0]
        for p in parts[1:]:
            if p.channels != first.channels or p.weeks != first.weeks or p.horizon != first.horizon:
                raise PlanError("The engines mixed must share channels, weeks and horizon.")
        return cls(first.channels, first.roles, first.current, first.scale, first.weeks, first.horizon, list(parts))

    @property
    def n_draws(self) -> int:
        return sum(p.n_draws for p in self.parts)

    @property
    def n_time(self) -> int:
        return max(p.n_time for p in self.parts)

    def _split(self, idx: np.ndarray) -> list[np.ndarray]:
        """Indices into the concatenated draws, as indices into each part."""
        idx = np.asarray(idx, dtype=int)
        out, start = [], 0
        for p in self.parts:
            out.append(idx[(idx >= start) & (idx < start + p.n_draws)] - start)
            start += p.n_draws
        return out

    def subset(self, idx: np.ndarray) -> MixtureEngine:
        """The same mixture on a subset of its draws (indices into the concatenated draws)."""
        parts = [p.subset(i) for p, i in zip(self.parts, self._split(idx), strict=True) if len(i)]
        return MixtureEngine.of(parts)

    def channel_subset(self, idx: Any) -> MixtureEngine:
        """The same mixture restricted to some channels (in the order given)."""
        return MixtureEngine.of([p.channel_subset(idx) for p in self.parts])

    def weekly(self, x: np.ndarray) -> np.ndarray:
        """Incremental KPI per week of plan ``x``, ``(S, n_time, C)``."""
        n = self.n_time
        out = []
        for p in self.parts:
            w = p.weekly(x)
            if w.shape[1] < n:
                w = np.concatenate([w, np.zeros((w.shape[0], n - w.shape[1], w.shape[2]))], axis=1)
            out.append(w)
        return np.concatenate(out, axis=0)

    def totals_grad(self, x: np.ndarray, grad: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI over the horizon per draw and channel ``(S, C)`` and its derivative in each weekly spend."""
        parts = [p.totals_grad(x, grad) for p in self.parts]
        tot = np.concatenate([t for t, _ in parts], axis=0)
        return tot, (np.concatenate([g for _, g in parts], axis=0) if grad else None)

    def channel_curve(self, c: int, xs: np.ndarray, grad: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """KPI over the horizon of channel ``c`` at weekly spends ``xs``: ``(N, S)`` (and derivative)."""
        parts = [p.channel_curve(c, xs, grad) for p in self.parts]
        tot = np.concatenate([t for t, _ in parts], axis=1)
        return tot, (np.concatenate([g for _, g in parts], axis=1) if grad else None)

    def carry_in(self) -> np.ndarray:
        """KPI inside the period from spend before it, ``(S, C)``."""
        return np.concatenate([p.carry_in() for p in self.parts], axis=0)
