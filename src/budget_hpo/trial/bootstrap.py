"""Block-bootstrap intervals over evaluation origins: for direction AUCs and for the means of
forecast losses.

Neighbouring origins share most of their input window and the same market moves, so (series,
origin) pairs are far from independent: an i.i.d. bootstrap over pairs understates the noise.
The moving-block bootstrap resamples whole runs of ``block`` consecutive origins (every series of
an origin together) and recomputes the AUC on each resample; the interval is the percentile one
(:func:`budget_hpo.intervals.interval`).
A paired difference (model minus baseline) uses the same resamples for both, so it keeps their
correlation.

The AUC of a resample is a weighted Mann-Whitney statistic over the original elements (an
origin drawn k times weighs k). One sort of the scores gives the pair counts between every two
origins, after which each resample costs a quadratic form in its origin counts: 1,000 resamples
of a 200-origin, 32-series split take a few tens of milliseconds. A mean over the elements of
a resample (a forecast loss) is a weighted mean of the origins' sums, one matrix product.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["block_indices", "bootstrap_aucs", "bootstrap_means", "verdict"]


def block_indices(n_origins: int, block: int, resamples: int, seed: int) -> np.ndarray:
    """Origin counts of each resample, ``[resamples, n_origins]``: how often each origin is drawn
    by a moving-block bootstrap (blocks of ``block`` consecutive origins, truncated to length).
    The block is capped at a quarter of the origins, so that resamples can differ."""
    rng = np.random.default_rng(seed)
    block = max(1, min(block, n_origins // 4))
    n_blocks = -(-n_origins // block)
    starts = rng.integers(0, n_origins - block + 1, size=(resamples, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1)[:, :n_origins]
    counts = np.zeros((resamples, n_origins))
    np.add.at(counts, (np.arange(resamples)[:, None], idx), 1.0)
    return counts


def _pair_counts(labels: np.ndarray, scores: np.ndarray, origins: np.ndarray, n_origins: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``A[p, q]``: pairs (positive in origin p, negative in origin q) the score ranks right (a
    tie counts one half); and the positives and negatives per origin. With origin weights ``c``
    the weighted AUC is ``c·A·c / ((c·pos)(c·neg))``: one sort serves every resample."""
    order = np.argsort(scores, kind="mergesort")
    s, y, o = scores[order], labels[order], origins[order]
    neg_onehot = np.zeros((s.size, n_origins))
    neg_onehot[np.flatnonzero(~y), o[~y]] = 1.0
    new_group = np.r_[True, s[1:] != s[:-1]]
    starts, group = np.flatnonzero(new_group), np.cumsum(new_group) - 1
    below = np.cumsum(neg_onehot, axis=0) - neg_onehot  # negatives strictly before, per origin
    credit = below[starts][group] + 0.5 * np.add.reduceat(neg_onehot, starts, axis=0)[group]
    pairs = np.zeros((n_origins, n_origins))
    np.add.at(pairs, o[y], credit[y])
    return (pairs, np.bincount(o[y], minlength=n_origins).astype(float),
            np.bincount(o[~y], minlength=n_origins).astype(float))


def bootstrap_aucs(
    realised: np.ndarray,
    scores: Mapping[str, np.ndarray],
    threshold: float,
    *,
    resamples: int,
    block: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Each scorer's AUC on every block-bootstrap resample of the origins.

    Args:
        realised: realised changes ``[origins, series]``; the label is ``realised > threshold``.
        scores: name -> forecast of the change ``[origins, series]`` (model and baselines).

    Returns:
        name -> ``[resamples]`` AUCs (NaN for a resample that drew a single class).
    """
    realised = np.asarray(realised)
    n_origins, n_series = realised.shape
    labels = (realised > threshold).reshape(-1)
    origins = np.repeat(np.arange(n_origins), n_series)
    counts = block_indices(n_origins, block, resamples, seed)  # [resamples, origins]
    out = {}
    for name, score in scores.items():
        pairs, pos, neg = _pair_counts(labels, np.asarray(score, float).reshape(-1), origins,
                                       n_origins)
        right = ((counts @ pairs) * counts).sum(axis=1)  # c·A·c per resample (a matrix product:
        # 14x faster than einsum's loop; exact, as counts and pair credits are halves)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = right / ((counts @ pos) * (counts @ neg))
    return out


def bootstrap_means(sums: np.ndarray, size: int, *, resamples: int, block: int, seed: int
                    ) -> np.ndarray:
    """The mean over the elements on every block-bootstrap resample of the origins.

    Args:
        sums: each origin's sum over its ``size`` elements, ``[origins]``.

    Returns:
        ``[resamples]`` means: an origin drawn k times weighs k. The resamples are those
        :func:`bootstrap_aucs` draws with the same ``resamples``, ``block`` and ``seed``.
    """
    sums = np.asarray(sums, dtype=np.float64)
    counts = block_indices(sums.size, block, resamples, seed)  # [resamples, origins]
    return (counts @ sums) / (counts.sum(axis=1) * size)


def verdict(low: float, high: float) -> str:
    """A paired gap's verdict: ``beats`` when the whole 95% interval of (model - baseline) lies
    above 0, ``loses to`` when it lies below, else ``ties``."""
    return "beats" if low > 0 else "loses to" if high < 0 else "ties"
