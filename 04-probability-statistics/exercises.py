"""Topic 04: probability and statistics.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def mean_var(x: np.ndarray, ddof: int = 0):
    """Sample mean and variance along axis 0 (per feature), like np.mean / np.var.

        mean = (1 / N) sum_n x_n
        var  = (1 / (N - ddof)) sum_n (x_n - mean)^2

    ddof=0 (NumPy's default) is the maximum-likelihood estimate, biased low by
    a factor (N - 1) / N; ddof=1 (Bessel's correction) is unbiased.

    Args:
        x: (N,) or (N, D): N observations, one per row.
        ddof: "delta degrees of freedom": the divisor is N - ddof.

    Returns:
        (mean, var): floats for x of shape (N,), arrays (D,) for x (N, D).

    Raises:
        ValueError: if N - ddof <= 0 (no variance can be estimated).

    Hint: centre first, then square: the shortcut E[x^2] - E[x]^2 cancels
    catastrophically when the data sit far from 0 (try 1e9 + [1, 2, 3, 4]).
    """
    raise NotImplementedError


def covariance_matrix(X: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Sample covariance matrix of data whose ROWS are observations.

        C = (X - mean)^T (X - mean) / (N - ddof),   C_ij = cov(feature i, feature j)

    Matches ``np.cov(X, rowvar=False)`` (whose default is ddof=1), except that
    one feature gives a (1, 1) matrix where np.cov returns a 0-d array.

    Args:
        X: (N, D): N observations of D features.
        ddof: the divisor is N - ddof (default 1, unbiased, as np.cov).

    Returns:
        ndarray (D, D), symmetric positive semi-definite.

    Raises:
        ValueError: if X is not 2-D or N - ddof <= 0.

    Hint: (D, N) @ (N, D) -> (D, D). If your result is (N, N) you treated
    rows as features (np.cov's default rowvar=True does). Do not centre X in
    place: the caller's data must not change.
    """
    raise NotImplementedError


def correlation_matrix(X: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of data X (N, D), as ``np.corrcoef(X, rowvar=False)``.

        R_ij = C_ij / sqrt(C_ii C_jj),   C = covariance_matrix(X)

    Args:
        X: (N, D): N observations of D features.

    Returns:
        ndarray (D, D): ones on the diagonal, entries in [-1, 1] (clip the
        rounding overshoot, as np.corrcoef does).

    Raises:
        ValueError: if a column of X is constant (its correlation is 0 / 0;
        np.corrcoef would return nan with a RuntimeWarning).

    Hint: divide the covariance by the outer product of the standard
    deviations. The ddof cancels, so any consistent choice works.
    """
    raise NotImplementedError


def gaussian_pdf(x, mu, sigma):
    """Density of the normal distribution N(mu, sigma^2) at x.

        p(x) = exp(-(x - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi))

    Args:
        x, mu, sigma: scalars or arrays that broadcast together. sigma is the
            STANDARD DEVIATION (SciPy's ``scale``), not the variance.

    Returns:
        ndarray of the broadcast shape (a 0-d array or float for scalars).

    Raises:
        ValueError: if any sigma <= 0.

    Hint: the 1 / sigma in front is what makes the area 1.
    """
    raise NotImplementedError


def gaussian_logpdf(x, mu, sigma):
    """Log-density of N(mu, sigma^2) at x, finite even far in the tails.

        log p(x) = -(x - mu)^2 / (2 sigma^2) - log(sigma) - 0.5 log(2 pi)

    Args:
        x, mu, sigma: broadcastable scalars or arrays; sigma is the std.

    Returns:
        ndarray of the broadcast shape.

    Raises:
        ValueError: if any sigma <= 0.

    Hint: do not write np.log(gaussian_pdf(...)). At x - mu = 1000 sigma the
    pdf is exp(-500000) / (sigma sqrt(2 pi)), which is 0.0 in float64, and its
    log is -inf; the log-density itself is an ordinary number (about
    -500000.9 for sigma = 1).
    """
    raise NotImplementedError


def multivariate_gaussian_logpdf(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log-density of N(mu, cov) at each row of x, via the Cholesky factor of cov.

        log p(x) = -0.5 [ D log(2 pi) + log det(cov) + (x - mu)^T cov^{-1} (x - mu) ]

    With cov = L L^T (np.linalg.cholesky, L lower triangular):
        (x - mu)^T cov^{-1} (x - mu) = ||z||^2   where L z = x - mu
        log det(cov) = 2 sum_i log L_ii

    Matches ``scipy.stats.multivariate_normal.logpdf(x, mu, cov)``.

    Args:
        x: (N, D): N points, one per row (for a single point pass x[None, :]).
        mu: (D,) the mean.
        cov: (D, D) symmetric positive definite covariance.

    Returns:
        ndarray (N,).

    Raises:
        ValueError: if x is not 2-D, if mu is not (D,) or cov not (D, D)
            (name the shapes), or if cov is not positive definite: catch
            np.linalg.LinAlgError from the Cholesky and raise ValueError
            (LinAlgError is a ValueError only from NumPy 1.25 on; in NumPy
            1.24 it derives from Exception and would escape the check).

    Hint: no np.linalg.inv and no np.linalg.det: solve L z = (x - mu)^T for
    all points at once with np.linalg.solve (shape (D, N)), and take the log
    determinant from L's diagonal. det(0.01 * I) in 200 dimensions is 1e-400,
    which underflows to 0.0.
    """
    raise NotImplementedError


def bayes_posterior(prior: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """Posterior over a discrete set of K hypotheses by Bayes' theorem.

        P(h_k | data) = P(data | h_k) P(h_k) / sum_j P(data | h_j) P(h_j)

    The denominator is the evidence P(data).

    Args:
        prior: (K,) P(h_k), non-negative (need not be normalised: only the
            product with the likelihood matters after normalising).
        likelihood: (K,) P(data | h_k), non-negative. It is NOT a distribution
            over k and need not sum to 1.

    Returns:
        ndarray (K,), summing to 1. The inputs are not modified. Accurate to
        full precision however small the likelihood (a product over many
        observations can be 1e-310, a subnormal number, or smaller than any
        float when multiplied by the prior): only ratios matter.

    Raises:
        ValueError: if the shapes differ or are not 1-D, if an entry is
            negative, or if the evidence is 0 (no hypothesis explains the data).

    Hint: multiply, then divide by the sum. Normalising the likelihood alone
    ignores the prior. Divide prior and likelihood by their maxima first: the
    posterior does not change, and the product no longer underflows.
    """
    raise NotImplementedError


def disease_test_posterior(prevalence: float, sensitivity: float, specificity: float) -> float:
    """P(disease | positive test), the base-rate problem.

        sensitivity = P(+ | D),   specificity = P(- | not D),   prevalence = P(D)
        P(D | +) = P(+ | D) P(D) / [P(+ | D) P(D) + P(+ | not D) P(not D)]

    Args:
        prevalence, sensitivity, specificity: probabilities in [0, 1].

    Returns:
        float.

    Raises:
        ValueError: if an argument is outside [0, 1], or if P(+) = 0.

    Hint: the false-positive rate P(+ | not D) is 1 - specificity.
    """
    raise NotImplementedError


def monte_carlo_expectation(
    f: Callable[[np.ndarray], np.ndarray],
    sampler: Callable[[int, np.random.Generator], np.ndarray],
    n: int,
    rng: np.random.Generator,
):
    """Monte Carlo estimate of E[f(X)] and its standard error.

        estimate = (1 / n) sum_i f(x_i),   x_i = sampler(n, rng)[i]
        standard_error = std(f(x), ddof=1) / sqrt(n)

    The standard error is the estimated standard deviation of the estimate
    itself: it shrinks like 1 / sqrt(n).

    Args:
        f: vectorised: takes the array of n samples, returns n values (n,).
        sampler: ``sampler(n, rng)`` returns n samples (first axis n).
        n: the number of samples, at least 2.
        rng: the generator to hand to the sampler (draw nothing else).

    Returns:
        (estimate, standard_error): two floats.

    Raises:
        ValueError: if n < 2 (one sample has no standard deviation).

    Hint: call the sampler once. std(ddof=0) and forgetting the sqrt(n) are
    the two classic slips.
    """
    raise NotImplementedError


def sample_categorical(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n independent draws from a categorical distribution, by inverting its CDF.

        F_k = p_0 + ... + p_k   (the CDF; F_{K-1} = 1)
        u ~ Uniform[0, 1)  ->  k = the first index with F_k > u,
        i.e. category k owns the interval [F_{k-1}, F_k) of length p_k.

    Draw the uniforms as ``u = rng.random(n)``: one per sample, nothing else
    from rng. That is exactly what ``rng.choice(K, size=n, p=p)`` does, so
    for the same generator state the draws are the same as NumPy's.

    Conventions (pinned by the tests):
        - a boundary u = F_{k-1} belongs to category k (the interval is
          closed on the left), so u = 0 never returns a leading category of
          probability 0: np.searchsorted(F, u, side="right");
        - a category with p_k = 0 is never drawn, wherever it sits;
        - rounding must not push a draw past the last category: ten 0.1s
          sum to 0.9999999999999999, and u can be larger than that. Divide
          the cumulative sum by its last entry, so that F_{K-1} is exactly 1;
        - p is not modified; n = 0 gives an empty array.

    Args:
        p: (K,) probabilities, >= 0, summing to 1 within 1e-6.
        n: the number of draws, >= 0.
        rng: np.random.Generator.

    Returns:
        ndarray (n,) of integer category indices in [0, K).

    Raises:
        ValueError: if p is not 1-D and non-empty, has a negative or
            non-finite entry or does not sum to 1, or if n < 0.

    Hint: np.cumsum, then np.searchsorted(cdf, u, side="right"). Two lines
    once the checks are done.
    """
    raise NotImplementedError


def entropy(p: np.ndarray):
    """Shannon entropy in nats, H(p) = -sum_k p_k log p_k, with 0 log 0 = 0.

    Args:
        p: (K,) a distribution, or (..., K) a batch of distributions along the
            last axis. Entries >= 0, each distribution summing to 1 (within 1e-6).

    Returns:
        float for p of shape (K,), ndarray p.shape[:-1] for a batch.

    Raises:
        ValueError: if an entry is negative or a distribution does not sum to 1.

    Hint: np.log(0) is -inf with a RuntimeWarning, and 0 * -inf is nan. Take
    the log only where p > 0 (np.where on a safe stand-in BEFORE the log; a
    np.where after np.log still evaluates log(0)). The tests treat warnings
    as errors.
    """
    raise NotImplementedError


def cross_entropy(p: np.ndarray, q: np.ndarray):
    """Cross-entropy in nats, H(p, q) = -sum_k p_k log q_k, with 0 log q = 0.

    p is the true (data) distribution, q the model's. With a one-hot p this is
    the classification loss -log q[label].

    Args:
        p, q: (K,) or (..., K), same shape, distributions along the last axis.

    Returns:
        float for (K,), ndarray p.shape[:-1] for a batch. +inf where q_k = 0
        while p_k > 0 (the model calls an observed outcome impossible), with
        no RuntimeWarning; an entry with p_k = 0 contributes 0 whatever q_k is.

    Raises:
        ValueError: on shape mismatch, negative entries or sums other than 1.
    """
    raise NotImplementedError


def kl_divergence(p: np.ndarray, q: np.ndarray):
    """Kullback-Leibler divergence in nats, KL(p || q) = sum_k p_k log(p_k / q_k).

    Term by term as ``scipy.special.rel_entr``: p_k log(p_k / q_k) when
    p_k > 0 and q_k > 0, 0 when p_k = 0, +inf when p_k > 0 = q_k.
    KL(p || q) >= 0, = 0 iff p = q, and KL(p || q) != KL(q || p) in general.

    Args:
        p, q: (K,) or (..., K), same shape, distributions along the last axis.

    Returns:
        float for (K,), ndarray p.shape[:-1] for a batch; +inf (no warning)
        when q puts 0 where p does not.

    Raises:
        ValueError: on shape mismatch, negative entries or sums other than 1.

    Hint: equals cross_entropy(p, q) - entropy(p), but compute it term by
    term, with the same care for zeros. p / q overflows to inf when q is
    subnormal (0.5 / 5e-324): there use log p - log q, which stays finite.
    """
    raise NotImplementedError


def plot_clt(
    sampler: Callable[[int, np.random.Generator], np.ndarray],
    sample_sizes,
    n_trials: int,
    rng: np.random.Generator,
    path,
):
    """Show the central limit theorem: histograms of sample means with the normal limit.

    For each n in sample_sizes: draw n_trials * n values with
    ``sampler(n_trials * n, rng)``, reshape to (n_trials, n), take the mean of
    each row (n_trials sample means), and plot their histogram as a density
    with the CLT's normal curve N(mu, sigma^2 / n) on top, where mu and sigma
    are the mean and std (ddof=1) of all n_trials * n draws of that panel.

    Args:
        sampler: ``sampler(size, rng)`` returns ``size`` i.i.d. draws (1-D).
        sample_sizes: the n of each panel, e.g. [1, 2, 10, 50].
        n_trials: sample means per histogram.
        rng: the generator passed to every sampler call.
        path: where to save the figure as PNG (str or Path).

    Returns:
        matplotlib.figure.Figure with one Axes per sample size, in order. Each
        Axes holds the histogram (``ax.hist(means, bins=..., density=True)``),
        one line for the normal curve (``ax.plot``), and the title
        ``f"n = {n}"`` (more text around it is fine).

    Hint: import matplotlib.pyplot inside this function;
    ``plt.subplots(1, len(sample_sizes), squeeze=False)`` gives a 2-D array
    of Axes even for one panel. The curve's standard deviation is
    sigma / sqrt(n), not sigma.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# --- mean_var ---------------------------------------------------------------


def test_mean_var_hand_numbers_default_ddof_0(impl, assert_close):
    # [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5,
    # so var = 5 / 4 = 1.25 with NumPy's default ddof=0.
    mean, var = impl.mean_var(np.array([1.0, 2.0, 3.0, 4.0]))
    assert_close(mean, 2.5, tol=1e-12, what="mean_var([1, 2, 3, 4]) -> mean")
    assert_close(var, 1.25, tol=1e-12, what="mean_var([1, 2, 3, 4]) (ddof=0) -> var = 5 / 4")


def test_mean_var_ddof_1_divides_by_n_minus_1(impl, assert_close):
    _, var = impl.mean_var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
    assert_close(var, 5.0 / 3.0, tol=1e-12, what="mean_var([1, 2, 3, 4], ddof=1) -> var = 5 / 3")


def test_mean_var_is_per_feature_along_axis_0(impl, rng, assert_close):
    # N = 6 observations of D = 3 features: the result has one entry per
    # feature (axis=1 would give 6 entries, one per observation).
    X = rng.standard_normal((6, 3)) * [1.0, 5.0, 0.1] + [0.0, -3.0, 10.0]
    mean, var = impl.mean_var(X, ddof=1)
    exp_mean = [sum(X[n, d] for n in range(6)) / 6 for d in range(3)]
    exp_var = [sum((X[n, d] - exp_mean[d]) ** 2 for n in range(6)) / 5 for d in range(3)]
    assert_close(mean, exp_mean, tol=1e-12, what="mean_var(X (6, 3), ddof=1) -> mean")
    assert_close(var, exp_var, tol=1e-12, what="mean_var(X (6, 3), ddof=1) -> var")


def test_mean_var_is_stable_for_large_offset(impl, assert_close):
    # x^2 is about 1e18 here, where float64 spacing is 128: the one-pass
    # formula E[x^2] - E[x]^2 returns rounding noise instead of 1.25.
    x = 1e9 + np.array([1.0, 2.0, 3.0, 4.0])
    _, var = impl.mean_var(x)
    assert_close(
        var, 1.25, tol=1e-9, what="mean_var(1e9 + [1, 2, 3, 4]) -> var (centre before squaring)"
    )


def test_mean_var_rejects_too_few_samples(impl):
    with pytest.raises(ValueError):
        impl.mean_var(np.array([3.0]), ddof=1)


def test_mean_var_batch_of_one_with_ddof_0_keeps_the_feature_axis(impl, assert_close):
    # One observation of 3 features, ddof=0 (falsy but valid: N - ddof = 1):
    # the mean is the row itself, shape (3,), and the variance is 0, not an
    # error and not a squeezed scalar.
    x = np.array([[2.0, -1.0, 0.5]])
    mean, var = impl.mean_var(x, ddof=0)
    assert_close(mean, [2.0, -1.0, 0.5], tol=0, what="mean_var(x (1, 3), ddof=0) -> mean")
    assert_close(var, [0.0, 0.0, 0.0], tol=0, what="mean_var(x (1, 3), ddof=0) -> var")


# --- covariance_matrix ------------------------------------------------------


def _loop_covariance(X, ddof):
    n, d = X.shape
    means = [sum(X[k, i] for k in range(n)) / n for i in range(d)]
    return [
        [
            sum((X[k, i] - means[i]) * (X[k, j] - means[j]) for k in range(n)) / (n - ddof)
            for j in range(d)
        ]
        for i in range(d)
    ]


def test_covariance_matrix_hand_numbers(impl, assert_close):
    # Column 2 = 2 * column 1; column 1 = [1, 2, 3] has variance 1 (ddof=1),
    # so cov = [[1, 2], [2, 4]].
    X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    got = impl.covariance_matrix(X)
    assert_close(got, [[1.0, 2.0], [2.0, 4.0]], tol=1e-12, what="covariance_matrix(X (3, 2))")


def test_covariance_matrix_matches_loop_for_tall_data(impl, rng, assert_close):
    # N = 7 != D = 3: the (D, N) layout mix-up returns a (7, 7) matrix.
    X = rng.standard_normal((7, 3)) @ rng.standard_normal((3, 3))
    got = impl.covariance_matrix(X)
    assert_close(
        got, _loop_covariance(X, 1), tol=1e-12, what="covariance_matrix(X (7, 3)), default ddof=1"
    )


def test_covariance_matrix_ddof_0_option(impl, rng, assert_close):
    X = rng.standard_normal((5, 2))
    got = impl.covariance_matrix(X, ddof=0)
    assert_close(got, _loop_covariance(X, 0), tol=1e-12, what="covariance_matrix(X (5, 2), ddof=0)")


def test_covariance_matrix_single_feature_is_1_by_1(impl, assert_close):
    got = impl.covariance_matrix(np.array([[1.0], [2.0], [3.0], [4.0]]))
    assert_close(got, [[5.0 / 3.0]], tol=1e-12, what="covariance_matrix(X (4, 1))")


def test_covariance_matrix_is_stable_for_large_offset(impl, rng, assert_close):
    # Covariance ignores a shift; E[xy] - E[x]E[y] at 1e8 loses every digit.
    X = rng.standard_normal((8, 2))
    got = impl.covariance_matrix(X + 1e8)
    assert_close(
        got, _loop_covariance(X, 1), tol=1e-6, what="covariance_matrix(X + 1e8) (shift-invariant)"
    )


def test_covariance_matrix_does_not_modify_X(impl, rng):
    X = rng.standard_normal((5, 3)) + 2.0
    before = X.copy()
    impl.covariance_matrix(X)
    assert np.array_equal(X, before), (
        "covariance_matrix(X) modified the caller's X (centred in place?): "
        f"X[0] was {before[0]}, is now {X[0]}"
    )


def test_covariance_matrix_rejects_1d_input(impl):
    with pytest.raises(ValueError):
        impl.covariance_matrix(np.array([1.0, 2.0, 3.0]))


def test_covariance_matrix_wide_data_is_rank_deficient(impl, rng, assert_close):
    # N = 3 observations of D = 5 features: a valid (5, 5) covariance of rank
    # at most N - 1 = 2 (three of its eigenvalues are 0 up to rounding).
    X = rng.standard_normal((3, 5))
    got = impl.covariance_matrix(X)
    assert_close(got, _loop_covariance(X, 1), tol=1e-12, what="covariance_matrix(X (3, 5))")
    eig = np.linalg.eigvalsh(np.asarray(got))
    assert np.sum(eig > 1e-10 * eig.max()) == 2, (
        f"covariance_matrix(X (3, 5)) has eigenvalues {eig}, expected rank N - 1 = 2"
    )


def test_covariance_matrix_one_row_with_ddof_0_is_zero(impl, assert_close):
    got = impl.covariance_matrix(np.array([[1.0, 2.0, 3.0]]), ddof=0)
    assert_close(got, np.zeros((3, 3)), tol=0, what="covariance_matrix(X (1, 3), ddof=0)")


# --- correlation_matrix -----------------------------------------------------


def test_correlation_matrix_matches_pearson_loop(impl, rng, assert_close):
    X = rng.standard_normal((9, 3)) @ rng.standard_normal((3, 3))
    C = _loop_covariance(X, 1)
    expected = [[C[i][j] / math.sqrt(C[i][i] * C[j][j]) for j in range(3)] for i in range(3)]
    got = impl.correlation_matrix(X)
    assert_close(got, expected, tol=1e-12, what="correlation_matrix(X (9, 3))")


def test_correlation_matrix_is_minus_one_for_a_decreasing_line(impl, assert_close):
    x = np.array([0.0, 1.0, 2.0, 5.0])
    got = impl.correlation_matrix(np.column_stack([x, 3.0 - 2.0 * x]))
    assert_close(got, [[1.0, -1.0], [-1.0, 1.0]], tol=1e-12, what="correlation_matrix([x, 3 - 2x])")


def test_correlation_matrix_stays_within_minus_one_and_one(impl):
    # Ten columns, each an exact affine function a_j x + b_j of one x: every
    # true correlation is +-1, and rounding in C_ij / sqrt(C_ii C_jj) lands
    # many computed ones an ulp beyond it. Clip, as np.corrcoef does: an
    # |r| > 1 makes np.arccos(r) or np.sqrt(1 - r**2) nan downstream.
    x = np.array([0.1, 0.4, 0.7, 1.3, 2.9])
    a = np.array([0.1, -0.3, 0.7, 1.1, -1.3, 3.0, -7.0, 0.01, 2.5, -0.2])
    X = x[:, None] * a + 0.5 * np.arange(10)
    got = np.asarray(impl.correlation_matrix(X))
    assert got.shape == (10, 10), f"correlation_matrix(X (5, 10)) has shape {got.shape}"
    worst = float(np.max(np.abs(got)))
    assert worst <= 1.0, (
        f"correlation_matrix(X (5, 10), affine columns) has an entry of magnitude "
        f"1 + {worst - 1.0:.1e}, expected every |r| <= 1 (clip the rounding overshoot)"
    )
    signs = np.sign(np.outer(a, a))
    assert np.allclose(got, signs, rtol=0.0, atol=1e-12), (
        f"correlation_matrix(X (5, 10), affine columns) should be sign(a_i a_j) = +-1, "
        f"max deviation {float(np.max(np.abs(got - signs))):.2e}"
    )


def test_correlation_matrix_is_scale_and_shift_invariant(impl, rng, assert_close):
    X = rng.standard_normal((10, 3))
    scaled = X * [1000.0, 0.001, -1.0] + [5.0, -7.0, 1e4]
    signs = np.outer([1, 1, -1], [1, 1, -1])  # a negated feature flips its correlations
    C = _loop_covariance(X, 1)
    unscaled = [[C[i][j] / math.sqrt(C[i][i] * C[j][j]) for j in range(3)] for i in range(3)]
    got = impl.correlation_matrix(scaled)
    assert_close(
        got,
        signs * np.array(unscaled),
        tol=1e-9,
        what="correlation_matrix(X * [1000, 0.001, -1] + shift) vs the correlations of X",
    )


def test_correlation_matrix_is_zero_for_dependent_variables(impl):
    # y = x^2 is a function of x, yet cov(x, x^2) = E[x^3] - E[x] E[x^2] = 0
    # for x symmetric about 0: zero correlation does not mean independence.
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    got = impl.correlation_matrix(np.column_stack([x, x**2]))
    assert abs(got[0, 1]) < 1e-12, (
        f"correlation_matrix([x, x**2]) for x = {x.tolist()} gave r = {got[0, 1]}, expected 0: "
        "correlation measures only the LINEAR part of a dependence"
    )


def test_correlation_matrix_rejects_constant_column(impl):
    X = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])
    with pytest.raises(ValueError):
        impl.correlation_matrix(X)


def test_correlation_matrix_rejects_a_constant_column_whose_mean_does_not_round(impl):
    # The mean of ten 0.1s is not exactly 0.1 in floating point, so the
    # computed variance is about 1e-34, not 0: a std == 0 check misses it.
    X = np.column_stack([np.arange(10.0), np.full(10, 0.1)])
    try:
        got = impl.correlation_matrix(X)
    except ValueError:
        return
    pytest.fail(
        "correlation_matrix(X) with a constant column of 0.1s returned\n"
        f"{got}\nexpected ValueError: test constancy on the data (all values equal), "
        "not on a computed variance that rounding leaves at 1e-34"
    )


def test_correlation_matrix_survives_features_on_extreme_scales(impl, rng, assert_close):
    # Scaling a feature by 1e150 or 1e-150 changes no correlation. Both
    # variances are representable (1e300, 1e-300), but their product is not:
    # cov / sqrt(np.outer(var, var)) overflows to inf (or underflows to 0)
    # before the square root. Divide by np.outer(std, std) instead.
    X = rng.standard_normal((8, 3))
    X[:, 1] += 0.5 * X[:, 0]
    X[:, 2] -= 0.3 * X[:, 1]
    expected = _loop_covariance(X, 1)
    s = np.sqrt(np.diag(expected))
    expected = expected / np.outer(s, s)
    scaled = X * np.array([1e150, 1e-150, 1.0])
    got = impl.correlation_matrix(scaled)
    assert_close(
        got, expected, tol=1e-12, what="correlation_matrix(X scaled by [1e150, 1e-150, 1])"
    )


# --- gaussian_pdf and gaussian_logpdf --------------------------------------


def _normal_pdf(x, mu, sigma):
    return math.exp(-((x - mu) ** 2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))


def _normal_logpdf(x, mu, sigma):
    return -((x - mu) ** 2) / (2 * sigma**2) - math.log(sigma) - 0.5 * math.log(2 * math.pi)


def test_gaussian_pdf_standard_normal_values(impl, assert_close):
    x = np.array([0.0, 1.0, -2.0])
    expected = [
        1 / math.sqrt(2 * math.pi),
        math.exp(-0.5) / math.sqrt(2 * math.pi),
        math.exp(-2.0) / math.sqrt(2 * math.pi),
    ]
    got = impl.gaussian_pdf(x, 0.0, 1.0)
    assert_close(got, expected, tol=1e-12, what="gaussian_pdf([0, 1, -2], mu=0, sigma=1)")


def test_gaussian_pdf_sigma_is_standard_deviation(impl, assert_close):
    # N(1, 2^2) at x = 3 is one sigma away: exp(-1/2) / (2 sqrt(2 pi)) = 0.1209854.
    # Treating sigma as the variance gives exp(-1) / sqrt(2 * 2 pi) = 0.1037769.
    got = impl.gaussian_pdf(3.0, 1.0, 2.0)
    assert_close(got, _normal_pdf(3.0, 1.0, 2.0), tol=1e-12, what="gaussian_pdf(3, mu=1, sigma=2)")


def test_gaussian_pdf_integrates_to_one(impl):
    mu, sigma = 2.0, 0.3
    grid = np.linspace(mu - 12 * sigma, mu + 12 * sigma, 20001)
    area = float(np.sum(impl.gaussian_pdf(grid, mu, sigma)) * (grid[1] - grid[0]))
    assert abs(area - 1.0) < 1e-9, (
        f"the area under gaussian_pdf(x, mu=2, sigma=0.3) is {area}, expected 1 "
        "(is the 1 / sigma normaliser there?)"
    )


def test_gaussian_pdf_broadcasts(impl, rng, assert_close):
    x = rng.standard_normal((4, 1))
    mu = np.array([0.0, 1.0, -1.0])
    sigma = np.array([0.5, 1.0, 3.0])
    expected = [[_normal_pdf(x[i, 0], mu[j], sigma[j]) for j in range(3)] for i in range(4)]
    got = impl.gaussian_pdf(x, mu, sigma)
    assert_close(got, expected, tol=1e-12, what="gaussian_pdf(x (4, 1), mu (3,), sigma (3,))")


def test_gaussian_pdf_rejects_nonpositive_sigma(impl):
    with pytest.raises(ValueError):
        impl.gaussian_pdf(0.0, 0.0, np.array([1.0, 0.0]))


@pytest.mark.parametrize("sigma", [1e-170, 1e170], ids=["tiny-sigma", "huge-sigma"])
def test_gaussian_pdf_is_accurate_for_extreme_sigma(impl, assert_close, sigma):
    # x two standard deviations from mu. (x - mu)^2 / (2 sigma^2) squares
    # sigma first: 1e-340 underflows to 0 (division by 0), 1e340 overflows
    # to inf (inf / inf = nan). Standardise first: z = (x - mu) / sigma.
    x = np.array([2.0, -1.0]) * sigma
    z = x / sigma
    expected = [math.exp(-0.5 * v * v) / (sigma * math.sqrt(2 * math.pi)) for v in z]
    got = impl.gaussian_pdf(x, 0.0, sigma)
    assert_close(got, expected, tol=1e-12, what=f"gaussian_pdf([2, -1] * sigma, 0, sigma={sigma})")


def test_gaussian_logpdf_matches_closed_form(impl, rng, assert_close):
    x = rng.standard_normal(6) * 3
    expected = [_normal_logpdf(v, 0.5, 1.7) for v in x]
    got = impl.gaussian_logpdf(x, 0.5, 1.7)
    assert_close(got, expected, tol=1e-12, what="gaussian_logpdf(x (6,), mu=0.5, sigma=1.7)")


def test_gaussian_logpdf_is_finite_far_in_the_tails(impl, assert_close):
    # x - mu = 1000 sigma: the pdf is exp(-500000) = 0.0 in float64, so
    # log(pdf) is -inf; the log-density is -500000 - log 2 - 0.5 log(2 pi).
    mu, sigma = 1.0, 2.0
    x = np.array([mu + 1e3 * sigma, mu - 1e3 * sigma])
    expected = [-5e5 - math.log(2.0) - 0.5 * math.log(2 * math.pi)] * 2
    got = impl.gaussian_logpdf(x, mu, sigma)
    assert_close(got, expected, tol=1e-12, what="gaussian_logpdf(mu +- 1000 sigma, mu=1, sigma=2)")


@pytest.mark.parametrize("sigma", [1e-170, 1e170], ids=["tiny-sigma", "huge-sigma"])
def test_gaussian_logpdf_is_accurate_for_extreme_sigma(impl, assert_close, sigma):
    # log N(x; 0, sigma^2) at x = 3 sigma: -4.5 - log(sigma) - 0.5 log(2 pi),
    # about +386 or -396. Squaring sigma underflows or overflows; z does not.
    x = 3.0 * sigma
    expected = -0.5 * (x / sigma) ** 2 - math.log(sigma) - 0.5 * math.log(2 * math.pi)
    got = impl.gaussian_logpdf(x, 0.0, sigma)
    assert_close(got, expected, tol=1e-12, what=f"gaussian_logpdf(3 sigma, 0, sigma={sigma})")


def test_gaussian_logpdf_rejects_nonpositive_sigma(impl):
    with pytest.raises(ValueError):
        impl.gaussian_logpdf(0.0, 0.0, -1.0)


# --- multivariate_gaussian_logpdf ------------------------------------------


def _loop_mvn_logpdf(x, mu, cov):
    # Slow reference: one solve per point; slogdet for the log-determinant.
    sign, logdet = np.linalg.slogdet(cov)
    assert sign > 0
    out = []
    for row in x:
        diff = row - mu
        out.append(
            -0.5 * (len(mu) * math.log(2 * math.pi) + logdet + diff @ np.linalg.solve(cov, diff))
        )
    return out


def _random_spd(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T + 0.5 * np.eye(d)


def test_multivariate_gaussian_logpdf_bivariate_closed_form(impl, assert_close):
    # The textbook bivariate density with sigma1 = 2, sigma2 = 0.5, rho = 0.6.
    s1, s2, rho = 2.0, 0.5, 0.6
    mu = np.array([1.0, -1.0])
    cov = np.array([[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]])
    x = np.array([[1.0, -1.0], [3.0, 0.0], [-1.0, -1.5], [0.5, 2.0], [2.0, -0.2]])
    expected = []
    for a, b in x:
        u, v = (a - mu[0]) / s1, (b - mu[1]) / s2
        q = (u**2 - 2 * rho * u * v + v**2) / (1 - rho**2)
        expected.append(-math.log(2 * math.pi * s1 * s2 * math.sqrt(1 - rho**2)) - q / 2)
    got = impl.multivariate_gaussian_logpdf(x, mu, cov)
    assert_close(
        got, expected, tol=1e-12, what="multivariate_gaussian_logpdf(x (5, 2), mu, cov rho=0.6)"
    )


def test_multivariate_gaussian_logpdf_matches_reference_for_non_square_x(impl, rng, assert_close):
    # N = 6 points in D = 4: a transposed x or a (D, N) result breaks here.
    d = 4
    cov = _random_spd(rng, d)
    mu = rng.standard_normal(d)
    x = rng.standard_normal((6, d)) * 2
    got = impl.multivariate_gaussian_logpdf(x, mu, cov)
    assert_close(
        got,
        _loop_mvn_logpdf(x, mu, cov),
        tol=1e-10,
        what="multivariate_gaussian_logpdf(x (6, 4), mu (4,), cov (4, 4)) -> (6,)",
    )


def test_multivariate_gaussian_logpdf_diagonal_is_sum_of_univariate(impl, rng, assert_close):
    # Independent coordinates: the joint log-density is the sum of the marginals'.
    sigmas = np.array([0.5, 1.0, 3.0])
    mu = np.array([1.0, 0.0, -2.0])
    x = rng.standard_normal((4, 3)) * 2
    expected = [sum(_normal_logpdf(x[n, i], mu[i], sigmas[i]) for i in range(3)) for n in range(4)]
    got = impl.multivariate_gaussian_logpdf(x, mu, np.diag(sigmas**2))
    assert_close(got, expected, tol=1e-12, what="multivariate_gaussian_logpdf(x, mu, diag cov)")


def test_multivariate_gaussian_logpdf_log_det_does_not_underflow(impl, rng, assert_close):
    # cov = 0.01 I in D = 200: det = 1e-400 underflows to 0.0 and log(det) is
    # -inf, but log det = 200 log(0.01) = -921.03 is ordinary.
    d, s2 = 200, 0.01
    x = rng.standard_normal((3, d)) * 0.1
    expected = [-0.5 * (d * math.log(2 * math.pi * s2) + float(row @ row) / s2) for row in x]
    got = impl.multivariate_gaussian_logpdf(x, np.zeros(d), s2 * np.eye(d))
    assert_close(
        got,
        expected,
        tol=1e-10,
        what="multivariate_gaussian_logpdf(x (3, 200), 0, 0.01 I) (log det from Cholesky)",
    )


def test_multivariate_gaussian_logpdf_uses_no_explicit_inverse(impl, rng, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError(
            "multivariate_gaussian_logpdf called np.linalg.inv/pinv: solve with the "
            "Cholesky factor instead of forming cov^-1"
        )

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    monkeypatch.setattr(np.linalg, "pinv", forbidden)
    cov = _random_spd(rng, 3)
    got = impl.multivariate_gaussian_logpdf(rng.standard_normal((2, 3)), np.zeros(3), cov)
    assert np.shape(got) == (2,), f"returned shape {np.shape(got)}, expected (2,)"


def test_multivariate_gaussian_logpdf_one_point_in_one_dimension_keeps_shape(impl, assert_close):
    # x (1, 1), mu (1,), cov (1, 1): the smallest valid input, a batch of one.
    # The result is (1,) (never squeezed to a scalar) and equals the
    # univariate log-density with sigma = 2.
    got = impl.multivariate_gaussian_logpdf(np.array([[3.0]]), np.array([1.0]), np.array([[4.0]]))
    assert_close(
        got,
        [_normal_logpdf(3.0, 1.0, 2.0)],
        tol=1e-12,
        what="multivariate_gaussian_logpdf(x (1, 1), mu (1,), cov [[4]])",
    )


def test_multivariate_gaussian_logpdf_mixes_scales(impl, rng, assert_close):
    # Variances 1e-12 and 1e12 on the diagonal (a feature in metres next to
    # one in micrometres), residuals of a few standard deviations in each.
    sigmas = np.array([1e-6, 1e6, 1.0])
    mu = np.array([1.0, -2.0, 0.5])
    x = mu + rng.standard_normal((4, 3)) * sigmas * 2
    expected = [sum(_normal_logpdf(x[n, i], mu[i], sigmas[i]) for i in range(3)) for n in range(4)]
    got = impl.multivariate_gaussian_logpdf(x, mu, np.diag(sigmas**2))
    assert_close(
        got, expected, tol=1e-10, what="multivariate_gaussian_logpdf(x, mu, diag(1e-12, 1e12, 1))"
    )


def test_multivariate_gaussian_logpdf_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError, match=r"\(3,\)"):
        impl.multivariate_gaussian_logpdf(np.zeros((5, 2)), np.zeros(3), np.eye(2))


def test_multivariate_gaussian_logpdf_rejects_1d_x(impl):
    # x of shape (3,) is ambiguous: one point in 3-D, or three points in 1-D?
    # The API asks for (N, D); one point is x[None, :].
    with pytest.raises(ValueError):
        impl.multivariate_gaussian_logpdf(np.zeros(3), np.zeros(3), np.eye(3))


def test_multivariate_gaussian_logpdf_rejects_indefinite_cov(impl):
    cov = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    with pytest.raises(ValueError):
        impl.multivariate_gaussian_logpdf(np.zeros((1, 2)), np.zeros(2), cov)


# --- bayes_posterior and disease_test_posterior ----------------------------


def test_bayes_posterior_hand_numbers(impl, assert_close):
    # Three coins with P(heads) 0.1, 0.5, 0.9 and prior 0.5, 0.25, 0.25; one
    # head observed. Joint 0.05, 0.125, 0.225; evidence 0.4.
    got = impl.bayes_posterior(np.array([0.5, 0.25, 0.25]), np.array([0.1, 0.5, 0.9]))
    assert_close(
        got,
        [0.125, 0.3125, 0.5625],
        tol=1e-12,
        what="bayes_posterior(prior=[0.5, 0.25, 0.25], likelihood=[0.1, 0.5, 0.9])",
    )


def test_bayes_posterior_sums_to_one(impl, rng):
    got = impl.bayes_posterior(rng.dirichlet(np.ones(5)), rng.uniform(0.01, 0.2, size=5))
    assert abs(float(np.sum(got)) - 1.0) < 1e-12, (
        f"bayes_posterior(...) sums to {float(np.sum(got))}, expected 1: divide by the "
        "evidence sum_k prior_k * likelihood_k"
    )


def test_bayes_posterior_flat_likelihood_returns_the_prior(impl, assert_close):
    # Data equally likely under every hypothesis teaches nothing.
    prior = np.array([0.7, 0.2, 0.1])
    got = impl.bayes_posterior(prior, np.array([0.3, 0.3, 0.3]))
    assert_close(got, prior, tol=1e-12, what="bayes_posterior(prior, flat likelihood 0.3)")


def test_bayes_posterior_sequential_updates_equal_one_batch_update(impl, rng, assert_close):
    # Yesterday's posterior is today's prior (for conditionally independent data).
    prior = rng.dirichlet(np.ones(4))
    lik1, lik2 = rng.uniform(0.1, 1.0, size=(2, 4))
    two_steps = impl.bayes_posterior(impl.bayes_posterior(prior, lik1), lik2)
    joint = prior * lik1 * lik2
    assert_close(
        two_steps,
        joint / joint.sum(),
        tol=1e-12,
        what="bayes_posterior(bayes_posterior(prior, lik1), lik2)",
    )


def test_bayes_posterior_does_not_modify_inputs(impl):
    prior = np.array([0.5, 0.5])
    lik = np.array([0.2, 0.6])
    impl.bayes_posterior(prior, lik)
    assert prior.tolist() == [0.5, 0.5], f"bayes_posterior modified the prior to {prior}"
    assert lik.tolist() == [0.2, 0.6], f"bayes_posterior modified the likelihood to {lik}"


def test_bayes_posterior_rejects_zero_evidence(impl):
    with pytest.raises(ValueError):
        impl.bayes_posterior(np.array([1.0, 0.0]), np.array([0.0, 0.5]))


def test_bayes_posterior_keeps_precision_for_a_subnormal_likelihood(impl, assert_close):
    # A likelihood like that of ~1000 observations: 3 * 2^-1070 and 2^-1070.
    # Times the prior (0.1, 0.9) the joint is subnormal, rounded to whole
    # multiples of 2^-1074 (48 / 10 -> 5 units and 144 / 10 -> 14: 4% off).
    # Exactly: 0.3 : 0.9, a posterior of (0.25, 0.75). And 2^-1074 * 0.5
    # rounds to 0.0: an evidence of 0 for data that are equally likely under
    # both hypotheses (posterior = prior).
    got = impl.bayes_posterior(np.array([0.1, 0.9]), np.array([3.0, 1.0]) * 2.0**-1070)
    assert_close(
        got,
        [0.25, 0.75],
        tol=1e-12,
        what="bayes_posterior([0.1, 0.9], [3, 1] * 2**-1070)",
        floor=0.0,
    )
    got = impl.bayes_posterior(np.array([0.5, 0.5]), np.full(2, 2.0**-1074))
    assert_close(
        got,
        [0.5, 0.5],
        tol=1e-12,
        what="bayes_posterior([0.5, 0.5], [2**-1074, 2**-1074]) (prior * likelihood rounds to 0)",
        floor=0.0,
    )


def test_bayes_posterior_zero_prior_stays_zero(impl, assert_close):
    # A hypothesis ruled out a priori (prior 0, falsy but valid) stays out,
    # whatever the likelihood says.
    got = impl.bayes_posterior(np.array([0.0, 0.4, 0.6]), np.array([1.0, 0.5, 0.25]))
    assert_close(
        got, [0.0, 4 / 7, 3 / 7], tol=1e-12, what="bayes_posterior([0, .4, .6], [1, .5, .25])"
    )


def test_disease_test_posterior_base_rate_example(impl, assert_close):
    # 1% prevalence, 95% sensitivity, 95% specificity: of 10,000 people, 95 of
    # the 100 sick and 495 of the 9,900 healthy test positive: 95 / 590 = 19 / 118.
    got = impl.disease_test_posterior(0.01, 0.95, 0.95)
    assert_close(got, 19 / 118, tol=1e-12, what="disease_test_posterior(0.01, 0.95, 0.95)")


def test_disease_test_posterior_uses_the_false_positive_rate(impl, assert_close):
    # sensitivity != specificity separates P(+ | not D) = 1 - specificity
    # (0.2 here: 0.09 / (0.09 + 0.18) = 1/3) from using specificity (1/9).
    got = impl.disease_test_posterior(0.1, 0.9, 0.8)
    assert_close(got, 1 / 3, tol=1e-12, what="disease_test_posterior(0.1, sens=0.9, spec=0.8)")


def test_disease_test_posterior_perfect_specificity_gives_certainty(impl, assert_close):
    got = impl.disease_test_posterior(0.001, 0.5, 1.0)
    assert_close(got, 1.0, tol=1e-12, what="disease_test_posterior(0.001, 0.5, spec=1.0)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [((0.0, 0.9, 0.9), 0.0), ((1.0, 0.9, 0.9), 1.0), ((0.3, 0.0, 0.9), 0.0)],
    ids=["prevalence-0", "prevalence-1", "sensitivity-0"],
)
def test_disease_test_posterior_boundary_probabilities(impl, assert_close, args, expected):
    # 0 and 1 are valid probabilities (falsy 0 included): nobody is ill, everybody
    # is, or the test never fires on the ill. Only P(+) = 0 is an error.
    got = impl.disease_test_posterior(*args)
    assert_close(got, expected, tol=0, what=f"disease_test_posterior{args}")


def test_disease_test_posterior_returns_a_float(impl):
    got = impl.disease_test_posterior(0.2, 0.9, 0.9)
    assert isinstance(got, float), f"returned {type(got).__name__}, expected float"


def test_disease_test_posterior_rejects_invalid_probability(impl):
    with pytest.raises(ValueError):
        impl.disease_test_posterior(0.01, 1.2, 0.9)


# --- monte_carlo_expectation -----------------------------------------------


def _fixed_sampler(values):
    values = np.asarray(values, dtype=np.float64)

    def sampler(n, rng):
        assert n == len(values), f"sampler called with n={n}, expected {len(values)}"
        return values.copy()

    return sampler


def test_monte_carlo_expectation_hand_numbers(impl, rng, assert_close):
    # Values [1, 2, 3, 4, 10]: mean 4, squared deviations sum 50, std(ddof=1)
    # = sqrt(50 / 4), standard error sqrt(12.5) / sqrt(5) = sqrt(2.5) = 1.5811.
    # ddof=0 gives sqrt(2) = 1.4142; no sqrt(n) gives 3.5355.
    est, se = impl.monte_carlo_expectation(lambda v: v, _fixed_sampler([1, 2, 3, 4, 10]), 5, rng)
    assert_close(est, 4.0, tol=1e-12, what="monte_carlo_expectation(identity, [1,2,3,4,10]) -> est")
    assert_close(
        se,
        math.sqrt(2.5),
        tol=1e-12,
        what="monte_carlo_expectation(identity, [1,2,3,4,10]) -> std(ddof=1) / sqrt(n)",
    )


def test_monte_carlo_expectation_applies_f_to_the_samples(impl, rng, assert_close):
    # f(x) = x^2 on [-1, 1, 3]: values 1, 1, 9, mean 11/3, deviations -8/3,
    # -8/3, 16/3, squares summing to 128/3, std(ddof=1) = sqrt(64/3), so the
    # standard error is sqrt(64/3) / sqrt(3) = 8/3: that of f's values, not
    # of the samples (std of [-1, 1, 3] / sqrt(3) = 1.1547).
    est, se = impl.monte_carlo_expectation(lambda v: v**2, _fixed_sampler([-1, 1, 3]), 3, rng)
    assert_close(est, 11 / 3, tol=1e-12, what="monte_carlo_expectation(x**2, [-1, 1, 3]) -> est")
    assert_close(
        se,
        8 / 3,
        tol=1e-12,
        what="monte_carlo_expectation(x**2, [-1, 1, 3]) -> standard error of f(x)",
    )


def test_monte_carlo_expectation_passes_n_and_rng_to_the_sampler(impl, rng):
    calls = []

    def sampler(n, r):
        calls.append((n, r))
        return r.standard_normal(n)

    impl.monte_carlo_expectation(np.abs, sampler, 50, rng)
    assert len(calls) == 1, f"the sampler was called {len(calls)} times, expected once"
    assert calls[0][0] == 50, f"the sampler was called with n={calls[0][0]}, expected 50"
    assert calls[0][1] is rng, "the sampler got a different generator: pass the given rng"


def test_monte_carlo_expectation_covers_the_true_value(impl, rng):
    # E[X^2] = 1 for X ~ N(0, 1); Var[X^2] = 2, so the standard error is
    # about sqrt(2 / n). The estimate lands within 4 standard errors.
    n = 20000
    est, se = impl.monte_carlo_expectation(
        lambda v: v**2, lambda k, r: r.standard_normal(k), n, rng
    )
    assert abs(se / math.sqrt(2 / n) - 1) < 0.1, (
        f"standard error {se:.5f}, expected about sqrt(2 / n) = {math.sqrt(2 / n):.5f}"
    )
    assert abs(est - 1.0) < 4 * se, f"estimate {est:.5f} of E[X^2] = 1 is beyond 4 se = {4 * se}"


def test_monte_carlo_expectation_standard_error_survives_a_large_offset(impl, rng, assert_close):
    # Values 1e9 + [1, 2, 3, 4, 10]: the standard error is sqrt(2.5), as
    # without the offset. The one-pass variance mean(v^2) - mean(v)^2 works on
    # numbers near 1e18, where neighbouring floats are 128 apart, and returns
    # noise (or a negative variance and a nan).
    values = 1e9 + np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    est, se = impl.monte_carlo_expectation(lambda v: v, _fixed_sampler(values), 5, rng)
    assert_close(est, 1e9 + 4, tol=1e-15, what="monte_carlo_expectation(1e9 + [1,2,3,4,10]) -> est")
    assert_close(se, math.sqrt(2.5), tol=1e-12, what="monte_carlo_expectation(1e9 + [...]) -> se")


def test_monte_carlo_expectation_rejects_a_single_sample(impl, rng):
    with pytest.raises(ValueError):
        impl.monte_carlo_expectation(lambda v: v, lambda k, r: r.random(k), 1, rng)


# --- sample_categorical ----------------------------------------------------


class _FixedUniforms:
    """A stand-in generator whose random(n) returns chosen uniforms.

    It pins the boundary conventions: which category a u exactly on the CDF
    gets, and that nothing is drawn past the last category.
    """

    def __init__(self, u):
        self.u = np.asarray(u, dtype=np.float64)
        self.calls = 0

    def random(self, size=None):
        self.calls += 1
        assert size in (len(self.u), (len(self.u),)), (
            f"sample_categorical called rng.random({size!r}); the docstring says one "
            f"uniform per draw: rng.random(n) with n = {len(self.u)}"
        )
        return self.u.copy()

    def __getattr__(self, name):
        pytest.fail(
            f"sample_categorical used rng.{name}; draw the uniforms with rng.random(n) "
            "(one per sample, nothing else), as the docstring says",
            pytrace=False,
        )


def test_sample_categorical_frequencies_match_p(impl, rng):
    # 200,000 draws: each frequency is within 5 standard errors
    # sqrt(p (1 - p) / n) of p (a false alarm about once in 1.7 million runs
    # per category). The zero-probability category must never appear.
    p = np.array([0.1, 0.0, 0.25, 0.6, 0.05])
    n = 200_000
    draws = np.asarray(impl.sample_categorical(p, n, rng))
    assert draws.shape == (n,), f"sample_categorical(p, {n}, rng) has shape {draws.shape}"
    assert np.issubdtype(draws.dtype, np.integer), f"draws have dtype {draws.dtype}, expected int"
    assert draws.min() >= 0, f"draws outside [0, 5): {np.unique(draws)}"
    assert draws.max() < len(p), f"draws outside [0, 5): {np.unique(draws)}"
    freq = np.bincount(draws, minlength=len(p)) / n
    se = np.sqrt(p * (1 - p) / n)
    assert freq[1] == 0.0, f"category 1 has p = 0 but was drawn {int(freq[1] * n)} times"
    bad = np.abs(freq - p) > 5 * se
    assert not np.any(bad), (
        f"sample_categorical(p={p.tolist()}, n={n}): frequencies {np.round(freq, 4).tolist()}, "
        f"expected p within 5 standard errors {np.round(5 * se, 4).tolist()}"
    )


def test_sample_categorical_boundaries_belong_to_the_next_category(impl):
    # p = (0.25, 0, 0.5, 0.25): F = (0.25, 0.25, 0.75, 1), all exact in binary.
    # Category k owns [F_{k-1}, F_k): u = 0 -> 0, u = 0.25 -> 2 (not 0, and never
    # the empty category 1), u just below 0.75 -> 2, u = 0.75 -> 3.
    p = np.array([0.25, 0.0, 0.5, 0.25])
    u = [0.0, 0.2499999999999999, 0.25, 0.7499999999999999, 0.75, 1 - 2.0**-53]
    got = np.asarray(impl.sample_categorical(p, len(u), _FixedUniforms(u)))
    expected = [0, 0, 2, 2, 3, 3]
    assert got.tolist() == expected, (
        f"sample_categorical(p={p.tolist()}) for u = {u}: got {got.tolist()}, expected "
        f"{expected} (searchsorted(cdf, u, side='right'): u = F_k starts category k + 1)"
    )


def test_sample_categorical_never_draws_a_leading_zero_category(impl):
    # p = (0, 1) and u = 0.0 (rng.random can return it): the first F_k >= u is
    # F_0 = 0, category 0 of probability 0; the first F_k > u is category 1.
    got = np.asarray(impl.sample_categorical(np.array([0.0, 1.0]), 1, _FixedUniforms([0.0])))
    assert got.tolist() == [1], (
        f"sample_categorical([0, 1]) at u = 0.0 gave {got.tolist()}, expected [1]"
    )


def test_sample_categorical_rounded_cdf_never_runs_past_the_end(impl):
    # Ten 0.1s: np.cumsum ends at 0.9999999999999999 < 1, and the largest
    # uniform 1 - 2^-53 = 0.99999999999999989 is above it. The draw is the
    # last category (9), not index 10. A trailing zero category stays empty.
    u = [1 - 2.0**-53]
    got = np.asarray(impl.sample_categorical(np.full(10, 0.1), 1, _FixedUniforms(u)))
    assert got.tolist() == [9], (
        f"sample_categorical(ten 0.1s) at u = 1 - 2**-53 gave {got.tolist()}, expected [9]"
    )
    p = np.array([0.3, 0.7, 0.0])
    got = np.asarray(impl.sample_categorical(p, 1, _FixedUniforms(u)))
    assert got.tolist() == [1], (
        f"sample_categorical([0.3, 0.7, 0]) at u = 1 - 2**-53 gave {got.tolist()}, expected [1]"
    )


def test_sample_categorical_equals_numpy_choice(impl):
    # One rng.random(n) call and the right-closed search is what
    # Generator.choice(K, size=n, p=p) does: same seed, same draws.
    p = np.array([0.05, 0.3, 0.0, 0.15, 0.5])
    got = np.asarray(impl.sample_categorical(p, 500, np.random.default_rng(7)))
    expected = np.random.default_rng(7).choice(len(p), size=500, p=p)
    mismatch = np.flatnonzero(got != expected)
    assert mismatch.size == 0, (
        f"sample_categorical(p, 500, default_rng(7)) differs from "
        f"default_rng(7).choice(5, 500, p=p) at {mismatch.size} positions, first at index "
        f"{mismatch[:1].tolist()}: draw u = rng.random(n) once"
    )


def test_sample_categorical_draws_are_independent(impl, rng):
    # Successive draws are independent: the pairs (x_i, x_{i+1}) have
    # frequencies p_a p_b. Sorting the uniforms (a tempting speed-up for the
    # search) gives the right marginal frequencies and almost no mixed pairs.
    p = np.array([0.3, 0.7])
    n = 100_000
    draws = np.asarray(impl.sample_categorical(p, n, rng))
    pairs = np.bincount(2 * draws[:-1] + draws[1:], minlength=4) / (n - 1)
    expected = np.outer(p, p).ravel()
    se = np.sqrt(expected * (1 - expected) / (n - 1))
    assert np.all(np.abs(pairs - expected) <= 6 * se), (
        f"pair frequencies (00, 01, 10, 11) {np.round(pairs, 4).tolist()}, expected "
        f"{expected.tolist()} within 6 standard errors: successive draws are not independent"
    )


def test_sample_categorical_batch_of_one_and_zero(impl, rng):
    one = np.asarray(impl.sample_categorical(np.array([1.0]), 1, rng))
    assert one.shape == (1,), f"sample_categorical([1.0], 1) has shape {one.shape}, expected (1,)"
    assert one.tolist() == [0], f"sample_categorical([1.0], 1) = {one!r}, expected [0]"
    none = np.asarray(impl.sample_categorical(np.array([0.5, 0.5]), 0, rng))
    assert none.shape == (0,), f"sample_categorical(p, 0) has shape {none.shape}, expected (0,)"


@pytest.mark.parametrize(
    "p",
    [[0.5, 0.6], [1.2, -0.2], [[0.5, 0.5]], [np.nan, 1.0]],
    ids=["sum-1.1", "negative", "2-D", "nan"],
)
def test_sample_categorical_rejects_invalid_p(impl, rng, p):
    with pytest.raises(ValueError):
        impl.sample_categorical(np.array(p), 10, rng)


def test_sample_categorical_sum_tolerance_is_1e_minus_6(impl, rng):
    # Within 1e-6 of 1 is accepted (a float32-rounded p), 5e-6 off is not:
    # np.isclose's default tolerances would accept 1 + 1e-5.
    ok = np.asarray(impl.sample_categorical(np.array([0.5, 0.5 + 2e-7]), 3, rng))
    assert ok.shape == (3,), f"sample_categorical(p summing to 1 + 2e-7, 3) gave {ok!r}"
    with pytest.raises(ValueError):
        impl.sample_categorical(np.array([0.5, 0.5 + 5e-6]), 3, rng)


# --- entropy, cross_entropy, kl_divergence ---------------------------------


def _loop_xlogy(p, q):
    return sum(a * math.log(b) for a, b in zip(p, q, strict=True) if a > 0)


def test_entropy_uniform_is_log_k(impl, assert_close):
    got = impl.entropy(np.full(5, 0.2))
    assert_close(got, math.log(5), tol=1e-12, what="entropy(uniform over 5) (natural log: ln 5)")


def test_entropy_hand_numbers(impl, assert_close):
    # -(0.5 ln 0.5 + 2 * 0.25 ln 0.25) = 0.5 ln 2 + ln 2 = 1.5 ln 2 = 1.0397 nats.
    got = impl.entropy(np.array([0.5, 0.25, 0.25]))
    assert_close(got, 1.5 * math.log(2), tol=1e-12, what="entropy([0.5, 0.25, 0.25])")


@pytest.mark.parametrize(
    ("p", "expected"),
    [([0.5, 0.5, 0.0], math.log(2)), ([0.0, 1.0, 0.0], 0.0)],
    ids=["one-zero", "one-hot"],
)
def test_entropy_zero_probability_contributes_nothing(impl, assert_close, p, expected):
    # 0 log 0 = 0 (the limit of t log t). Any RuntimeWarning from log(0)
    # fails this test: warnings are errors here.
    got = impl.entropy(np.array(p))
    assert_close(got, expected, tol=1e-12, what=f"entropy({p})")


def test_entropy_is_per_row_for_a_batch(impl, rng, assert_close):
    P = rng.dirichlet(np.ones(4), size=3)  # three distributions over 4 outcomes
    got = impl.entropy(P)
    assert_close(got, [-_loop_xlogy(r, r) for r in P], tol=1e-12, what="entropy(P (3, 4)) -> (3,)")


def test_entropy_is_accurate_for_a_nearly_certain_outcome(impl, assert_close):
    # p = (1 - 1e-12, 1e-12): H = 2.86e-11 nats, almost all of it from the
    # 1e-12 log 1e-12 term. A log(p + 1e-12) "for safety" changes that term
    # by 1e-12 ln 2 and the entropy by 2.4%.
    p = np.array([1 - 1e-12, 1e-12])
    expected = -(p[0] * math.log1p(p[0] - 1) + p[1] * math.log(p[1]))
    got = impl.entropy(p)
    assert_close(got, expected, tol=1e-12, what="entropy([1 - 1e-12, 1e-12]) (about 2.86e-11)")


def test_entropy_batch_of_one_is_not_squeezed(impl, assert_close):
    got = impl.entropy(np.array([[0.5, 0.5]]))
    assert_close(got, [math.log(2)], tol=1e-12, what="entropy(P (1, 2)) -> (1,)")


def test_entropy_rejects_negative_probabilities(impl):
    with pytest.raises(ValueError):
        impl.entropy(np.array([1.2, -0.2]))


def test_entropy_rejects_a_row_that_does_not_sum_to_one(impl):
    # Row 1 of the batch sums to 0.9: the sum is checked per distribution
    # (last axis), not skipped and not taken over the whole array.
    with pytest.raises(ValueError):
        impl.entropy(np.array([[0.5, 0.5], [0.6, 0.3]]))


def test_cross_entropy_one_hot_is_negative_log_likelihood(impl, assert_close):
    got = impl.cross_entropy(np.array([1.0, 0.0, 0.0]), np.array([0.7, 0.2, 0.1]))
    assert_close(got, -math.log(0.7), tol=1e-12, what="cross_entropy(one-hot 0, [0.7, 0.2, 0.1])")


def test_cross_entropy_hand_numbers(impl, assert_close):
    # -(0.5 ln 0.9 + 0.5 ln 0.1) = 1.2039728; the swapped H(q, p) is ln 2.
    got = impl.cross_entropy(np.array([0.5, 0.5]), np.array([0.9, 0.1]))
    expected = -0.5 * (math.log(0.9) + math.log(0.1))
    assert_close(got, expected, tol=1e-12, what="cross_entropy(p=[0.5, 0.5], q=[0.9, 0.1])")


def test_cross_entropy_rejects_a_q_that_does_not_sum_to_one(impl):
    # Passing scores (or logits) where probabilities belong: q = (2, 1, 1).
    with pytest.raises(ValueError):
        impl.cross_entropy(np.array([1.0, 0.0, 0.0]), np.array([2.0, 1.0, 1.0]))


def test_cross_entropy_is_inf_when_q_is_zero_where_p_is_positive(impl):
    got = impl.cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert got == np.inf, f"cross_entropy([0.5, 0.5], [1, 0]) = {got}, expected inf"


def test_cross_entropy_ignores_q_where_p_is_zero(impl):
    # p = q = one-hot: 1 log 1 + 0 log 0 = 0, not nan.
    got = impl.cross_entropy(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert got == 0.0, f"cross_entropy([1, 0], [1, 0]) = {got}, expected 0 (0 log 0 = 0)"


def test_cross_entropy_keeps_growing_for_a_confidently_wrong_model(impl, assert_close):
    # The model gives the observed outcome probability 1e-300: the loss is
    # 300 ln 10 = 690.8 nats. A clip of q at 1e-12 would cap it at 27.6 and
    # hide the error.
    got = impl.cross_entropy(np.array([1.0, 0.0]), np.array([1e-300, 1.0]))
    assert_close(got, 300 * math.log(10), tol=1e-12, what="cross_entropy([1, 0], [1e-300, 1])")


def test_cross_entropy_entry_zero_in_both_is_zero(impl, assert_close):
    # p_k = q_k = 0 contributes 0 log 0 = 0: no nan, no warning.
    got = impl.cross_entropy(np.array([[0.5, 0.0, 0.5]]), np.array([[0.25, 0.0, 0.75]]))
    expected = [-0.5 * (math.log(0.25) + math.log(0.75))]
    assert_close(
        got, expected, tol=1e-12, what="cross_entropy([[.5, 0, .5]], [[.25, 0, .75]]) -> (1,)"
    )


def test_cross_entropy_is_per_row_for_a_batch(impl, rng, assert_close):
    P = rng.dirichlet(np.ones(5), size=(2, 3))
    Q = rng.dirichlet(np.ones(5), size=(2, 3))
    expected = [[-_loop_xlogy(P[i, j], Q[i, j]) for j in range(3)] for i in range(2)]
    got = impl.cross_entropy(P, Q)
    assert_close(got, expected, tol=1e-12, what="cross_entropy(P (2, 3, 5), Q) -> (2, 3)")


def test_kl_divergence_hand_numbers(impl, assert_close):
    # 0.5 ln(0.5 / 0.9) + 0.5 ln(0.5 / 0.1) = 0.5 ln(25 / 9) = ln(5 / 3) = 0.5108.
    got = impl.kl_divergence(np.array([0.5, 0.5]), np.array([0.9, 0.1]))
    assert_close(got, math.log(5 / 3), tol=1e-12, what="kl_divergence([0.5, 0.5], [0.9, 0.1])")


def test_kl_divergence_is_asymmetric(impl, assert_close):
    # KL(q || p) = 0.9 ln 1.8 + 0.1 ln 0.2 = 0.3681, not ln(5/3) = 0.5108.
    got = impl.kl_divergence(np.array([0.9, 0.1]), np.array([0.5, 0.5]))
    expected = 0.9 * math.log(1.8) + 0.1 * math.log(0.2)
    assert_close(got, expected, tol=1e-12, what="kl_divergence([0.9, 0.1], [0.5, 0.5])")


def test_kl_divergence_of_a_distribution_with_itself_is_zero(impl, rng):
    p = rng.dirichlet(np.ones(6))
    got = impl.kl_divergence(p, p)
    assert abs(got) < 1e-15, f"kl_divergence(p, p) = {got}, expected 0"


def test_kl_divergence_is_inf_when_q_is_zero_where_p_is_positive(impl):
    got = impl.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert got == np.inf, f"kl_divergence([0.5, 0.5], [1, 0]) = {got}, expected inf"


def test_kl_divergence_is_finite_when_p_is_zero_where_q_is_positive(impl, assert_close):
    # The reverse direction: p's zero contributes 0 log(0 / 0.5) = 0.
    got = impl.kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    assert_close(got, math.log(2), tol=1e-12, what="kl_divergence([1, 0], [0.5, 0.5])")


def test_kl_divergence_matches_loop_for_a_batch(impl, rng, assert_close):
    P = rng.dirichlet(np.ones(5), size=4)
    Q = rng.dirichlet(np.ones(5), size=4)
    expected = [_loop_xlogy(p, p) - _loop_xlogy(p, q) for p, q in zip(P, Q, strict=True)]
    got = impl.kl_divergence(P, Q)
    assert_close(got, expected, tol=1e-10, what="kl_divergence(P (4, 5), Q (4, 5)) -> (4,)")
    assert np.all(np.asarray(got) >= 0), f"KL must be >= 0 (Gibbs' inequality), got {got}"


def test_kl_divergence_is_finite_for_a_subnormal_q_entry(impl, assert_close, call_quietly):
    # 0.5 / 5e-324 overflows to inf, but the term 0.5 log(0.5 / 5e-324) is
    # about 371.9: SciPy's rel_entr sum gives 371.53.
    p, q = np.array([0.5, 0.5]), np.array([1.0, 5e-324])
    expected = 0.5 * math.log(0.5) + 0.5 * (math.log(0.5) - math.log(5e-324))
    got = call_quietly(impl.kl_divergence, p, q, what="kl_divergence([0.5, 0.5], [1, 5e-324])")
    assert_close(got, expected, tol=1e-12, what="kl_divergence([0.5, 0.5], [1, 5e-324])")


def test_kl_divergence_is_accurate_when_p_and_q_are_close(impl, assert_close):
    # p = (0.5 + d, 0.5 - d), q = uniform, d = 1e-6: KL is about 2 d^2 = 2e-12.
    # cross_entropy - entropy subtracts two numbers near ln 2 = 0.69, whose
    # rounding errors (1e-16) are 1e-4 of the answer. Term by term,
    # log(p / q) = log(2 p) is exact to a few ulps.
    p = np.array([0.5 + 1e-6, 0.5 - 1e-6])
    expected = sum(pk * math.log1p(2 * pk - 1) for pk in p)
    got = impl.kl_divergence(p, np.array([0.5, 0.5]))
    assert_close(
        got, expected, tol=1e-9, what="kl_divergence([0.5 + 1e-6, 0.5 - 1e-6], [0.5, 0.5])"
    )


def test_kl_divergence_entry_zero_in_both_is_zero(impl, assert_close):
    # p_k = q_k = 0: 0 log(0 / 0) is 0, not nan. A batch of one stays (1,).
    got = impl.kl_divergence(np.array([[0.5, 0.0, 0.5]]), np.array([[0.25, 0.0, 0.75]]))
    expected = [0.5 * math.log(2) + 0.5 * math.log(2 / 3)]
    assert_close(
        got, expected, tol=1e-12, what="kl_divergence([[.5, 0, .5]], [[.25, 0, .75]]) -> (1,)"
    )


def test_kl_divergence_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError):
        impl.kl_divergence(np.array([0.5, 0.5]), np.array([0.2, 0.3, 0.5]))


def test_kl_divergence_rejects_a_q_that_does_not_sum_to_one(impl):
    # q = (0.5, 0.2), unnormalised scores: KL would come out 0.5 ln(1/0.4)
    # + ... and could even be negative; the docstring says ValueError.
    with pytest.raises(ValueError):
        impl.kl_divergence(np.array([0.5, 0.5]), np.array([0.5, 0.2]))


# --- plot_clt ---------------------------------------------------------------


def _uniform_sampler(calls):
    def sampler(size, r):
        calls.append((size, r))
        return r.random(size)  # Uniform(0, 1): mean 1/2, variance 1/12

    return sampler


def _bars(ax):
    from matplotlib.patches import Rectangle

    return [p for p in ax.patches if isinstance(p, Rectangle)]


SIZES, TRIALS = (1, 4, 30), 1000


def test_plot_clt_one_panel_per_sample_size(impl, rng, tmp_path):
    from matplotlib.figure import Figure

    path = tmp_path / "clt.png"
    calls = []
    fig = impl.plot_clt(_uniform_sampler(calls), SIZES, TRIALS, rng, path)
    assert isinstance(fig, Figure), f"plot_clt returned {type(fig).__name__}, expected a Figure"
    assert len(fig.axes) == len(SIZES), f"{len(fig.axes)} axes, expected one per n in {SIZES}"
    for ax, n in zip(fig.axes, SIZES, strict=True):
        assert _bars(ax), f"the panel for n = {n} has no histogram (ax.hist)"
        assert ax.get_lines(), f"the panel for n = {n} has no line (the CLT normal curve)"
        assert re.search(rf"\bn\s*=\s*{n}\b", ax.get_title()), (
            f"panel title {ax.get_title()!r} should contain 'n = {n}'"
        )
    assert calls, "plot_clt never called the sampler"
    assert all(r is rng for _, r in calls), "pass the given rng to every sampler call"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"


def test_plot_clt_single_panel(impl, rng, tmp_path):
    # One sample size: still one Axes (plt.subplots(1, 1) returns a bare
    # Axes, not an array, unless squeeze=False).
    fig = impl.plot_clt(_uniform_sampler([]), [5], 200, rng, tmp_path / "one.png")
    assert len(fig.axes) == 1, f"plot_clt(sample_sizes=[5]) drew {len(fig.axes)} axes, expected 1"
    assert _bars(fig.axes[0]), "the single panel has no histogram (ax.hist)"
    assert fig.axes[0].get_lines(), "the single panel has no line (the CLT normal curve)"
    assert (tmp_path / "one.png").exists(), "plot_clt did not save the PNG"


def test_plot_clt_histograms_are_densities_of_sample_means(impl, rng, tmp_path):
    # Area 1 (density=True), centred on 1/2, spread sigma / sqrt(n) with
    # sigma^2 = 1/12: a histogram of raw draws keeps the spread of n = 1.
    fig = impl.plot_clt(_uniform_sampler([]), SIZES, TRIALS, rng, tmp_path / "clt.png")
    for ax, n in zip(fig.axes, SIZES, strict=True):
        bars = _bars(ax)
        heights = np.array([b.get_height() for b in bars])
        widths = np.array([b.get_width() for b in bars])
        centres = np.array([b.get_x() + b.get_width() / 2 for b in bars])
        mass = heights * widths
        assert abs(mass.sum() - 1) < 1e-6, (
            f"panel n = {n}: the histogram's area is {mass.sum():.4f}, expected 1 (density=True)"
        )
        mean = float(np.sum(mass * centres))
        std = float(np.sqrt(np.sum(mass * (centres - mean) ** 2)))
        expected_std = math.sqrt(1 / 12 / n)
        assert abs(mean - 0.5) < 0.05, (
            f"panel n = {n}: the histogram is centred at {mean:.3f}, expected 0.5 "
            "(the mean of Uniform(0, 1))"
        )
        assert abs(std / expected_std - 1) < 0.15, (
            f"panel n = {n}: the histogram's std is {std:.4f}; the sample means of n "
            f"Uniform(0, 1) draws have std sqrt(1/12 / n) = {expected_std:.4f} "
            "(histogram the row means, not the raw draws)"
        )


def test_plot_clt_curve_has_the_clt_width(impl, rng, tmp_path):
    # N(1/2, (1/12) / n) peaks at 1 / (sqrt(2 pi) sigma / sqrt(n)) at x = 1/2.
    fig = impl.plot_clt(_uniform_sampler([]), SIZES, TRIALS, rng, tmp_path / "clt.png")
    for ax, n in zip(fig.axes, SIZES, strict=True):
        line = max(ax.get_lines(), key=lambda ln: np.max(ln.get_ydata()))
        xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        peak = 1 / (math.sqrt(2 * math.pi) * math.sqrt(1 / 12 / n))
        assert abs(ys.max() / peak - 1) < 0.1, (
            f"panel n = {n}: the curve peaks at {ys.max():.3f}, expected about {peak:.3f} "
            "(the normal curve's std is sigma / sqrt(n))"
        )
        assert abs(xs[np.argmax(ys)] - 0.5) < 0.05, (
            f"panel n = {n}: the curve peaks at x = {xs[np.argmax(ys)]:.3f}, expected 0.5"
        )


# --- every exercise leaves the caller's arrays untouched ---------------------
# Centring X in place (X -= X.mean(0)), normalising p in place or clipping q
# in place returns the right value and silently corrupts the caller's data.


def test_mean_var_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.mean_var, rng.standard_normal((6, 3)), what="mean_var(x)")


def test_covariance_matrix_leaves_X_untouched(impl, rng, call_untouched):
    call_untouched(impl.covariance_matrix, rng.standard_normal((6, 3)), what="covariance_matrix(X)")


def test_correlation_matrix_leaves_X_untouched(impl, rng, call_untouched):
    X = rng.standard_normal((6, 3))
    call_untouched(impl.correlation_matrix, X, what="correlation_matrix(X)")


def test_gaussian_pdf_leaves_inputs_untouched(impl, rng, call_untouched):
    x, mu, sigma = rng.standard_normal(5), rng.standard_normal(5), rng.uniform(0.5, 2, 5)
    call_untouched(impl.gaussian_pdf, x, mu, sigma, what="gaussian_pdf(x, mu, sigma)")


def test_gaussian_logpdf_leaves_inputs_untouched(impl, rng, call_untouched):
    x, mu, sigma = rng.standard_normal(5), rng.standard_normal(5), rng.uniform(0.5, 2, 5)
    call_untouched(impl.gaussian_logpdf, x, mu, sigma, what="gaussian_logpdf(x, mu, sigma)")


def test_multivariate_gaussian_logpdf_leaves_inputs_untouched(impl, rng, call_untouched):
    A = rng.standard_normal((3, 3))
    x, mu, cov = rng.standard_normal((4, 3)), rng.standard_normal(3), A @ A.T + np.eye(3)
    call_untouched(
        impl.multivariate_gaussian_logpdf,
        x,
        mu,
        cov,
        what="multivariate_gaussian_logpdf(x, mu, cov)",
    )


def test_bayes_posterior_leaves_inputs_untouched(impl, call_untouched):
    prior, likelihood = np.array([0.2, 0.5, 0.3]), np.array([0.9, 0.1, 0.4])
    call_untouched(
        impl.bayes_posterior, prior, likelihood, what="bayes_posterior(prior, likelihood)"
    )


def test_sample_categorical_leaves_p_untouched(impl, rng, call_untouched):
    # Normalising p in place (p /= p.sum()) or cumsum(out=p) corrupts the caller's p.
    p = np.array([0.2, 0.0, 0.3, 0.5])
    call_untouched(impl.sample_categorical, p, 20, rng, what="sample_categorical(p, 20, rng)")


def test_entropy_leaves_p_untouched(impl, call_untouched):
    call_untouched(impl.entropy, np.array([0.5, 0.0, 0.25, 0.25]), what="entropy(p)")


def test_cross_entropy_leaves_inputs_untouched(impl, call_untouched):
    p, q = np.array([0.5, 0.0, 0.5]), np.array([0.25, 0.25, 0.5])
    call_untouched(impl.cross_entropy, p, q, what="cross_entropy(p, q)")


def test_kl_divergence_leaves_inputs_untouched(impl, call_untouched):
    p, q = np.array([0.5, 0.0, 0.5]), np.array([0.25, 0.25, 0.5])
    call_untouched(impl.kl_divergence, p, q, what="kl_divergence(p, q)")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
