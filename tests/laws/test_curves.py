"""The two shapes of a law and their vectorised least-squares fits."""

from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit

from budget_hpo.laws import curves
from budget_hpo.laws.curves import ALPHA_BOUNDS, LogLinear, PowerLaw, fit_lines, fit_power_laws

SIZES = np.logspace(5, 8, 6)


def test_the_power_law_fit_is_the_least_squares_one_that_curve_fit_finds():
    rng = np.random.default_rng(0)
    y = 0.5 + 10 * SIZES**-0.3 + rng.normal(0, 0.005, (3, SIZES.size))
    fits = fit_power_laws(SIZES, y)
    for row, params in zip(y, fits.params, strict=True):
        expected, _ = curve_fit(lambda n, e, a, alpha: e + a * n**-alpha, SIZES, row,
                                p0=params * 1.2, maxfev=20000)
        assert np.allclose(params, expected, rtol=1e-3)
    assert not fits.at_bound.any() and not fits.unconverged.any()


def test_an_exact_power_law_is_recovered_at_any_scale_of_a():
    for e, a, alpha in ((0.5, 10.0, 0.3), (2.0, -3e3, 0.7), (0.1, 0.05, 0.05)):
        (fit,) = fit_power_laws(SIZES, (e + a * SIZES**-alpha)[None]).params
        assert np.allclose(fit, [e, a, alpha], rtol=1e-5)
        assert np.isclose(PowerLaw(*fit).at(3e6), e + a * 3e6**-alpha, rtol=1e-6)


def test_data_that_do_not_bend_run_to_the_exponents_bounds():
    straight = 0.9 - 0.05 * np.log10(SIZES)  # a line in log N: alpha -> 0
    step = np.r_[1.0, np.full(SIZES.size - 1, 0.5)]  # all of the change at once: alpha -> max
    fits = fit_power_laws(SIZES, np.stack([straight, step]))
    assert fits.at_bound.tolist() == [True, True]
    assert fits.params[:, 2].tolist() == list(ALPHA_BOUNDS)
    assert np.isfinite(fits.params).all()


def test_a_search_that_does_not_converge_keeps_its_grid_point(monkeypatch):
    real = curves.find_minimum

    def failing(f, init, args, tolerances):
        found = real(f, init, args=args, tolerances=tolerances)
        found.success = np.zeros_like(found.success)
        return found

    monkeypatch.setattr(curves, "find_minimum", failing)
    fits = fit_power_laws(SIZES, (0.5 + 10 * SIZES**-0.3)[None])
    assert fits.unconverged.tolist() == [True]
    assert fits.params[0, 2] in curves._GRID  # the grid's best
    assert abs(fits.params[0, 2] - 0.3) < 0.03  # within one step (~9%) of the truth


def test_lines_are_fitted_row_by_row():
    x = np.log10(SIZES)
    y = np.stack([1 + 0.1 * x, 2 - 0.3 * x])
    assert np.allclose(fit_lines(x, y), [[1, 0.1], [2, -0.3]])
    assert np.isclose(LogLinear(1, 0.1).at(1e6), 1.6)
