"""Topic 18: the bias-variance trade-off.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file:

* polynomial coefficients are stored LOWEST power first: ``w[0]`` is the
  intercept and ``w[k]`` multiplies ``x**k`` (np.polyfit and np.vander use the
  opposite order; np.polynomial.polynomial uses this one);
* no function may modify its input arrays;
* all randomness comes from the ``rng`` argument (np.random.Generator).

Suggested order: polynomial_features, predict_polynomial, fit_polynomial,
bias_variance_decomposition, diagnose, bagging_variance, ridge_bias_variance,
plot_bias_variance.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    """The polynomial design matrix [1, x, x^2, ..., x^degree].

        Phi[n, k] = x[n] ** k,   k = 0, ..., degree     (and 0 ** 0 = 1)

    Args:
        x: (N,) inputs, N >= 1.
        degree: integer >= 0.

    Returns:
        (N, degree + 1) float64 array; a single input gives shape (1, degree + 1)
        and degree 0 gives a column of ones of shape (N, 1).

    Raises:
        ValueError: if x is not 1-D or degree is not an integer >= 0.

    Hint: broadcasting, x[:, None] ** np.arange(degree + 1). This is
    np.vander(x, degree + 1, increasing=True): np.vander's default order is
    decreasing, the classic mix-up.
    """
    raise NotImplementedError


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int, lam: float = 0.0) -> np.ndarray:
    """Least-squares (lam = 0) or ridge (lam > 0) polynomial fit; the intercept is not penalised.

    Minimises over the intercept b and the slopes w_1, ..., w_degree

        sum_n (y_n - b - sum_k w_k x_n^k)^2  +  lam * sum_{k >= 1} w_k^2

    (a SUM of squares, not a mean), which is scikit-learn's
    Ridge(alpha=lam, fit_intercept=True) on the features x, x^2, ..., x^degree
    and LinearRegression() for lam = 0. Eliminating b: centre the feature
    columns and y, solve the ridge problem for the slopes, then
    b = mean(y) - mean(X, axis=0) @ w.

    Uniqueness: for lam > 0 the minimiser is unique. For lam = 0 with fewer
    distinct x values than degree + 1 it is not; return the minimum-norm
    solution of the column-scaled problem (np.linalg.lstsq does this), whose
    predictions at the training points are still a least-squares fit
    (with N <= degree + 1 distinct points they interpolate y). degree 0
    returns [mean(y)] for every lam.

    Accuracy guaranteed by the tests: coefficients to 1e-9 (relative) against
    the ridge normal equations for well-conditioned problems (degree 3);
    at degree 12 on [0, 1] with lam = 0, where the monomial basis has a
    condition number near 5e8 after centring and column scaling, predictions
    at the training points to 1e-7 of the scale of y (coefficients themselves
    are then only good to a few digits: no method in float64 does better in
    this basis).

    Args:
        x: (N,) inputs.
        y: (N,) targets.
        degree: integer >= 0.
        lam: ridge strength >= 0.

    Returns:
        w: (degree + 1,) coefficients, w[0] the intercept.

    Raises:
        ValueError: if x, y are not 1-D of the same shape, degree < 0 or lam < 0.

    Hint: do NOT form the normal equations (X^T X + lam I) w = X^T y: X^T X
    squares the condition number (5e8 -> 1e17 at degree 12 on [0, 1]). Solve
    the stacked least-squares problem [Xc; sqrt(lam) I] w ~ [yc; 0] with
    np.linalg.lstsq, after dividing each column of Xc by its norm (and the
    penalty rows accordingly); divide the solution by the same norms. A column
    of zeros (a single training point) must keep scale 1.
    """
    raise NotImplementedError


def predict_polynomial(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Evaluate the polynomial with coefficients w (lowest power first) at x.

        f(x) = w[0] + w[1] x + ... + w[D] x^D

    Args:
        w: (D + 1,) coefficients, D >= 0.
        x: (N,) inputs.

    Returns:
        (N,) values (shape (1,) for a single input, never a scalar).

    Hint: Horner's rule, out = out * x + w[k] for k from D down to 0, or
    polynomial_features(x, len(w) - 1) @ w. np.polyval expects the
    coefficients highest power first: passing w to it is the classic bug.
    """
    raise NotImplementedError


def bias_variance_decomposition(
    true_fn: Callable[[np.ndarray], np.ndarray],
    noise_std: float,
    degree: int,
    n_train: int,
    n_datasets: int,
    x_test: np.ndarray,
    rng: np.random.Generator,
) -> dict:
    """Monte Carlo estimate of bias^2, variance and noise for a polynomial fit (lam = 0).

    Repeat n_datasets times, each time with a NEW, independent training set:

        x_i ~ Uniform[min(x_test), max(x_test)],  i = 1..n_train
        y_i = true_fn(x_i) + noise_std * standard normal
        w_r = fit_polynomial(x, y, degree);  pred[r] = predict_polynomial(w_r, x_test)

    and draw, for each repetition, fresh test labels y_test = true_fn(x_test) +
    noise_std * standard normal. Then, with the mean over repetitions r as the
    estimate of the expectation over training sets, and the mean over test
    points at the end:

        bias2        = mean_x ( mean_r pred[r](x) - true_fn(x) )^2
        variance     = mean_x ( mean_r ( pred[r](x) - mean_r pred[r](x) )^2 )   (ddof = 0)
        noise        = noise_std^2                                              (exact)
        expected_mse = mean_{r, x} ( y_test[r](x) - pred[r](x) )^2             (measured)

    With ddof = 0, bias2 + variance is exactly the mean of (pred - f)^2 over
    all r and x, so bias2 + variance + noise differs from expected_mse only by
    the Monte Carlo error of the test noise, of standard deviation
    sqrt(2 noise^2 + 4 noise (bias2 + variance)) / sqrt(n_datasets * len(x_test)).

    Args:
        true_fn: the regression function f; called with arrays of any shape,
            applied element-wise.
        noise_std: standard deviation sigma >= 0 of the Gaussian label noise.
        degree: polynomial degree of the model.
        n_train: training points per data set.
        n_datasets: number R >= 2 of independent training sets.
        x_test: (M,) fixed test inputs; also define the input range.
        rng: the only source of randomness (same seed -> same result).

    Returns:
        dict with float values under the keys "bias2", "variance", "noise",
        "expected_mse".

    Hint: draw all training inputs at once, rng.uniform(lo, hi, size=(R, n)),
    so that every data set gets its own x (re-using one x for every data set
    measures a different, fixed-design variance). Keep the predictions in an
    (R, M) array and take means over axis 0 first.
    """
    raise NotImplementedError


def diagnose(train_error: float, val_error: float, target_error: float, tol: float) -> str:
    """Name the problem from three errors: the bias gap and the variance gap.

        high bias      when  train_error - target_error > tol
        high variance  when  val_error - train_error   > tol

    returning "both" when both hold, "high bias" or "high variance" when one
    does, "good fit" when neither. A gap exactly equal to tol is NOT above tol;
    negative gaps (train below target, validation below train) count as no gap.

    Args:
        train_error: error on the training set.
        val_error: error on the validation set.
        target_error: the achievable error (human level, Bayes error estimate).
        tol: tolerance >= 0 (0 is valid: any positive gap counts).

    Returns:
        one of "high bias", "high variance", "both", "good fit".

    Raises:
        ValueError: if tol < 0.

    Hint: two booleans with a strict ">".
    """
    raise NotImplementedError


def bagging_variance(rho: float, sigma2: float, B: int) -> float:
    """Variance of the average of B identically distributed predictors.

    Each predictor has variance sigma2 and every pair has correlation rho:

        Var( (1/B) sum_b f_b ) = rho sigma2 + (1 - rho) sigma2 / B

    (topic.md derives it from 1^T Sigma 1 / B^2). As B grows it falls to
    rho sigma2, not to 0: bagging removes only the uncorrelated part.

    Args:
        rho: common pairwise correlation; must make the covariance matrix
            positive semi-definite: -1 / (B - 1) <= rho <= 1 (any rho <= 1 for B = 1).
        sigma2: variance of one predictor, >= 0.
        B: number of predictors, integer >= 1.

    Returns:
        float.

    Raises:
        ValueError: for B < 1 (or not an integer), sigma2 < 0, or rho outside
            the valid range.
    """
    raise NotImplementedError


def ridge_bias_variance(
    X: np.ndarray, w_true: np.ndarray, noise_std: float, lam: float, X_test: np.ndarray
) -> dict:
    """Exact bias^2 and variance of ridge regression (no intercept) with a fixed design.

    Model: y = X w_true + eps, eps ~ N(0, noise_std^2 I); estimator
    w_hat = (X^T X + lam I)^{-1} X^T y; the randomness is the noise only (X is
    fixed). For a test input x (a row of X_test):

        bias(x)     = x^T (E[w_hat] - w_true) = -lam x^T (X^T X + lam I)^{-1} w_true
        variance(x) = x^T Cov(w_hat) x,
        Cov(w_hat)  = noise_std^2 (X^T X + lam I)^{-1} X^T X (X^T X + lam I)^{-1}

    Returns the means over the rows of X_test.

    Args:
        X: (N, D) training design.
        w_true: (D,) true weights.
        noise_std: sigma >= 0.
        lam: >= 0; lam = 0 needs X of full column rank.
        X_test: (M, D) test inputs.

    Returns:
        dict with float values "bias2" (mean of bias(x)^2) and "variance".

    Raises:
        ValueError: on inconsistent shapes, lam < 0, or lam = 0 with
            rank(X) < D.

    Hint: S = np.linalg.solve(X.T @ X + lam * I, X.T) is the (D, N) map from y
    to w_hat. Then E[w_hat] = S X w_true and the test predictions are P y with
    P = X_test @ S, so variance(x_m) = noise_std^2 * sum_n P[m, n]^2. The
    Bayesian posterior covariance noise_std^2 (X^T X + lam I)^{-1} is a
    different quantity (the common confusion).
    """
    raise NotImplementedError


def plot_bias_variance(path):
    """The U-curve: train error, test error, bias^2 and variance against polynomial degree.

    Fixed setup (so that the figure, and the tests, are reproducible):
    rng = np.random.default_rng(0); true function sin(2 pi x) on [0, 1];
    noise_std 0.3; n_train 30; 200 training sets (x uniform on [0, 1]); test
    inputs np.linspace(0, 1, 101); degrees 0, 1, ..., 10 (lam = 0). Use the
    SAME 200 training sets for every degree. Per degree:

        train error = mean over sets of the training MSE of that set's fit
        test error  = mean over sets and test points of (y_test - pred)^2,
                      with fresh noisy test labels
        bias^2, variance as in bias_variance_decomposition

    Args:
        path: where to save the figure as PNG (str or Path).

    Returns:
        matplotlib.figure.Figure with one Axes holding four lines whose x data
        is the degrees and whose labels contain "train", "test", "bias" and
        "variance" (a horizontal line at noise_std^2 may be added), a log
        y axis, axis labels, a title and a legend. Draw it small
        (figsize about (5, 3.5)).

    Hint: import matplotlib.pyplot inside this function. The whole
    computation is 11 x 200 small fits: a fraction of a second.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _legendre_fitted_values(x, y, degree):
    """Least-squares fitted values at x from a well-conditioned basis (independent reference).

    The column space of [1, x, ..., x^degree] equals that of the Legendre
    polynomials P_0..P_degree of x mapped to [-1, 1]; with a QR of that
    matrix the projection Q Q^T y is accurate to ~1e-15 even where the
    monomial basis is hopeless.
    """
    lo, hi = x.min(), x.max()
    t = (2 * x - lo - hi) / (hi - lo)
    L = np.polynomial.legendre.legvander(t, degree)
    Q, _ = np.linalg.qr(L)
    return Q @ (Q.T @ y)


def _ridge_normal_equations(x, y, degree, lam):
    """Direct minimiser of ||y - Phi w||^2 + lam * sum_{k>=1} w_k^2, without centring."""
    Phi = x[:, None] ** np.arange(degree + 1)
    penalty = lam * np.eye(degree + 1)
    penalty[0, 0] = 0.0  # the intercept is not penalised
    return np.linalg.solve(Phi.T @ Phi + penalty, Phi.T @ y)


def _labelled_lines(fig):
    return {line.get_label().lower(): line for ax in fig.axes for line in ax.get_lines()}


def _find_line(lines, key):
    found = [line for label, line in lines.items() if key in label]
    assert found, f"no line whose label contains {key!r}; labels: {sorted(lines)}"
    return found[0]


# --- polynomial_features ------------------------------------------------------


def test_polynomial_features_columns_are_increasing_powers(impl, assert_close):
    x = np.array([2.0, -1.0, 0.5, 0.0])
    expected = np.array(
        [
            [1.0, 2.0, 4.0, 8.0],
            [1.0, -1.0, 1.0, -1.0],
            [1.0, 0.5, 0.25, 0.125],
            [1.0, 0.0, 0.0, 0.0],  # 0 ** 0 = 1
        ]
    )
    got = impl.polynomial_features(x, 3)
    assert_close(got, expected, tol=0.0, what="polynomial_features([2, -1, 0.5, 0], 3)")


def test_polynomial_features_degree_zero_and_a_single_point_keep_their_shape(impl, assert_close):
    got = impl.polynomial_features(np.array([3.0, -2.0]), 0)
    assert_close(got, np.ones((2, 1)), tol=0.0, what="polynomial_features([3, -2], 0)")
    got = impl.polynomial_features(np.array([3.0]), 2)
    assert_close(got, np.array([[1.0, 3.0, 9.0]]), tol=0.0, what="polynomial_features([3], 2)")


@pytest.mark.parametrize(
    ("x", "degree"),
    [(np.array([1.0, 2.0]), -1), (np.ones((3, 1)), 2), (np.array([1.0]), 1.5)],
)
def test_polynomial_features_rejects_bad_input(impl, x, degree):
    with pytest.raises(ValueError):
        impl.polynomial_features(x, degree)


def test_polynomial_features_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.polynomial_features, rng.standard_normal(5), 4)


def test_polynomial_features_converts_integer_input_to_float(impl, assert_close):
    # 10 ** 19 overflows int64 (max ~9.2e18) and wraps around silently: integer
    # inputs must become float64 before the powers are taken.
    x = np.array([10, -3])
    got = impl.polynomial_features(x, 20)
    expected = np.array([[10.0**k for k in range(21)], [(-3.0) ** k for k in range(21)]])
    assert np.asarray(got).dtype == np.float64, (
        f"polynomial_features(np.array([10, -3]) (int64), 20) has dtype "
        f"{np.asarray(got).dtype}, expected float64"
    )
    assert_close(got, expected, tol=1e-15, what="polynomial_features(np.array([10, -3]), 20)")


# --- predict_polynomial -------------------------------------------------------


def test_predict_polynomial_hand_computed_lowest_power_first(impl, assert_close):
    # 1 - 2x + 0.5x^2 at 0, 2, -1: 1, 1 - 4 + 2 = -1, 1 + 2 + 0.5 = 3.5.
    # Highest-power-first (np.polyval) would give 0.5, -1.0, 3.5... at x = 0: 0.5.
    got = impl.predict_polynomial(np.array([1.0, -2.0, 0.5]), np.array([0.0, 2.0, -1.0]))
    assert_close(
        got, [1.0, -1.0, 3.5], tol=1e-15, what="predict_polynomial([1, -2, 0.5], [0, 2, -1])"
    )


def test_predict_polynomial_matches_loop_reference(impl, rng, assert_close):
    w = rng.standard_normal(6)
    x = rng.uniform(-2, 2, size=7)
    expected = [sum(float(wk) * float(xn) ** k for k, wk in enumerate(w)) for xn in x]
    assert_close(
        impl.predict_polynomial(w, x),
        expected,
        tol=1e-12,
        what="predict_polynomial(w (6,), x (7,))",
    )


def test_predict_polynomial_single_point_and_constant(impl, assert_close):
    got = impl.predict_polynomial(np.array([2.5]), np.array([7.0]))
    assert_close(got, [2.5], tol=0.0, what="predict_polynomial([2.5], [7.0]) (shape (1,))")


def test_predict_polynomial_leaves_inputs_untouched(impl, rng, call_untouched):
    call_untouched(impl.predict_polynomial, rng.standard_normal(4), rng.standard_normal(6))


# --- fit_polynomial -----------------------------------------------------------


def test_fit_polynomial_recovers_an_exact_cubic(impl, assert_close):
    x = np.linspace(-1.0, 2.0, 9)
    w_true = np.array([0.5, -1.0, 2.0, 0.25])
    y = w_true[0] + w_true[1] * x + w_true[2] * x**2 + w_true[3] * x**3
    got = impl.fit_polynomial(x, y, 3)
    assert_close(
        got, w_true, tol=1e-10, what="fit_polynomial(x, exact cubic, 3), lowest power first"
    )


@pytest.mark.parametrize("lam", [0.0, 0.7, 25.0])
def test_fit_polynomial_matches_the_ridge_normal_equations(impl, rng, assert_close, lam):
    # The objective is a SUM of squares plus lam * sum_{k>=1} w_k^2, with an
    # unpenalised intercept (scikit-learn's Ridge). Penalising w[0] as well,
    # or using a mean of squares, gives a different answer.
    x = rng.uniform(-1.5, 2.0, size=15)
    y = np.cos(2 * x) + 0.1 * rng.standard_normal(15) + 3.0
    expected = _ridge_normal_equations(x, y, 3, lam)
    got = impl.fit_polynomial(x, y, 3, lam)
    assert_close(got, expected, tol=1e-9, what=f"fit_polynomial(x (15,), y, 3, lam={lam})")


def test_fit_polynomial_does_not_shrink_the_intercept(impl, assert_close):
    # A constant target: the best fit is that constant with zero slopes, for
    # every lam. Shrinking the intercept too would pull it towards 0.
    x = np.linspace(0.0, 1.0, 12)
    y = np.full(12, 5.0)
    got = impl.fit_polynomial(x, y, 2, 100.0)
    assert_close(got, [5.0, 0.0, 0.0], tol=1e-12, what="fit_polynomial(x, y = 5, 2, lam=100)")
    got = impl.fit_polynomial(x, y, 0, 100.0)
    assert_close(got, [5.0], tol=1e-12, what="fit_polynomial(x, y = 5, 0, lam=100)")


def test_fit_polynomial_ridge_is_equivariant_to_shifting_y(impl, rng, assert_close):
    x = rng.uniform(0.0, 3.0, size=10)
    y = rng.standard_normal(10)
    w = impl.fit_polynomial(x, y, 3, 2.0)
    w_shift = impl.fit_polynomial(x, y + 10.0, 3, 2.0)
    # Only the intercept moves, by exactly 10 (absolute check: the slopes' change is 0).
    change = w_shift - w
    expected = np.array([10.0, 0.0, 0.0, 0.0])
    assert np.max(np.abs(change - expected)) <= 1e-9, (
        f"fit_polynomial(x, y + 10, 3, lam=2) - fit_polynomial(x, y, 3, lam=2) = {change}, "
        f"expected {expected}: adding a constant to y must move the (unpenalised) intercept only"
    )


def test_fit_polynomial_high_degree_predictions_are_accurate(impl, rng):
    # Degree 12 on [0, 1]: the normal equations (cond ~1e17) lose every
    # digit; a stable lstsq keeps the fitted values to ~1e-9.
    x = np.sort(rng.uniform(0.0, 1.0, size=30))
    y = np.sin(2 * np.pi * x) + 0.2 * rng.standard_normal(30)
    expected = _legendre_fitted_values(x, y, 12)
    w = impl.fit_polynomial(x, y, 12)
    got = x[:, None] ** np.arange(13) @ w  # not predict_polynomial: this tests the fit only
    err = float(np.max(np.abs(got - expected)) / np.max(np.abs(y)))
    assert err <= 1e-7, (
        f"fit_polynomial(x (30,) on [0, 1], y, degree=12): fitted values are off by {err:.1e} "
        "of max|y| (tolerance 1e-7) against a Legendre/QR reference. Solving X^T X w = X^T y "
        "squares the condition number; use lstsq on centred, column-scaled features."
    )


def test_fit_polynomial_wide_input_range_needs_column_scaling(impl, rng):
    # x on [0, 20], degree 8: the columns x, ..., x^8 differ in size by ~1e9, so
    # lstsq's cut-off on UNSCALED centred columns discards real directions and
    # the fitted values drift by ~1e-7 of max|y|; scaled columns give ~1e-11.
    x = rng.uniform(0.0, 20.0, size=25)
    y = np.sin(x / 3.0) + 0.1 * rng.standard_normal(25)
    expected = _legendre_fitted_values(x, y, 8)
    w = impl.fit_polynomial(x, y, 8)
    got = x[:, None] ** np.arange(9) @ w
    err = float(np.max(np.abs(got - expected)) / np.max(np.abs(y)))
    assert err <= 1e-9, (
        f"fit_polynomial(x (25,) on [0, 20], y, degree=8): fitted values are off by {err:.1e} "
        "of max|y| (tolerance 1e-9) against a Legendre/QR reference. Divide each centred "
        "column by its norm before lstsq (and the solution by the same norms)."
    )


def test_fit_polynomial_underdetermined_interpolates_and_stays_finite(impl, rng, assert_close):
    # 4 points, degree 6: infinitely many exact fits; any least-squares
    # solution interpolates. A single point: only the constant is determined.
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    y = rng.standard_normal(4)
    w = impl.fit_polynomial(x, y, 6)
    assert w.shape == (7,), (
        f"fit_polynomial(4 points, degree 6) returned shape {w.shape}, expected (7,)"
    )
    fitted = x[:, None] ** np.arange(7) @ w
    assert_close(fitted, y, tol=1e-8, what="fitted values of fit_polynomial(4 points, degree 6)")
    w1 = impl.fit_polynomial(np.array([0.3]), np.array([2.0]), 3)
    assert_close(w1, [2.0, 0.0, 0.0, 0.0], tol=1e-12, what="fit_polynomial([0.3], [2.0], 3)")


@pytest.mark.parametrize(
    ("x", "y", "degree", "lam"),
    [
        (np.ones(3), np.ones(4), 1, 0.0),
        (np.ones(3), np.ones(3), -1, 0.0),
        (np.ones(3), np.ones(3), 1, -0.5),
        (np.ones((3, 1)), np.ones((3, 1)), 1, 0.0),
    ],
)
def test_fit_polynomial_rejects_bad_input(impl, x, y, degree, lam):
    with pytest.raises(ValueError):
        impl.fit_polynomial(x, y, degree, lam)


def test_fit_polynomial_leaves_inputs_untouched(impl, rng, call_untouched):
    x, y = rng.uniform(0, 2, size=8), rng.standard_normal(8)
    call_untouched(impl.fit_polynomial, x, y, 3, 0.0)
    call_untouched(impl.fit_polynomial, x, y, 3, 1.5)


# --- bias_variance_decomposition ----------------------------------------------

_KEYS = {"bias2", "variance", "noise", "expected_mse"}


def _sin2pi(t):
    return np.sin(2 * np.pi * t)


def _check_keys(result, what):
    assert isinstance(result, dict), f"{what} returned {result!r}, expected a dict"
    assert set(result) == _KEYS, f"{what} returned keys {sorted(result)}, expected {sorted(_KEYS)}"
    for key in _KEYS:
        assert isinstance(result[key], float), (
            f"{what}[{key!r}] is a {type(result[key]).__name__}, expected a float"
        )


@pytest.mark.parametrize("degree", [1, 9])
def test_bias_variance_decomposition_terms_add_up_to_the_measured_mse(impl, rng, degree):
    sigma, R = 0.3, 300
    x_test = np.linspace(0.0, 1.0, 41)
    what = f"bias_variance_decomposition(sin(2 pi x), {sigma}, degree={degree}, 25, {R}, x_test)"
    got = impl.bias_variance_decomposition(_sin2pi, sigma, degree, 25, R, x_test, rng)
    _check_keys(got, what)
    assert got["noise"] == pytest.approx(sigma**2, rel=1e-12), (
        f"{what}['noise'] = {got['noise']!r}, expected noise_std^2 = {sigma**2}"
    )
    explained = got["bias2"] + got["variance"] + got["noise"]
    # Monte Carlo error of the measured MSE given the fits (derived in the
    # docstring): sqrt(2 sigma^4 + 4 sigma^2 (bias2 + variance)) / sqrt(R M).
    se = math.sqrt(2 * sigma**4 + 4 * sigma**2 * (explained - sigma**2)) / math.sqrt(R * 41)
    gap = abs(got["expected_mse"] - explained)
    assert gap <= 5 * se, (
        f"{what}: bias2 + variance + noise = {explained:.6f} but expected_mse = "
        f"{got['expected_mse']:.6f}; the gap {gap:.2e} exceeds 5 Monte Carlo standard errors "
        f"({5 * se:.2e}). Are variance (ddof=0) and bias2 taken over repetitions first?"
    )


def test_bias_variance_decomposition_high_degree_trades_bias_for_variance(impl, rng):
    x_test = np.linspace(0.0, 1.0, 41)
    low = impl.bias_variance_decomposition(_sin2pi, 0.3, 1, 25, 300, x_test, rng)
    high = impl.bias_variance_decomposition(_sin2pi, 0.3, 9, 25, 300, x_test, rng)
    assert high["variance"] > 3 * low["variance"], (
        f"variance at degree 9 ({high['variance']:.4f}) should far exceed degree 1 "
        f"({low['variance']:.4f})"
    )
    assert low["bias2"] > 10 * high["bias2"], (
        f"bias2 at degree 1 ({low['bias2']:.4f}) should far exceed degree 9 ({high['bias2']:.4f}): "
        "a line cannot follow sin(2 pi x)"
    )


def test_bias_variance_decomposition_constant_model_matches_closed_form(impl, rng, assert_close):
    # f(x) = x on [-1, 3], degree 0: the prediction is mean(y) = mean(x_i) + mean(eps),
    # the same at every test point. Over random training sets:
    #   variance = Var(mean x) + sigma^2 / n = (hi - lo)^2 / (12 n) + sigma^2 / n
    #   bias^2   = mean_t (E[mean x] - t)^2 = mean_t (1 - t)^2   (+ variance / R, estimator bias)
    # A training x re-used across data sets gives only sigma^2 / n; inputs drawn
    # on [0, 1] instead of [min(x_test), max(x_test)] give 1 / (12 n) + sigma^2 / n.
    sigma, n, R = 0.3, 5, 6000
    x_test = np.linspace(-1.0, 3.0, 41)
    got = impl.bias_variance_decomposition(lambda t: t, sigma, 0, n, R, x_test, rng)
    what = (
        f"bias_variance_decomposition(f(x) = x, {sigma}, degree=0, n_train={n}, {R}, "
        "x_test on [-1, 3])"
    )
    _check_keys(got, what)
    variance = 16.0 / (12 * n) + sigma**2 / n
    tol_v = 5 * math.sqrt(2.0 / R)  # relative standard error of a sample variance, times 5
    assert abs(got["variance"] - variance) <= tol_v * variance, (
        f"{what}['variance'] = {got['variance']:.5f}, expected {variance:.5f} "
        f"(within {tol_v:.1%}): x drawn fresh for every data set, uniform on [-1, 3]?"
    )
    bias2 = float(np.mean((1.0 - x_test) ** 2)) + variance / R
    assert abs(got["bias2"] - bias2) <= 10 * variance / R, (
        f"{what}['bias2'] = {got['bias2']:.6f}, expected {bias2:.6f} "
        f"(within {10 * variance / R:.1e})"
    )
    assert_close(got["noise"], sigma**2, tol=1e-12, what=f"{what}['noise']")


def test_bias_variance_decomposition_training_inputs_are_fresh_uniform_draws(impl, rng):
    seen = []

    def f(t):
        seen.append(np.array(t, dtype=np.float64, copy=True).ravel())
        return np.cos(np.asarray(t))

    x_test = np.random.default_rng(3).permutation(np.linspace(-2.0, 1.0, 16))  # unsorted
    n, R = 6, 50
    impl.bias_variance_decomposition(f, 0.1, 1, n, R, x_test, rng)
    values = np.concatenate(seen) if seen else np.array([])
    train = values[~np.isin(values, x_test)]
    assert train.size == n * R, (
        f"true_fn saw {train.size} training inputs, expected n_train * n_datasets = {n * R}"
    )
    assert np.unique(train).size == n * R, (
        f"only {np.unique(train).size} distinct training inputs among {n * R}: every data set "
        "must draw its own x (not one x re-used with new noise)"
    )
    assert train.min() >= -2.0, (
        f"training inputs span [{train.min():.3f}, {train.max():.3f}], outside "
        "[min(x_test), max(x_test)] = [-2, 1]"
    )
    assert train.max() <= 1.0, (
        f"training inputs span [{train.min():.3f}, {train.max():.3f}], outside "
        "[min(x_test), max(x_test)] = [-2, 1]"
    )
    # Kolmogorov-Smirnov distance to Uniform[-2, 1]; 1.95 / sqrt(n) is the 0.1% level.
    u = np.sort((train + 2.0) / 3.0)
    k = np.arange(1, u.size + 1)
    ks = max(np.max(k / u.size - u), np.max(u - (k - 1) / u.size))
    assert ks < 1.95 / math.sqrt(u.size), (
        f"training inputs do not look Uniform[-2, 1] (KS distance {ks:.3f})"
    )


def test_bias_variance_decomposition_draws_fresh_label_noise_per_data_set(impl, rng):
    # f = 0, degree 0, one training point: each fit predicts its own noisy label
    # sigma * z_r at every test point, so variance = Var(z_r) sigma^2 ~ sigma^2 and
    # bias2 = (mean_r sigma z_r)^2 ~ sigma^2 / R. Noise drawn once and re-used by
    # every data set gives variance 0 and bias2 = sigma^2 z^2.
    sigma, R = 1.0, 1000
    x_test = np.linspace(0.0, 1.0, 5)
    what = f"bias_variance_decomposition(f = 0, {sigma}, degree=0, n_train=1, {R}, x_test)"
    got = impl.bias_variance_decomposition(np.zeros_like, sigma, 0, 1, R, x_test, rng)
    _check_keys(got, what)
    tol_v = 5 * math.sqrt(2.0 / R)
    assert abs(got["variance"] - sigma**2) <= tol_v, (
        f"{what}['variance'] = {got['variance']:.4f}, expected {sigma**2} (within {tol_v:.3f}): "
        "every data set needs its own label noise"
    )
    assert got["bias2"] <= 25 * sigma**2 / R, (
        f"{what}['bias2'] = {got['bias2']:.4f}, expected about sigma^2 / R = {sigma**2 / R} "
        f"(at most {25 * sigma**2 / R})"
    )


def test_bias_variance_decomposition_noise_free_exact_model_has_no_error(impl, rng):
    x_test = np.linspace(-1.0, 1.0, 11)
    got = impl.bias_variance_decomposition(lambda t: 1 - 2 * t + t**2, 0.0, 2, 8, 20, x_test, rng)
    _check_keys(got, "bias_variance_decomposition(quadratic, 0.0, degree=2, ...)")
    for key in _KEYS:
        assert abs(got[key]) < 1e-20, (
            f"noise-free quadratic fitted with degree 2: {key} = {got[key]!r}, expected 0"
        )


def test_bias_variance_decomposition_is_reproducible_for_a_seed(impl):
    x_test = np.linspace(0.0, 1.0, 9)
    args = (_sin2pi, 0.3, 3, 12, 20, x_test)
    a = impl.bias_variance_decomposition(*args, np.random.default_rng(7))
    b = impl.bias_variance_decomposition(*args, np.random.default_rng(7))
    c = impl.bias_variance_decomposition(*args, np.random.default_rng(8))
    assert a == b, f"same seed, different results: {a} vs {b} (use only the rng argument)"
    assert a != c, "seeds 7 and 8 gave identical results: is the rng argument used?"


def test_bias_variance_decomposition_leaves_inputs_untouched(impl, rng, call_untouched):
    x_test = np.linspace(0.0, 1.0, 7)[::-1].copy()  # unsorted on purpose
    call_untouched(impl.bias_variance_decomposition, _sin2pi, 0.2, 2, 10, 10, x_test, rng)


# --- diagnose -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("train", "val", "target", "tol", "expected"),
    [
        (0.02, 0.15, 0.01, 0.02, "high variance"),  # the classic 2% / 15% vs human 1%
        (0.125, 0.1875, 0.0, 0.0625, "high bias"),  # val gap exactly tol: not variance
        (0.5, 1.0, 0.0, 0.25, "both"),
        (0.25, 0.3125, 0.25, 0.0625, "good fit"),  # both gaps 0 and exactly tol
        (0.375, 0.375, 0.25, 0.125, "good fit"),  # bias gap exactly tol: not bias
        (0.375, 0.375, 0.25, 0.0625, "high bias"),
        (0.1, 0.05, 0.2, 0.0, "good fit"),  # negative gaps are no gaps
        (0.25, 0.25, 0.25, 0.0, "good fit"),  # tol = 0, gaps exactly 0
        (0.25, 0.25 + 2**-20, 0.25, 0.0, "high variance"),  # tol = 0, a tiny gap counts
        (0.25 + 2**-20, 0.25 + 2**-20, 0.25, 0.0, "high bias"),
    ],
)
def test_diagnose_cases_and_boundaries(impl, train, val, target, tol, expected):
    got = impl.diagnose(train, val, target, tol)
    assert got == expected, (
        f"diagnose(train={train}, val={val}, target={target}, tol={tol}) returned {got!r}, "
        f"expected {expected!r} (bias gap {train - target}, variance gap {val - train}; "
        "a gap must be strictly above tol)"
    )


def test_diagnose_rejects_negative_tol(impl):
    with pytest.raises(ValueError):
        impl.diagnose(0.1, 0.2, 0.0, -0.01)


# --- bagging_variance ---------------------------------------------------------


def test_bagging_variance_hand_computed(impl, assert_close):
    # rho = 0.25, sigma2 = 4, B = 10: 0.25 * 4 + 0.75 * 4 / 10 = 1 + 0.3.
    assert_close(
        impl.bagging_variance(0.25, 4.0, 10), 1.3, tol=1e-14, what="bagging_variance(0.25, 4, 10)"
    )
    assert_close(
        impl.bagging_variance(0.0, 4.0, 8), 0.5, tol=1e-14, what="bagging_variance(0, 4, 8)"
    )
    assert_close(
        impl.bagging_variance(1.0, 4.0, 8), 4.0, tol=1e-14, what="bagging_variance(1, 4, 8)"
    )
    assert_close(
        impl.bagging_variance(0.6, 4.0, 1), 4.0, tol=1e-14, what="bagging_variance(0.6, 4, 1)"
    )
    # The most negative valid correlation, -1 / (B - 1): the average is constant.
    got = impl.bagging_variance(-1.0 / 3.0, 4.0, 4)
    assert abs(got) <= 1e-15, f"bagging_variance(-1/3, 4, 4) = {got!r}, expected 0"


def test_bagging_variance_zero_sigma2_is_valid(impl):
    # sigma2 = 0 (constant predictors) is a valid, falsy argument: the variance is 0.
    got = impl.bagging_variance(0.5, 0.0, 3)
    assert got == 0.0, f"bagging_variance(0.5, 0.0, 3) returned {got!r}, expected 0.0"


@pytest.mark.parametrize(("rho", "B"), [(0.3, 5), (-0.2, 4), (0.9, 50), (-0.3, 4)])
def test_bagging_variance_matches_the_covariance_matrix(impl, assert_close, rho, B):
    sigma2 = 2.5
    cov = sigma2 * ((1 - rho) * np.eye(B) + rho * np.ones((B, B)))
    expected = float(np.ones(B) @ cov @ np.ones(B)) / B**2  # Var(mean) = 1^T Sigma 1 / B^2
    got = impl.bagging_variance(rho, sigma2, B)
    assert_close(got, expected, tol=1e-12, what=f"bagging_variance({rho}, {sigma2}, {B})")


def test_bagging_variance_matches_monte_carlo(impl, rng):
    rho, sigma2, B, n = 0.4, 1.5, 6, 200_000
    shared = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, B))
    f = math.sqrt(sigma2) * (math.sqrt(rho) * shared + math.sqrt(1 - rho) * own)
    measured = float(np.var(f.mean(axis=1)))
    got = impl.bagging_variance(rho, sigma2, B)
    tol = 5 * math.sqrt(2.0 / n) * got
    assert abs(got - measured) <= tol, (
        f"bagging_variance({rho}, {sigma2}, {B}) = {got:.5f}, but the variance of the mean of "
        f"{n} simulated equicorrelated draws is {measured:.5f} (tolerance {tol:.1e})"
    )


@pytest.mark.parametrize(
    ("rho", "sigma2", "B"),
    [(1.1, 1.0, 3), (-0.6, 1.0, 3), (0.2, -1.0, 3), (0.2, 1.0, 0), (0.2, 1.0, 2.5)],
)
def test_bagging_variance_rejects_invalid_arguments(impl, rho, sigma2, B):
    with pytest.raises(ValueError):
        impl.bagging_variance(rho, sigma2, B)


# --- ridge_bias_variance ------------------------------------------------------


def test_ridge_bias_variance_diagonal_design_hand_computed(impl, assert_close):
    # X^T X = diag(4, 1): per coordinate, bias = -lam w / (d^2 + lam) and
    # variance = sigma^2 d^2 / (d^2 + lam)^2. With lam = 1, w = (1, 2), sigma = 0.5:
    # bias = (-0.2, -1.0), bias^2 mean (0.04 + 1) / 2 = 0.52;
    # variance (0.25 * 4 / 25, 0.25 * 1 / 4) = (0.04, 0.0625), mean 0.05125.
    # (The posterior covariance sigma^2 / (d^2 + lam) would give 0.0875.)
    X = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    got = impl.ridge_bias_variance(X, np.array([1.0, 2.0]), 0.5, 1.0, np.eye(2))
    assert isinstance(got, dict), f"ridge_bias_variance returned {got!r}, expected a dict"
    assert set(got) == {"bias2", "variance"}, (
        f"ridge_bias_variance returned {got!r}; expected keys 'bias2' and 'variance'"
    )
    what = "ridge_bias_variance(X = [[2, 0], [0, 1], [0, 0]], w = (1, 2), 0.5, lam=1, I)"
    assert_close(got["bias2"], 0.52, tol=1e-12, what=what + "['bias2']")
    assert_close(got["variance"], 0.05125, tol=1e-12, what=what + "['variance']")


def test_ridge_bias_variance_matches_monte_carlo(impl, rng):
    N, D, M, lam, sigma, R = 20, 3, 5, 4.0, 0.7, 40_000
    X = rng.standard_normal((N, D))
    X_test = rng.standard_normal((M, D))
    w = np.array([1.5, -2.0, 0.5])
    got = impl.ridge_bias_variance(X, w, sigma, lam, X_test)
    Y = (X @ w)[:, None] + sigma * rng.standard_normal((N, R))  # R noise draws, fixed X
    W = np.linalg.solve(X.T @ X + lam * np.eye(D), X.T @ Y)  # (D, R) ridge fits
    preds = X_test @ W  # (M, R)
    bias2 = float(np.mean((preds.mean(axis=1) - X_test @ w) ** 2))
    variance = float(np.mean(preds.var(axis=1)))
    tol_v = 5 * math.sqrt(2.0 / R)
    assert abs(got["variance"] - variance) <= tol_v * variance, (
        f"ridge_bias_variance(X (20, 3), w, {sigma}, lam={lam}, X_test (5, 3))['variance'] = "
        f"{got['variance']:.5f}; {R} simulated ridge fits give {variance:.5f} (within {tol_v:.1%})"
    )
    tol_b = 5 * math.sqrt(4 * bias2 * variance / R) + 10 * variance / R
    assert abs(got["bias2"] - bias2) <= tol_b, (
        f"ridge_bias_variance(...)['bias2'] = {got['bias2']:.5f}; simulation gives {bias2:.5f} "
        f"(within {tol_b:.1e})"
    )


def test_ridge_bias_variance_lam_zero_is_unbiased_ols(impl, rng, assert_close):
    X = rng.standard_normal((12, 4))
    X_test = rng.standard_normal((3, 4))
    got = impl.ridge_bias_variance(X, rng.standard_normal(4), 0.5, 0.0, X_test)
    expected = 0.25 * float(np.mean(np.diag(X_test @ np.linalg.inv(X.T @ X) @ X_test.T)))
    assert abs(got["bias2"]) < 1e-20, f"OLS is unbiased: bias2 = {got['bias2']!r}, expected 0"
    assert_close(
        got["variance"], expected, tol=1e-10, what="ridge_bias_variance(lam=0)['variance']"
    )


def test_ridge_bias_variance_rejects_rank_deficient_ols(impl):
    # Rank 1 (second column = 3 x first), but X^T X is not exactly singular in
    # floating point: np.linalg.solve returns huge numbers instead of raising.
    X = np.array([[0.1, 0.3], [0.7, 2.1], [0.3, 0.9]])
    with pytest.raises(ValueError):
        impl.ridge_bias_variance(X, np.ones(2), 1.0, 0.0, np.eye(2))


def test_ridge_bias_variance_rejects_ols_with_fewer_rows_than_columns(impl):
    # N = 4 < D = 6: X has full ROW rank 4 (= min(N, D)), but X^T X (6 x 6) has
    # rank 4, so lam = 0 has no unique estimator: "full rank" means rank D here.
    # In floating point np.linalg.solve usually returns huge numbers, not an error.
    X = np.random.default_rng(0).standard_normal((4, 6))
    with pytest.raises(ValueError):
        impl.ridge_bias_variance(X, np.ones(6), 1.0, 0.0, np.eye(6))


def test_ridge_bias_variance_rejects_negative_lam(impl, rng):
    X = rng.standard_normal((6, 2))
    with pytest.raises(ValueError):
        impl.ridge_bias_variance(X, np.ones(2), 1.0, -0.5, np.eye(2))


def test_ridge_bias_variance_leaves_inputs_untouched(impl, rng, call_untouched):
    X, X_test = rng.standard_normal((9, 3)), rng.standard_normal((4, 3))
    call_untouched(impl.ridge_bias_variance, X, rng.standard_normal(3), 0.3, 2.0, X_test)


# --- plot_bias_variance -------------------------------------------------------


def test_plot_bias_variance_draws_the_u_curve(impl, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "u_curve.png"
    fig = impl.plot_bias_variance(path)
    assert isinstance(fig, Figure), f"plot_bias_variance returned {type(fig).__name__}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    assert len(fig.axes) == 1, f"expected one Axes, found {len(fig.axes)}"
    ax = fig.axes[0]
    assert ax.get_xlabel(), "the x axis has no label"
    assert ax.get_ylabel(), "the y axis has no label"
    assert ax.get_title(), "the Axes has no title"
    assert ax.get_yscale() == "log", "use a log y axis: variance spans orders of magnitude"
    lines = _labelled_lines(fig)
    curves = {k: _find_line(lines, k) for k in ("train", "test", "bias", "variance")}
    degrees = np.arange(11)
    for key, line in curves.items():
        assert np.array_equal(np.asarray(line.get_xdata(), dtype=float), degrees), (
            f"the {key} line's x data should be the degrees 0..10, got {line.get_xdata()}"
        )
    train, test, bias2, variance = (
        np.asarray(curves[k].get_ydata(), dtype=float)
        for k in ("train", "test", "bias", "variance")
    )
    assert np.all(np.diff(train) <= 1e-12 * train[:-1]), (
        f"train error must not increase with degree on the same data sets: {np.round(train, 4)}"
    )
    best = int(np.argmin(test))
    assert 2 <= best <= 8, (
        f"test error should be U-shaped with an interior minimum, got {np.round(test, 4)}"
    )
    for end in (0, -1):
        assert test[end] > 1.5 * test[best], (
            f"test error should rise on both sides of its minimum: {np.round(test, 4)}"
        )
    assert bias2[0] > 50 * bias2[3:].min(), (
        f"bias^2 should fall with degree (sin(2 pi x) needs degree >= 3): {np.round(bias2, 5)}"
    )
    assert variance[-1] > 100 * variance[0], (
        f"variance should rise with degree: {np.round(variance, 5)}"
    )
    explained = bias2 + variance + 0.09
    assert np.all(np.abs(test - explained) <= 0.05 * explained), (
        f"test error should equal bias^2 + variance + 0.09 up to Monte Carlo error: test "
        f"{np.round(test, 4)} vs {np.round(explained, 4)}"
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
