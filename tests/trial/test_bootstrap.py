"""Block-bootstrap intervals: AUCs and means exact on resamples, and honest AUC coverage on a
dependent panel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from budget_hpo.intervals import interval
from budget_hpo.trial.bootstrap import block_indices, bootstrap_aucs, bootstrap_means


def test_each_resample_is_the_auc_of_the_drawn_origins():
    rng = np.random.default_rng(0)
    realised = rng.standard_normal((60, 8))
    score = 0.5 * realised + rng.standard_normal((60, 8))
    score[4, :3] = score[5, :3]  # ties across origins count one half, as in roc_auc_score
    counts = block_indices(60, 7, 4, seed=3)
    aucs = bootstrap_aucs(realised, {"m": score}, 0.0, resamples=4, block=7, seed=3)["m"]
    for drawn, auc in zip(counts, aucs, strict=True):
        rows = np.repeat(np.arange(60), drawn.astype(int))
        expected = roc_auc_score((realised[rows] > 0).reshape(-1), score[rows].reshape(-1))
        assert auc == np.float64(expected) or abs(auc - expected) < 1e-12
    assert counts.sum(axis=1).tolist() == [60] * 4  # every resample has as many origins


def test_each_resample_mean_is_the_mean_over_the_drawn_origins_elements():
    """A loss's resample: every element of an origin drawn k times counts k times, and the
    origins drawn are those of the AUC's resample with the same settings."""
    values = np.random.default_rng(0).standard_normal((40, 6))  # [origins, elements]
    counts = block_indices(40, 5, 4, seed=9)
    means = bootstrap_means(values.sum(axis=1), 6, resamples=4, block=5, seed=9)
    for drawn, mean in zip(counts, means, strict=True):
        rows = np.repeat(np.arange(40), drawn.astype(int))
        assert mean == pytest.approx(values[rows].mean(), rel=1e-12)


def dependent_panel(rng, n_origins=200, n_series=16, shift=0.6, rho=0.5):
    """Labels i.i.d.; scores = shift·label + noise that is shared across series and AR(1) over
    origins (marginally standard normal), so the true AUC is Phi(shift/sqrt(2))."""
    common = np.zeros(n_origins)
    for t in range(1, n_origins):
        common[t] = rho * common[t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal()
    noise = np.sqrt(0.7) * common[:, None] + np.sqrt(0.3) * rng.standard_normal(
        (n_origins, n_series))
    labels = rng.random((n_origins, n_series)) < 0.5
    return labels.astype(float), shift * labels + noise


@pytest.mark.slow
def test_block_intervals_cover_the_true_auc_at_about_the_nominal_rate():
    rng = np.random.default_rng(1)
    truth = norm.cdf(0.6 / np.sqrt(2))
    covered, widths = [], []
    for rep in range(200):
        labels, score = dependent_panel(rng)
        samples = bootstrap_aucs(labels, {"m": score}, 0.5, resamples=400, block=10, seed=rep)["m"]
        ci = interval(roc_auc_score(labels.reshape(-1) > 0.5, score.reshape(-1)), samples)
        covered.append(ci.low <= truth <= ci.high)
        widths.append(ci.high - ci.low)
    assert 0.88 <= np.mean(covered) <= 0.99, np.mean(covered)
    # an i.i.d. bootstrap over (origin, series) pairs is too narrow on the same data
    labels, score = dependent_panel(np.random.default_rng(2))
    pairs = np.random.default_rng(3).integers(0, labels.size, size=(400, labels.size))
    iid = [roc_auc_score(labels.reshape(-1)[p] > 0.5, score.reshape(-1)[p]) for p in pairs]
    assert np.subtract(*np.percentile(iid, [97.5, 2.5])) < 0.9 * np.median(widths)
