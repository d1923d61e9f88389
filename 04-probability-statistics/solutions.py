"""Topic 04: probability and statistics, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))


def _scalar_if_0d(a):
    """A Python float for a 0-d result (a 1-D input), the array otherwise."""
    return float(a) if np.ndim(a) == 0 else a


def mean_var(x: np.ndarray, ddof: int = 0):
    """Mean and variance along axis 0, with divisor N - ddof (NumPy's np.var)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0] if x.ndim else 0
    if n - ddof <= 0:
        raise ValueError(f"mean_var: need more than ddof={ddof} samples, got x of shape {x.shape}")
    mean = x.mean(axis=0)
    # Two-pass formula: centre first, then square. The one-pass shortcut
    # E[x^2] - E[x]^2 subtracts two huge, nearly equal numbers when the data
    # sit far from 0 (x = 1e9 + small) and can even come out negative.
    centred = x - mean
    var = np.sum(centred**2, axis=0) / (n - ddof)
    # Common mistakes: the divisor N when ddof=1 was asked for (or N - 1 by
    # default: NumPy's default is ddof=0, pandas' and torch.var's is 1), and
    # axis=1 (per example instead of per feature).
    return _scalar_if_0d(mean), _scalar_if_0d(var)


def covariance_matrix(X: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Sample covariance (D, D) of data X (N, D): rows are observations."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"covariance_matrix: X must be 2-D (N, D), got shape {X.shape}")
    n = X.shape[0]
    if n - ddof <= 0:
        raise ValueError(f"covariance_matrix: need more than ddof={ddof} rows, got X {X.shape}")
    centred = X - X.mean(axis=0)
    # (D, N) @ (N, D) -> (D, D). Writing centred @ centred.T instead gives an
    # (N, N) Gram matrix of the examples: the (D, N) vs (N, D) layout mix-up
    # (np.cov's default rowvar=True treats ROWS as variables).
    # Unlike np.cov, a single feature gives a (1, 1) matrix, not a 0-d array.
    return centred.T @ centred / (n - ddof)


def correlation_matrix(X: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix (D, D) of data X (N, D), as np.corrcoef(X, rowvar=False)."""
    X = np.asarray(X, dtype=np.float64)
    # Test constancy on the data, not on the variance: a column of 0.1s has a
    # mean that does not round to 0.1 exactly, so its computed variance is a
    # tiny positive number (1e-34) and a std == 0 test lets it through, to
    # return correlations made of rounding noise. np.corrcoef returns nan
    # with a RuntimeWarning for an exactly constant column; a constant
    # feature has no correlation with anything, so say so explicitly.
    constant = X.max(axis=0) == X.min(axis=0)
    if np.any(constant):
        raise ValueError(
            f"correlation_matrix: column(s) {np.flatnonzero(constant).tolist()} of X "
            f"{np.shape(X)} are constant; their correlation is undefined"
        )
    cov = covariance_matrix(X)
    std = np.sqrt(np.diag(cov))
    # The ddof cancels between numerator and denominator, so any ddof gives
    # the same correlation. Rounding can push |r| a hair above 1: clip, as
    # np.corrcoef does.
    return np.clip(cov / np.outer(std, std), -1.0, 1.0)


def _check_sigma(sigma, name: str) -> np.ndarray:
    sigma = np.asarray(sigma, dtype=np.float64)
    if np.any(sigma <= 0):
        raise ValueError(f"{name}: sigma must be positive, got {sigma}")
    return sigma


def gaussian_pdf(x, mu, sigma):
    """Density of N(mu, sigma^2) at x; sigma is the standard deviation. Broadcasts."""
    sigma = _check_sigma(sigma, "gaussian_pdf")
    z = (np.asarray(x, dtype=np.float64) - mu) / sigma
    # Common mistake: passing the variance where the standard deviation is
    # expected (SciPy's `scale` and torch's Normal(loc, scale) are both the std),
    # or forgetting the 1/sigma in front, which then does not integrate to 1.
    # Far in the tails exp(-z^2/2) underflows to exactly 0: fine for a pdf,
    # fatal for its log, hence gaussian_logpdf below.
    return np.exp(-0.5 * z**2) / (sigma * np.sqrt(2.0 * np.pi))


def gaussian_logpdf(x, mu, sigma):
    """Log-density of N(mu, sigma^2) at x, finite however far in the tails."""
    sigma = _check_sigma(sigma, "gaussian_logpdf")
    z = (np.asarray(x, dtype=np.float64) - mu) / sigma
    # Computed directly in log space. np.log(gaussian_pdf(...)) is -inf (and
    # a divide-by-zero warning) once |z| > ~38.6, where exp underflows.
    return -0.5 * z**2 - np.log(sigma) - 0.5 * LOG_2PI


def multivariate_gaussian_logpdf(x: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Log-density of N(mu, cov) at each row of x (N, D), via a Cholesky factor."""
    x = np.asarray(x, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            f"multivariate_gaussian_logpdf: x must be (N, D), got shape {x.shape} "
            "(for one point use x[None, :])"
        )
    d = x.shape[1]
    if mu.shape != (d,) or cov.shape != (d, d):
        raise ValueError(
            f"multivariate_gaussian_logpdf: x {x.shape} needs mu ({d},) and cov ({d}, {d}), "
            f"got mu {mu.shape} and cov {cov.shape}"
        )
    try:
        # cov = L L^T with L lower triangular, positive diagonal.
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError(
            "multivariate_gaussian_logpdf: cov is not symmetric positive definite"
        ) from None
    # Mahalanobis term: (x - mu)^T cov^{-1} (x - mu) = ||z||^2 with L z = x - mu.
    # One solve for all N points: L (D, D) against the (D, N) right-hand sides.
    # np.linalg.solve does not exploit the triangle (scipy's solve_triangular
    # would), but it never forms cov^{-1}, which is slower and less accurate.
    z = np.linalg.solve(L, (x - mu).T)  # (D, N)
    mahalanobis = np.sum(z**2, axis=0)  # (N,)
    # log det cov = log det(L)^2 = 2 sum log L_ii. np.linalg.det(cov) underflows
    # to 0 (or overflows to inf) in high dimension: 0.01 * I in D = 200 has
    # det 1e-400, yet log det = -921 is an ordinary number.
    log_det = 2.0 * np.sum(np.log(np.diag(L)))
    return -0.5 * (d * LOG_2PI + log_det + mahalanobis)


def bayes_posterior(prior: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """Posterior P(h | data) from prior P(h) and likelihood P(data | h); exact if tiny."""
    prior = np.asarray(prior, dtype=np.float64)
    likelihood = np.asarray(likelihood, dtype=np.float64)
    if prior.ndim != 1 or prior.shape != likelihood.shape:
        raise ValueError(
            f"bayes_posterior: prior and likelihood must both be (K,), "
            f"got {prior.shape} and {likelihood.shape}"
        )
    if np.any(prior < 0) or np.any(likelihood < 0):
        raise ValueError("bayes_posterior: probabilities cannot be negative")
    if prior.max() == 0.0 or likelihood.max() == 0.0:
        raise ValueError("bayes_posterior: the data has probability 0 under every hypothesis")
    # Only ratios matter, so scale both by their maxima first. The likelihood
    # of many observations is a product of many factors and can be tiny: a
    # likelihood of 2^-1070 (subnormal, a few significant bits) times a prior
    # of 0.1 rounds to a multiple of 2^-1074 and loses up to half its digits,
    # and 2^-1074 * 0.5 rounds to 0.0, an "impossible" evidence. Divided by its
    # maximum, the largest entry is 1 and the ratios keep full precision.
    joint = (prior / prior.max()) * (likelihood / likelihood.max())  # proportional to P(h, data)
    evidence = joint.sum()  # proportional to P(data) = sum_h P(data | h) P(h)
    if evidence == 0.0:
        raise ValueError("bayes_posterior: the data has probability 0 under every hypothesis")
    # Common mistakes: returning the unnormalised joint (forgetting the
    # evidence), or normalising the likelihood alone (forgetting the prior;
    # that is the posterior under a uniform prior only).
    return joint / evidence


def disease_test_posterior(prevalence: float, sensitivity: float, specificity: float) -> float:
    """P(disease | positive test) by Bayes' theorem."""
    for name, value in [
        ("prevalence", prevalence),
        ("sensitivity", sensitivity),
        ("specificity", specificity),
    ]:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"disease_test_posterior: {name} must be in [0, 1], got {value}")
    true_pos = sensitivity * prevalence  # P(+ | D) P(D)
    # The false-positive rate is 1 - specificity: specificity is P(- | not D).
    false_pos = (1.0 - specificity) * (1.0 - prevalence)  # P(+ | not D) P(not D)
    evidence = true_pos + false_pos  # P(+)
    if evidence == 0.0:
        raise ValueError("disease_test_posterior: a positive test has probability 0")
    return float(true_pos / evidence)


def monte_carlo_expectation(
    f: Callable[[np.ndarray], np.ndarray],
    sampler: Callable[[int, np.random.Generator], np.ndarray],
    n: int,
    rng: np.random.Generator,
):
    """Estimate E[f(X)] by the mean of f over n samples; return (estimate, standard error)."""
    if n < 2:
        raise ValueError(f"monte_carlo_expectation: need n >= 2 for a standard error, got {n}")
    samples = sampler(n, rng)
    values = np.asarray(f(samples), dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(
            f"monte_carlo_expectation: f(samples) must have shape ({n},), got {values.shape}"
        )
    estimate = values.mean()
    # The estimator's standard deviation is sigma_f / sqrt(n); sigma_f is
    # unknown, so plug in the unbiased sample std (ddof=1). Common mistakes:
    # reporting std(values) itself (the spread of ONE sample, which does not
    # shrink with n), or the ddof=0 std.
    standard_error = values.std(ddof=1) / np.sqrt(n)
    return float(estimate), float(standard_error)


def sample_categorical(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n independent draws from the categorical distribution p, by the inverse CDF."""
    p = np.asarray(p, dtype=np.float64)
    n = operator.index(n)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"sample_categorical: p must be 1-D (K,) with K >= 1, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"sample_categorical: probabilities must be finite and >= 0, got {p}")
    if abs(float(p.sum()) - 1.0) > 1e-6:
        raise ValueError(f"sample_categorical: p must sum to 1 (within 1e-6), got {p.sum()!r}")
    if n < 0:
        raise ValueError(f"sample_categorical: n must be >= 0, got {n}")
    # F_k = p_0 + ... + p_k, a new array (p itself is never written to).
    cdf = np.cumsum(p)
    # Rounding leaves the last cumulative sum a hair off 1: ten 0.1s sum to
    # 0.9999999999999999, and a uniform u above that would fall past the end
    # (index K, out of range). Dividing by the total makes F_K exactly 1, as
    # rng.choice does; equal neighbours stay equal, so a zero-probability
    # category is still never drawn.
    cdf /= cdf[-1]
    u = rng.random(n)  # one uniform on [0, 1) per draw, and nothing else
    # Category k owns [F_{k-1}, F_k): the first k with F_k > u, which is
    # searchsorted's side="right". side="left" (the first F_k >= u) hands the
    # boundary u = F_{k-1} to k - 1 instead, and for u = 0 with p_0 = 0 it
    # returns category 0, which has probability 0 (rng.random can return 0.0).
    # Common mistakes: searching p instead of its cumulative sum, and drawing
    # one u for the whole batch (every draw the same).
    return np.searchsorted(cdf, u, side="right")


def _as_distributions(name: str, *arrays):
    out = [np.asarray(a, dtype=np.float64) for a in arrays]
    shapes = {a.shape for a in out}
    if len(shapes) != 1:
        raise ValueError(f"{name}: p and q must have the same shape, got {[a.shape for a in out]}")
    for a in out:
        if a.ndim == 0:
            raise ValueError(f"{name}: a distribution needs at least one axis, got a scalar")
        if np.any(a < 0):
            raise ValueError(f"{name}: probabilities cannot be negative, got {a}")
        if not np.allclose(a.sum(axis=-1), 1.0, rtol=0.0, atol=1e-6):
            raise ValueError(f"{name}: each distribution must sum to 1 along the last axis")
    return out


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x * log(y) with the convention 0 * log(anything) = 0, and no warnings."""
    # Taking log of a safe stand-in (1 where x == 0) keeps np.log from ever
    # seeing a 0 that does not matter; np.where AFTER np.log(y) would still
    # evaluate log(0) and warn (pytest -W error turns that into a failure).
    # x > 0 with y == 0 still gives log(0) = -inf: that term is genuinely
    # infinite, so it is computed under errstate(divide="ignore").
    safe_y = np.where(x > 0, y, 1.0)
    with np.errstate(divide="ignore"):
        return x * np.log(safe_y)


def entropy(p: np.ndarray):
    """Shannon entropy H(p) = -sum p log p in nats, over the last axis."""
    (p,) = _as_distributions("entropy", p)
    return _scalar_if_0d(-np.sum(_xlogy(p, p), axis=-1))


def cross_entropy(p: np.ndarray, q: np.ndarray):
    """Cross-entropy H(p, q) = -sum p log q in nats, over the last axis."""
    p, q = _as_distributions("cross_entropy", p, q)
    # +inf where q = 0 but p > 0: the model says "impossible" to an outcome
    # that happens. A p = 0 entry contributes 0 whatever q is.
    return _scalar_if_0d(-np.sum(_xlogy(p, q), axis=-1))


def kl_divergence(p: np.ndarray, q: np.ndarray):
    """KL(p || q) = sum p log(p / q) in nats, over the last axis; +inf if q = 0 where p > 0."""
    p, q = _as_distributions("kl_divergence", p, q)
    # Term by term, as scipy.special.rel_entr: p log(p / q) for p > 0, 0 for
    # p = 0, +inf for p > 0 = q. H(p, q) - H(p) is the same number in exact
    # arithmetic, but it subtracts two O(1) sums, whose rounding errors then
    # sit on top of a KL that may be tiny.
    positive = p > 0
    # Where p = 0 both stand-ins are 1 (log ratio 0, term 0).
    p_safe, q_safe = np.where(positive, p, 1.0), np.where(positive, q, 1.0)
    with np.errstate(divide="ignore", over="ignore"):
        # log(p / q) is the accurate form (one rounding, however close p and
        # q are), but p / q overflows when q is subnormal: 0.5 / 5e-324 is
        # inf although the term is a finite 371.9. There, and where p > 0 = q
        # (log 0 = -inf, so the term is +inf, no nan), use log p - log q.
        ratio = p_safe / q_safe
        log_ratio = np.where(
            np.isfinite(ratio) & (ratio > 0),
            np.log(np.where(np.isfinite(ratio) & (ratio > 0), ratio, 1.0)),
            np.log(p_safe) - np.log(q_safe),
        )
    terms = p * log_ratio
    return _scalar_if_0d(np.sum(terms, axis=-1))


def plot_clt(
    sampler: Callable[[int, np.random.Generator], np.ndarray],
    sample_sizes,
    n_trials: int,
    rng: np.random.Generator,
    path,
):
    """Histograms of sample means for each sample size, with the CLT normal curve."""
    import matplotlib.pyplot as plt

    sample_sizes = list(sample_sizes)
    fig, axes = plt.subplots(
        1, len(sample_sizes), figsize=(2.8 * len(sample_sizes), 2.8), squeeze=False
    )
    for ax, n in zip(axes[0], sample_sizes, strict=True):
        draws = np.asarray(sampler(n_trials * n, rng), dtype=np.float64).reshape(n_trials, n)
        means = draws.mean(axis=1)  # n_trials sample means of n draws each
        # The population's mean and std are estimated from all n_trials * n
        # draws pooled; the CLT says the mean of n draws is approximately
        # N(mu, sigma^2 / n). Common mistake: sigma instead of sigma / sqrt(n),
        # a curve that stays wide while the histogram narrows.
        mu = draws.mean()
        sigma = draws.std(ddof=1)
        se = sigma / np.sqrt(n)
        # density=True scales bar heights so that their area is 1, comparable
        # with a pdf; raw counts would be n_trials times taller than the curve.
        ax.hist(means, bins=30, density=True, color="tab:blue", alpha=0.6, label="sample means")
        grid = np.linspace(means.min(), means.max(), 200)
        pdf = np.exp(-0.5 * ((grid - mu) / se) ** 2) / (se * np.sqrt(2.0 * np.pi))
        ax.plot(grid, pdf, color="tab:red", label="CLT normal")
        ax.set_title(f"n = {n}")
        ax.set_xlabel("sample mean")
    axes[0][0].set_ylabel("density")
    axes[0][0].legend(loc="upper right", fontsize=7)
    fig.suptitle(f"Central limit theorem: means of n draws, {n_trials} trials each")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.8, wspace=0.3)
    fig.savefig(path, dpi=80)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
