"""Topic 05: maximum likelihood and MAP estimation.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def bernoulli_mle(x: np.ndarray):
    """Maximum-likelihood estimate of the Bernoulli parameter theta = P(x = 1).

        log L(theta) = k log theta + (N - k) log(1 - theta),   k = number of ones
        d/dtheta = 0   =>   theta_hat = k / N

    Args:
        x: (N,) or (N, D) of zeros and ones (int, float or bool).

    Returns:
        The fraction of ones along axis 0: a float for x of shape (N,), an
        array (D,) for x of shape (N, D) (one independent Bernoulli per column).

    Hint: one line. Convert to float64 first; reduce along axis 0 only.
    """
    raise NotImplementedError


def categorical_mle(counts: np.ndarray) -> np.ndarray:
    """Maximum-likelihood class probabilities from per-class counts.

        maximise sum_k n_k log pi_k   subject to   sum_k pi_k = 1
        Lagrangian stationarity: n_k / pi_k = lambda  =>  lambda = N, pi_k = n_k / N

    Args:
        counts: (C,) non-negative counts n_k (or (B, C): one distribution per row,
            normalised along the last axis).

    Returns:
        ndarray, same shape as counts, float64, summing to 1 along the last axis.
        A class never observed gets probability exactly 0 (the MLE overfits).

    Raises:
        ValueError: if a count is negative or the counts sum to 0 (no data,
            no MLE).

    Hint: divide by the total, not by the largest count.
    """
    raise NotImplementedError


def categorical_map(counts: np.ndarray, alpha: float) -> np.ndarray:
    """MAP class probabilities under a symmetric Dirichlet(alpha) prior.

        log posterior = sum_k (n_k + alpha - 1) log pi_k + const
        pi_k = (n_k + alpha - 1) / (N + C (alpha - 1))

    alpha = 1 is a flat prior (the MAP is the MLE); alpha = 2 is add-one
    (Laplace) smoothing. The posterior MEAN adds alpha, the MODE adds alpha - 1.

    Args:
        counts: (C,) non-negative counts (or (B, C), normalised along the last axis).
        alpha: concentration, >= 1.

    Returns:
        ndarray, same shape as counts, float64, summing to 1 along the last axis.

    Raises:
        ValueError: if alpha < 1 (no interior mode).

    Hint: it is categorical_mle on pseudo-counts n_k + alpha - 1.
    """
    raise NotImplementedError


def gaussian_mle(x: np.ndarray):
    """Maximum-likelihood mean and variance of a Gaussian, along axis 0.

        mu_hat  = (1/N) sum_i x_i
        var_hat = (1/N) sum_i (x_i - mu_hat)^2      (divide by N: the MLE is biased)

    Args:
        x: (N,) samples, or (N, D): one independent Gaussian per column.

    Returns:
        (mu, var): floats for x of shape (N,), arrays (D,) for (N, D).

    Hint: the unbiased N - 1 version (np.var(..., ddof=1)) is NOT the maximiser
    of the likelihood. ddof=0 is.
    """
    raise NotImplementedError


def multivariate_gaussian_mle(X: np.ndarray):
    """Maximum-likelihood mean and covariance of a multivariate Gaussian.

        log L(mu, Sigma) = -N/2 log det(2 pi Sigma) - 1/2 sum_n (x_n - mu)^T Sigma^{-1} (x_n - mu)
        mu_hat    = (1/N) sum_n x_n
        Sigma_hat = (1/N) sum_n (x_n - mu_hat)(x_n - mu_hat)^T     (divide by N: the MLE)

    Sigma_hat equals ``np.cov(X, rowvar=False, bias=True)`` (and scikit-learn's
    ``EmpiricalCovariance().fit(X).covariance_``), except that one feature gives
    a (1, 1) matrix, not a 0-d array. It is biased: E[Sigma_hat] = (N-1)/N Sigma.
    No regularisation: for N <= D the estimate is singular (rank <= N - 1) and
    is returned as it is (one row gives the zero matrix).

    Args:
        X: (N, D): N observations, one per row, N >= 1.

    Returns:
        (mu, Sigma): mu of shape (D,), Sigma of shape (D, D), symmetric PSD.

    Raises:
        ValueError: if X is not 2-D or has no rows.

    Hint: centre first, Xc = X - mu (a new array), then Xc.T @ Xc / N:
    (D, N) @ (N, D) -> (D, D). The shortcut X.T @ X / N - outer(mu, mu)
    cancels catastrophically for data far from 0.
    """
    raise NotImplementedError


def poisson_mle(x: np.ndarray):
    """Maximum-likelihood rate of a Poisson distribution.

        log L(lam) = sum_i (x_i log lam - lam - log x_i!)
        d/dlam = sum_i x_i / lam - N = 0   =>   lam_hat = mean(x)

    Args:
        x: (N,) non-negative integer counts (or (N, D), one rate per column).

    Returns:
        The sample mean along axis 0 (a float for x of shape (N,)).

    Raises:
        ValueError: if a count is negative.
    """
    raise NotImplementedError


def bernoulli_nll(y: np.ndarray, p: np.ndarray) -> float:
    """Mean Bernoulli negative log-likelihood, i.e. binary cross-entropy.

        nll = -(1/N) sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ]

    Matches torch.nn.BCELoss (reduction="mean", arguments in the order
    BCELoss(p, y)): each log is floored at -100, so the loss stays finite at
    p = 0 or p = 1. Equivalently, clip the argument of each log at
    eps = exp(-100) ~ 3.7e-44: np.log(np.maximum(p, eps)) and
    np.log(np.maximum(1 - p, eps)). A wrong confident prediction costs 100.

    Args:
        y: (N,) or any shape, labels in {0, 1} (soft labels in [0, 1] work too).
        p: same shape as y, predicted P(y = 1), in [0, 1].

    Returns:
        float.

    Raises:
        ValueError: if y and p have different shapes.

    Hint: clip the arguments of the logs, not p: 1 - 3.7e-44 == 1.0 in float64,
    so np.clip(p, eps, 1 - eps) cannot protect log(1 - p). No RuntimeWarning may
    escape (the tests run with warnings as errors).
    """
    raise NotImplementedError


def gaussian_nll(x: np.ndarray, mu: np.ndarray, var) -> float:
    """Mean Gaussian negative log-likelihood, with the constant term.

        nll = mean over elements of  0.5 log(2 pi var) + (x - mu)^2 / (2 var)

    This is torch.nn.functional.gaussian_nll_loss(mu, x, var, full=True)
    (reduction "mean"), including its two extra rules:
      * var is clamped below at eps = 1e-6 (var = 0 behaves like var = 1e-6);
      * a var one dimension short of x (x (N, D), var (N,): one variance per
        example) gets a trailing axis, so var[i] pairs with row i. Otherwise
        ordinary broadcasting (a float var, or var of x's shape).

    Args:
        x: (any shape) observations.
        mu: broadcastable to x, the predicted means.
        var: a float or array, see above; must be >= 0.

    Returns:
        float.

    Raises:
        ValueError: if var has a negative entry.

    Hint: reshape var, clamp it (into a new array: never modify the caller's
    var), then one vectorised line and a mean.
    """
    raise NotImplementedError


def linear_regression_mle(X: np.ndarray, y: np.ndarray):
    """MLE of linear regression with Gaussian noise: y_i = x_i . w + e_i, e_i ~ N(0, s2).

        maximising the likelihood over w   = minimising ||y - X w||^2  (least squares)
        noise_var = (1/N) ||y - X w_hat||^2     (divide by N, not N - D: the MLE)

    No intercept is added: put a column of ones in X if you want one. For a
    rank-deficient X (a duplicated column, D > N) w is the minimum-norm
    least-squares solution, as lstsq returns; N = D interpolates (noise_var 0).
    Solve the least-squares problem itself (lstsq: QR/SVD), not the normal
    equations X^T X w = X^T y, which square the condition number.

    Args:
        X: (N, D) design matrix.
        y: (N,) targets.

    Returns:
        (w, noise_var): w of shape (D,), noise_var a float.

    Raises:
        ValueError: if X is not 2-D, y is not 1-D, or their N differ (name the shapes).

    Hint: np.linalg.lstsq(X, y, rcond=None) (pass rcond=None: NumPy 1.x warns
    otherwise). With y of shape (N,) it returns w of shape (D,).
    """
    raise NotImplementedError


def ridge_map(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """MAP weights of linear regression under a zero-mean Gaussian prior: ridge.

    Model: y_i = x_i . w + e_i with e_i ~ N(0, sigma^2), prior w ~ N(0, tau^2 I).
    Then -log posterior = ||y - X w||^2 / (2 sigma^2) + ||w||^2 / (2 tau^2) + const,
    and multiplying by 2 sigma^2:

        w_map = argmin ||y - X w||^2 + lam ||w||^2,   lam = sigma^2 / tau^2
              = solution of (X^T X + lam I) w = X^T y

    lam is the noise variance over the prior variance: a vaguer prior (large
    tau^2) means less shrinkage. Every weight is penalised, an intercept
    column included.

    Args:
        X: (N, D).
        y: (N,).
        lam: >= 0.

    Returns:
        ndarray (D,).

    Raises:
        ValueError: if X is not 2-D, y is not 1-D, or their N differ (name the shapes).

    Hint: np.linalg.solve(A, b). Never form np.linalg.inv(A): slower and less
    accurate (the tests check you do not call it).
    """
    raise NotImplementedError


def logistic_nll_and_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Mean negative log-likelihood of logistic regression and its gradient.

        z = X w,   p = sigmoid(z)
        loss = (1/N) sum_i [ log(1 + e^{z_i}) - y_i z_i ]   (= binary cross-entropy)
        grad = X^T (sigmoid(z) - y) / N

    Must be finite and correct for |z| ~ 1000 with no RuntimeWarning:
    compute log(1 + e^z) as np.logaddexp(0, z), never as np.log(1 + np.exp(z))
    nor as -log(sigmoid(z)), and use a sigmoid that does not overflow.

    Relative accuracy for confidently right examples too (y = 1, z = 40: the
    loss and the residual are about 4.2e-18, not 0): per example the loss is
    y softplus(-z) + (1 - y) softplus(z), with softplus(t) = log(1 + e^t)
    computed as max(t, 0) + log1p(e^{-|t|}), and the residual sigmoid(z) - y
    as (1 - y) sigmoid(z) - y sigmoid(-z). Both equal the formulas above.

    Args:
        w: (D,) weights.
        X: (N, D) inputs.
        y: (N,) labels in {0, 1}.

    Returns:
        (loss, grad): a float and an array (D,).

    Raises:
        ValueError: if the shapes of w, X and y do not fit together (name them).

    Hint: a stable sigmoid: e = np.exp(-np.abs(z)), then 1 / (1 + e) where
    z >= 0 and e / (1 + e) elsewhere.
    """
    raise NotImplementedError


def fit_logistic_regression(X: np.ndarray, y: np.ndarray, lr: float, n_steps: int) -> np.ndarray:
    """Fit logistic regression by plain gradient descent on the mean NLL.

        w_0 = 0,   w_{t+1} = w_t - lr * grad(w_t)     (t = 0 .. n_steps - 1)

    Args:
        X: (N, D) inputs (add a column of ones for an intercept).
        y: (N,) labels in {0, 1}.
        lr: step size (converges for lr < 2 / L, L = lambda_max(X^T X) / (4 N)),
            used exactly as given: lr = 0 is valid and leaves w at 0.
        n_steps: number of updates; n_steps = 0 returns the zero vector.

    Returns:
        ndarray (D,): the weights after n_steps updates.

    Hint: a loop around logistic_nll_and_grad. On linearly separable data
    the loss has no minimiser: ||w|| keeps growing the longer you run.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------


def _random_simplex_points(rng, n_classes, n_points):
    """Random probability vectors, each strictly inside the simplex."""
    return rng.dirichlet(np.ones(n_classes), size=n_points)


# ----- bernoulli_mle -------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.float64, bool])
def test_bernoulli_mle_is_the_fraction_of_ones(impl, assert_close, dtype):
    x = np.array([1, 0, 1, 1, 0, 1, 1, 1], dtype=dtype)
    got = impl.bernoulli_mle(x)
    assert_close(got, 0.75, tol=1e-12, what=f"bernoulli_mle([1,0,1,1,0,1,1,1] as {dtype.__name__})")


def test_bernoulli_mle_works_column_by_column(impl, assert_close):
    # Three independent coins; a mean over the whole array (axis=None) gives one number.
    x = np.array([[1, 0, 1], [1, 0, 0], [1, 1, 0], [0, 0, 0]])
    got = impl.bernoulli_mle(x)
    assert_close(got, [0.75, 0.25, 0.25], tol=1e-12, what="bernoulli_mle(x (4, 3)) (per column)")


# ----- categorical_mle -----------------------------------------------------


def test_categorical_mle_divides_counts_by_their_total(impl, assert_close):
    got = impl.categorical_mle(np.array([3, 1, 0, 4]))
    assert_close(
        got, [3 / 8, 1 / 8, 0.0, 4 / 8], tol=1e-12, what="categorical_mle(counts=[3, 1, 0, 4])"
    )


def test_categorical_mle_normalises_each_row(impl, assert_close):
    counts = np.array([[2, 2, 4], [0, 5, 5]])
    got = impl.categorical_mle(counts)
    assert_close(
        got,
        [[0.25, 0.25, 0.5], [0.0, 0.5, 0.5]],
        tol=1e-12,
        what="categorical_mle(counts (2, 3)) (normalise along the last axis)",
    )


def test_categorical_mle_beats_every_other_distribution(impl, rng):
    # The Lagrange-multiplier solution is the constrained maximiser: no point of
    # the simplex has a higher log-likelihood sum_k n_k log pi_k.
    counts = np.array([5.0, 1.0, 7.0, 3.0, 2.0])
    pi_hat = np.asarray(impl.categorical_mle(counts), dtype=np.float64)
    assert abs(pi_hat.sum() - 1.0) < 1e-12, f"categorical_mle sums to {pi_hat.sum()}, not 1"
    best = float(np.sum(counts * np.log(pi_hat)))
    others = _random_simplex_points(rng, counts.size, 500)
    rivals = np.log(others) @ counts
    assert np.all(rivals <= best + 1e-12), (
        f"categorical_mle(counts={counts.tolist()}) = {pi_hat} has log-likelihood {best:.6f}, "
        f"but a random distribution reaches {rivals.max():.6f}"
    )


def test_categorical_mle_rejects_all_zero_counts(impl):
    with pytest.raises(ValueError):
        impl.categorical_mle(np.zeros(3))


def test_categorical_mle_rejects_negative_counts(impl):
    # [4, -1, 3] sums to 6 > 0, so only an explicit check catches it: dividing
    # would return the "probability" -1/6.
    with pytest.raises(ValueError):
        impl.categorical_mle(np.array([4, -1, 3]))


# ----- categorical_map -----------------------------------------------------


def test_categorical_map_with_alpha_one_is_the_mle(impl, assert_close):
    got = impl.categorical_map(np.array([3, 1, 0, 4]), alpha=1.0)
    assert_close(
        got, [3 / 8, 1 / 8, 0.0, 4 / 8], tol=1e-12, what="categorical_map([3, 1, 0, 4], alpha=1)"
    )


def test_categorical_map_with_alpha_two_is_add_one_smoothing(impl, assert_close):
    # The mode of Dirichlet(n + alpha) adds alpha - 1 = 1 to each count:
    # [4, 2, 1, 5] / 12. Adding alpha = 2 (the posterior mean) gives [5, 3, 2, 6] / 16.
    got = impl.categorical_map(np.array([3, 1, 0, 4]), alpha=2.0)
    assert_close(
        got,
        [4 / 12, 2 / 12, 1 / 12, 5 / 12],
        tol=1e-12,
        what="categorical_map([3, 1, 0, 4], alpha=2)",
    )


def test_categorical_map_maximises_the_log_posterior(impl, rng):
    counts, alpha = np.array([4.0, 0.0, 2.0]), 3.5
    pi_map = np.asarray(impl.categorical_map(counts, alpha), dtype=np.float64)
    weights = counts + alpha - 1.0
    best = float(np.log(pi_map) @ weights)
    rivals = np.log(_random_simplex_points(rng, counts.size, 500)) @ weights
    assert np.all(rivals <= best + 1e-12), (
        f"categorical_map({counts.tolist()}, alpha={alpha}) = {pi_map}: log posterior "
        f"{best:.6f}, but a random distribution reaches {rivals.max():.6f}"
    )


def test_categorical_map_does_not_modify_counts(impl):
    # counts += alpha - 1 in place would change the caller's float array.
    counts = np.array([3.0, 1.0, 0.0, 4.0])
    impl.categorical_map(counts, alpha=2.0)
    assert np.array_equal(counts, [3.0, 1.0, 0.0, 4.0]), (
        f"categorical_map(counts, alpha=2) changed the caller's counts to {counts}, "
        "expected [3, 1, 0, 4] untouched (add the pseudo-counts into a new array)"
    )


def test_categorical_map_rejects_alpha_below_one(impl):
    with pytest.raises(ValueError):
        impl.categorical_map(np.array([1, 2, 3]), alpha=0.5)


def test_bernoulli_mle_all_zeros_and_a_single_row(impl, assert_close):
    # k = 0 is a valid outcome: theta_hat = 0 exactly (the boundary MLE); one
    # observation of 3 coins keeps the (3,) shape.
    assert_close(impl.bernoulli_mle(np.zeros(5)), 0.0, tol=0, what="bernoulli_mle(zeros(5))")
    got = impl.bernoulli_mle(np.array([[1.0, 0.0, 1.0]]))
    assert_close(got, [1.0, 0.0, 1.0], tol=0, what="bernoulli_mle(x (1, 3)) -> (3,)")


# ----- gaussian_mle --------------------------------------------------------


def test_gaussian_mle_variance_divides_by_n(impl, assert_close):
    # Mean 5; squared deviations 9, 1, 1, 1, 0, 0, 4, 16 sum to 32.
    # MLE: 32 / 8 = 4. The unbiased estimator would give 32 / 7 = 4.571...
    x = np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    mu, var = impl.gaussian_mle(x)
    assert_close(mu, 5.0, tol=1e-12, what="gaussian_mle([2, 4, 4, 4, 5, 5, 7, 9]) -> mu")
    assert_close(
        var, 4.0, tol=1e-12, what="gaussian_mle([2, 4, 4, 4, 5, 5, 7, 9]) -> var (sum / N, not N-1)"
    )


def test_gaussian_mle_works_column_by_column(impl, rng, assert_close):
    x = rng.normal(loc=[1.0, -2.0, 0.5], scale=[0.5, 2.0, 1.0], size=(9, 3))
    mu_loop = np.array([sum(x[:, j]) / 9 for j in range(3)])
    var_loop = np.array([sum((x[i, j] - mu_loop[j]) ** 2 for i in range(9)) / 9 for j in range(3)])
    mu, var = impl.gaussian_mle(x)
    assert_close(mu, mu_loop, tol=1e-12, what="gaussian_mle(x (9, 3)) -> mu (per column)")
    assert_close(var, var_loop, tol=1e-12, what="gaussian_mle(x (9, 3)) -> var (per column)")


def test_gaussian_mle_is_a_stationary_point_of_the_likelihood(impl, rng, num_grad):
    x = rng.normal(2.0, 1.5, size=25)

    def mean_nll(theta):
        mu, var = theta
        return np.mean(0.5 * np.log(2 * np.pi * var) + (x - mu) ** 2 / (2 * var))

    mu, var = impl.gaussian_mle(x)
    grad = num_grad(mean_nll, np.array([mu, var], dtype=np.float64))
    assert np.max(np.abs(grad)) < 1e-7, (
        f"gaussian_mle(x (25,)) = ({mu}, {var}), but the gradient of the mean NLL there is "
        f"{grad} (expected 0): the MLE variance divides by N"
    )


def test_gaussian_mle_is_stable_for_a_large_offset(impl, assert_close):
    # 1e9 + [2, 4, 4, 4, 5, 5, 7, 9]: the variance is still 4. The one-pass
    # E[x^2] - E[x]^2 works near 1e18, where neighbouring floats are 128 apart.
    mu, var = impl.gaussian_mle(1e9 + np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]))
    assert_close(mu, 1e9 + 5, tol=1e-15, what="gaussian_mle(1e9 + [2, 4, ..., 9]) -> mu")
    assert_close(var, 4.0, tol=1e-12, what="gaussian_mle(1e9 + [2, 4, ..., 9]) -> var")


# ----- multivariate_gaussian_mle -------------------------------------------


def _loop_mle_covariance(X):
    N, D = X.shape
    mu = [sum(X[n, i] for n in range(N)) / N for i in range(D)]
    return np.array(mu), np.array(
        [
            [sum((X[n, i] - mu[i]) * (X[n, j] - mu[j]) for n in range(N)) / N for j in range(D)]
            for i in range(D)
        ]
    )


def test_multivariate_gaussian_mle_hand_numbers(impl, assert_close):
    # Rows (0, 0), (2, 0), (1, 3), (1, 1): mean (1, 1). Centred rows (-1, -1),
    # (1, -1), (0, 2), (0, 0); the scatter matrix is [[2, 0], [0, 6]], / N = 4.
    # np.cov's default (N - 1 = 3) would give [[2/3, 0], [0, 2]].
    X = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 3.0], [1.0, 1.0]])
    mu, Sigma = impl.multivariate_gaussian_mle(X)
    assert_close(mu, [1.0, 1.0], tol=1e-12, what="multivariate_gaussian_mle(X (4, 2)) -> mu")
    assert_close(
        Sigma,
        [[0.5, 0.0], [0.0, 1.5]],
        tol=1e-12,
        what="multivariate_gaussian_mle(X (4, 2)) -> Sigma (/ N)",
    )


def test_multivariate_gaussian_mle_matches_a_loop_and_numpy_bias_true(impl, rng, assert_close):
    # N = 7 rows of D = 3 correlated features: a transposed layout gives (7, 7).
    X = rng.standard_normal((7, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 2.0, -1.0], [0.3, 0.0, 0.7]])
    mu, Sigma = impl.multivariate_gaussian_mle(X)
    mu_loop, Sigma_loop = _loop_mle_covariance(X)
    assert_close(mu, mu_loop, tol=1e-12, what="multivariate_gaussian_mle(X (7, 3)) -> mu (3,)")
    assert_close(
        Sigma, Sigma_loop, tol=1e-12, what="multivariate_gaussian_mle(X (7, 3)) -> Sigma (3, 3)"
    )
    assert_close(
        Sigma,
        np.cov(X, rowvar=False, bias=True),
        tol=1e-12,
        what="multivariate_gaussian_mle(X) vs np.cov(X, rowvar=False, bias=True)",
    )


def test_multivariate_gaussian_mle_is_a_stationary_point_of_the_likelihood(impl, rng, num_grad):
    # The gradient of the total log-likelihood in mu and in every entry of a
    # symmetric Sigma vanishes at the MLE. With N - 1 instead of N it does not:
    # d/dSigma = -N/2 Sigma^-1 + 1/2 Sigma^-1 S Sigma^-1 is then N/2 (1/(N-1)) Sigma^-1.
    X = rng.standard_normal((9, 3)) @ np.array([[1.0, 0.4, 0.0], [0.0, 1.5, 0.3], [0.0, 0.0, 0.8]])
    mu, Sigma = (np.asarray(a, dtype=np.float64) for a in impl.multivariate_gaussian_mle(X))

    def loglik(m, S):
        S = (S + S.T) / 2
        L = np.linalg.cholesky(S)
        z = np.linalg.solve(L, (X - m).T)
        return -0.5 * (
            X.size * math.log(2 * math.pi) + 2 * len(X) * np.sum(np.log(np.diag(L))) + np.sum(z**2)
        )

    g_mu = num_grad(lambda m: loglik(m, Sigma), mu)
    g_S = num_grad(lambda S: loglik(mu, S), Sigma)
    scale = abs(loglik(mu, Sigma))
    assert np.max(np.abs(g_mu)) < 1e-6 * scale, f"d loglik / d mu at the MLE = {g_mu}, expected 0"
    assert np.max(np.abs(g_S)) < 1e-6 * scale, (
        f"d loglik / d Sigma at the MLE =\n{g_S}\nexpected 0 (divide the scatter matrix by N)"
    )


def test_multivariate_gaussian_mle_is_stable_for_a_large_offset(impl, rng, assert_close):
    # Features around 1e9 with spread ~1: X^T X / N - mu mu^T subtracts two
    # numbers near 1e18 and returns noise; centring first is exact enough.
    Y = rng.standard_normal((6, 2))
    _, expected = _loop_mle_covariance(Y)
    _, Sigma = impl.multivariate_gaussian_mle(Y + 1e9)
    assert_close(Sigma, expected, tol=1e-6, what="multivariate_gaussian_mle(1e9 + Y) -> Sigma")


def test_multivariate_gaussian_mle_fewer_rows_than_features_is_singular(impl, rng, assert_close):
    # N = 3 <= D = 5: returned as it is, rank N - 1 = 2, no error and no added eps.
    X = rng.standard_normal((3, 5))
    _, Sigma = impl.multivariate_gaussian_mle(X)
    assert_close(
        Sigma, _loop_mle_covariance(X)[1], tol=1e-12, what="multivariate_gaussian_mle(X (3, 5))"
    )
    eig = np.linalg.eigvalsh(np.asarray(Sigma))
    assert np.sum(eig > 1e-10 * eig.max()) == 2, f"Sigma has eigenvalues {eig}, expected rank 2"


def test_multivariate_gaussian_mle_single_row_and_single_feature_keep_shapes(impl, assert_close):
    mu, Sigma = impl.multivariate_gaussian_mle(np.array([[1.0, -2.0, 3.0]]))
    assert_close(mu, [1.0, -2.0, 3.0], tol=0, what="multivariate_gaussian_mle(X (1, 3)) -> mu")
    assert_close(
        Sigma, np.zeros((3, 3)), tol=0, what="multivariate_gaussian_mle(X (1, 3)) -> Sigma"
    )
    mu, Sigma = impl.multivariate_gaussian_mle(np.array([[1.0], [3.0]]))
    assert_close(mu, [2.0], tol=1e-15, what="multivariate_gaussian_mle(X (2, 1)) -> mu (1,)")
    assert_close(
        Sigma, [[1.0]], tol=1e-15, what="multivariate_gaussian_mle(X (2, 1)) -> Sigma (1, 1)"
    )


@pytest.mark.parametrize("shape", [(5,), (0, 3)], ids=["1-D", "no-rows"])
def test_multivariate_gaussian_mle_rejects_bad_shapes(impl, shape):
    with pytest.raises(ValueError):
        impl.multivariate_gaussian_mle(np.ones(shape))


# ----- poisson_mle ---------------------------------------------------------


def test_poisson_mle_is_the_sample_mean(impl, assert_close):
    got = impl.poisson_mle(np.array([2, 0, 5, 1, 4]))
    assert_close(got, 2.4, tol=1e-12, what="poisson_mle([2, 0, 5, 1, 4])")


def test_poisson_mle_maximises_the_log_likelihood(impl, rng):
    x = rng.poisson(2.3, size=29)
    lgamma = sum(math.lgamma(k + 1) for k in x)

    def loglik(lam):
        return float(np.sum(x) * math.log(lam) - x.size * lam - lgamma)

    lam = float(impl.poisson_mle(x))
    best = loglik(lam)
    for factor in (0.9, 0.99, 0.999, 1.001, 1.01, 1.1):
        assert loglik(lam * factor) < best, (
            f"poisson_mle(x (29,)) = {lam}, but lambda = {lam * factor} has a higher "
            f"log-likelihood ({loglik(lam * factor):.9f} > {best:.9f})"
        )


def test_poisson_mle_all_zero_counts_give_rate_zero(impl, assert_close):
    # No events: lambda_hat = 0 (the log-likelihood -N lambda is maximal at
    # the boundary), a valid answer, not an error.
    assert_close(impl.poisson_mle(np.zeros(4)), 0.0, tol=0, what="poisson_mle(zeros(4))")


def test_poisson_mle_rejects_negative_counts(impl):
    with pytest.raises(ValueError):
        impl.poisson_mle(np.array([1, -2, 3]))


# ----- bernoulli_nll -------------------------------------------------------


def _bce_loop(y, p):
    return -sum(
        yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for yi, pi in zip(y, p, strict=True)
    ) / len(y)


def test_bernoulli_nll_is_the_mean_binary_cross_entropy(impl, assert_close):
    y = [1.0, 0.0, 1.0, 0.0, 1.0]
    p = [0.9, 0.2, 0.6, 0.5, 0.05]
    got = impl.bernoulli_nll(np.array(y), np.array(p))
    assert_close(got, _bce_loop(y, p), tol=1e-12, what=f"bernoulli_nll(y={y}, p={p})")


def test_bernoulli_nll_is_a_mean_not_a_sum(impl, assert_close):
    got = impl.bernoulli_nll(np.ones(10), np.full(10, 0.5))
    assert_close(got, math.log(2.0), tol=1e-12, what="bernoulli_nll(ones(10), 0.5 * ones(10))")


def test_bernoulli_nll_accepts_soft_labels(impl, rng, assert_close):
    y = rng.uniform(0.0, 1.0, size=7)
    p = rng.uniform(0.05, 0.95, size=7)
    got = impl.bernoulli_nll(y, p)
    assert_close(got, _bce_loop(y, p), tol=1e-12, what="bernoulli_nll(soft y (7,), p (7,))")


def test_bernoulli_nll_is_zero_for_certain_correct_predictions(impl, call_quietly):
    # p exactly 0 and 1: log(0) must never be evaluated (the warning is an error here).
    got = call_quietly(
        impl.bernoulli_nll,
        np.array([0.0, 1.0, 1.0]),
        np.array([0.0, 1.0, 1.0]),
        what="bernoulli_nll(y=[0, 1, 1], p=[0, 1, 1])",
    )
    assert np.isfinite(got), f"bernoulli_nll(y=[0, 1, 1], p=[0, 1, 1]) = {got}, expected 0"
    assert abs(got) < 1e-12, f"bernoulli_nll(y=[0, 1, 1], p=[0, 1, 1]) = {got}, expected 0"


def test_bernoulli_nll_floors_each_log_at_minus_100_like_torch(impl, assert_close):
    # torch.nn.BCELoss: a certain wrong prediction costs exactly 100 per element.
    # Clipping p to [1e-12, 1 - 1e-12] would give 27.63 here instead.
    got = impl.bernoulli_nll(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert_close(got, 100.0, tol=1e-12, what="bernoulli_nll(y=[1, 0], p=[0, 1])")


def test_bernoulli_nll_keeps_growing_until_the_torch_floor(impl, assert_close):
    # A confidently wrong prediction, p = 1e-40 for y = 1, costs 40 ln 10 =
    # 92.1 nats: below torch's floor of 100, so no clip applies. A clip at
    # 1e-7 or 1e-15 (common "eps" choices) would report 16.1 or 34.5.
    got = impl.bernoulli_nll(np.array([1.0, 0.0]), np.array([1e-40, 1.0 - 2.0**-53]))
    expected = (40 * math.log(10) + 53 * math.log(2)) / 2
    assert_close(got, expected, tol=1e-12, what="bernoulli_nll([1, 0], [1e-40, 1 - 2**-53])")


def test_bernoulli_nll_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError, match=r"\(4,\)"):
        impl.bernoulli_nll(np.ones(4), np.full((4, 1), 0.5))


# ----- gaussian_nll --------------------------------------------------------

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)  # 0.9189385332046727


def test_gaussian_nll_includes_the_log_two_pi_constant(impl, assert_close):
    # x == mu, var == 1: only the constant 0.5 log(2 pi) is left (full=True).
    got = impl.gaussian_nll(np.zeros(3), np.zeros(3), np.ones(3))
    assert_close(got, _HALF_LOG_2PI, tol=1e-12, what="gaussian_nll(0, 0, var=1) (3 elements)")


def test_gaussian_nll_matches_hand_computed_values(impl, assert_close):
    # (x, mu, var) = (1, 0, 1): 0.5 log 2pi + 0.5;  (3, 0, 4): 0.5 log 8pi + 9/8.
    expected = ((_HALF_LOG_2PI + 0.5) + (0.5 * math.log(8 * math.pi) + 9 / 8)) / 2
    got = impl.gaussian_nll(np.array([1.0, 3.0]), np.zeros(2), np.array([1.0, 4.0]))
    assert_close(got, expected, tol=1e-12, what="gaussian_nll(x=[1, 3], mu=[0, 0], var=[1, 4])")


def _gaussian_nll_loop(x, mu, var_of):
    total = 0.0
    for index in np.ndindex(x.shape):
        v = max(var_of(index), 1e-6)
        total += 0.5 * math.log(2 * math.pi * v) + (x[index] - mu[index]) ** 2 / (2 * v)
    return total / x.size


def test_gaussian_nll_averages_over_every_element(impl, rng, assert_close):
    x = rng.standard_normal((4, 3))
    mu = rng.standard_normal((4, 3))
    var = rng.uniform(0.2, 3.0, size=(4, 3))
    got = impl.gaussian_nll(x, mu, var)
    expected = _gaussian_nll_loop(x, mu, lambda idx: var[idx])
    assert_close(got, expected, tol=1e-12, what="gaussian_nll(x (4, 3), mu (4, 3), var (4, 3))")


def test_gaussian_nll_accepts_a_float_variance(impl, rng, assert_close):
    x = rng.standard_normal(6)
    mu = rng.standard_normal(6)
    got = impl.gaussian_nll(x, mu, 2.5)
    expected = _gaussian_nll_loop(x, mu, lambda idx: 2.5)
    assert_close(got, expected, tol=1e-12, what="gaussian_nll(x (6,), mu (6,), var=2.5)")


def test_gaussian_nll_pairs_a_per_example_variance_with_rows(impl, rng, assert_close):
    # x (3, 3), var (3,): PyTorch reads var as one variance per example (row),
    # not NumPy's broadcast, which would pair var[j] with column j.
    x = rng.standard_normal((3, 3))
    mu = rng.standard_normal((3, 3))
    var = np.array([0.5, 2.0, 4.0])
    got = impl.gaussian_nll(x, mu, var)
    expected = _gaussian_nll_loop(x, mu, lambda idx: var[idx[0]])
    assert_close(
        got, expected, tol=1e-12, what="gaussian_nll(x (3, 3), mu (3, 3), var (3,)) (var per row)"
    )


def test_gaussian_nll_at_the_mle_is_half_log_two_pi_e_var(impl, rng, assert_close):
    # At mu = mean and var = mean squared deviation, (x - mu)^2 / (2 var) averages
    # to exactly 1/2: the mean NLL is 0.5 log(2 pi var) + 0.5.
    x = rng.normal(1.0, 3.0, size=50)
    mu = x.mean()
    var = np.mean((x - mu) ** 2)
    got = impl.gaussian_nll(x, np.full_like(x, mu), var)
    expected = 0.5 * math.log(2 * math.pi * var) + 0.5
    assert_close(got, expected, tol=1e-12, what="gaussian_nll(x (50,), mean(x), MLE var)")


def test_gaussian_nll_clamps_the_variance_at_1e_minus_6(impl, assert_close):
    x, mu = np.array([0.001, -0.002]), np.zeros(2)
    got = impl.gaussian_nll(x, mu, np.zeros(2))
    expected = _gaussian_nll_loop(x, mu, lambda idx: 1e-6)
    assert_close(got, expected, tol=1e-12, what="gaussian_nll(x, mu, var=[0, 0]) (clamped at 1e-6)")


def test_gaussian_nll_does_not_modify_var(impl):
    # Clamping in place (var[var < eps] = eps, np.maximum(..., out=var)) would
    # overwrite the caller's variances; PyTorch clones var before clamping.
    var = np.array([0.0, 1e-9, 2.0])
    impl.gaussian_nll(np.zeros(3), np.zeros(3), var)
    assert np.array_equal(var, [0.0, 1e-9, 2.0]), (
        f"gaussian_nll(x, mu, var=[0, 1e-9, 2]) changed the caller's var to {var}, "
        "expected it untouched (clamp into a new array)"
    )


def test_gaussian_nll_rejects_negative_variance(impl):
    with pytest.raises(ValueError):
        impl.gaussian_nll(np.zeros(2), np.zeros(2), np.array([1.0, -0.5]))


def test_gaussian_nll_zero_variance_is_clamped_not_rejected(impl, assert_close):
    # var = 0 is falsy but allowed (torch clamps it to eps = 1e-6): the NLL of
    # x = mu is 0.5 log(2 pi 1e-6), a finite negative number (a density above 1).
    got = impl.gaussian_nll(np.array([1.0]), np.array([1.0]), np.array([0.0]))
    assert_close(
        got, 0.5 * math.log(2 * math.pi * 1e-6), tol=1e-12, what="gaussian_nll(1, 1, var=0)"
    )


# ----- linear_regression_mle -----------------------------------------------


def _regression_data(rng, N=12, D=4, noise=0.3):
    X = rng.standard_normal((N, D))
    w_true = rng.standard_normal(D)
    y = X @ w_true + noise * rng.standard_normal(N)
    return X, y, w_true


def test_linear_regression_mle_recovers_noise_free_weights(impl, rng, assert_close):
    X, _, w_true = _regression_data(rng)
    w, noise_var = impl.linear_regression_mle(X, X @ w_true)
    assert_close(w, w_true, tol=1e-10, what="linear_regression_mle(X (12, 4), y = X w_true) -> w")
    assert abs(noise_var) < 1e-20, f"noise_var = {noise_var} for noise-free y, expected 0"


def test_linear_regression_mle_weights_solve_the_normal_equations(impl, rng, assert_close):
    X, y, _ = _regression_data(rng)
    expected = np.linalg.solve(X.T @ X, X.T @ y)
    w, _ = impl.linear_regression_mle(X, y)
    assert_close(
        w, expected, tol=1e-10, what="linear_regression_mle(X (12, 4), y (12,)) -> w (shape (4,))"
    )


def test_linear_regression_mle_noise_variance_divides_by_n(impl, rng, assert_close):
    X, y, _ = _regression_data(rng)
    residual = y - X @ np.linalg.solve(X.T @ X, X.T @ y)
    expected = float(residual @ residual) / 12
    _, noise_var = impl.linear_regression_mle(X, y)
    assert_close(
        noise_var,
        expected,
        tol=1e-10,
        what=f"linear_regression_mle(X (12, 4), y) -> noise_var (sum r^2 / N; / (N - D) "
        f"would be {float(residual @ residual) / 8:.6f})",
    )


def test_linear_regression_mle_is_a_stationary_point_of_the_likelihood(impl, rng, num_grad):
    X, y, _ = _regression_data(rng)

    def mean_nll(theta):
        w, s2 = theta[:-1], theta[-1]
        return np.mean(0.5 * np.log(2 * np.pi * s2) + (y - X @ w) ** 2 / (2 * s2))

    w, noise_var = impl.linear_regression_mle(X, y)
    theta = np.append(np.asarray(w, dtype=np.float64).ravel(), noise_var)
    grad = num_grad(mean_nll, theta)
    assert np.max(np.abs(grad)) < 1e-6, (
        f"the gradient of the Gaussian mean NLL at linear_regression_mle's (w, noise_var) is "
        f"{grad}, expected 0 in every entry (last entry: d/d noise_var)"
    )


def test_linear_regression_mle_is_accurate_for_an_ill_conditioned_design(impl, rng, assert_close):
    # Two nearly collinear columns: cond(X) ~ 1e7, cond(X^T X) ~ 1e14. Solving
    # the normal equations (X^T X) w = X^T y loses about 14 digits; a QR/SVD
    # least-squares solve (np.linalg.lstsq) loses about 7.
    t = rng.standard_normal(30)
    X = np.column_stack([np.ones(30), t, t + 1e-7 * rng.standard_normal(30)])
    w_true = np.array([0.5, 2.0, -1.0])
    y = X @ w_true
    w, noise_var = impl.linear_regression_mle(X, y)
    assert_close(
        w, w_true, tol=1e-6, what="linear_regression_mle(ill-conditioned X (30, 3), y = X w)"
    )
    assert noise_var < 1e-20, f"noise_var = {noise_var} for a noise-free y, expected ~0"


def test_linear_regression_mle_rank_deficient_design_gives_the_min_norm_fit(
    impl, rng, assert_close
):
    # A duplicated column: infinitely many least-squares w. lstsq returns the
    # one of minimum norm (the weight is split equally); the residual, and so
    # the noise variance, is the same for all of them.
    t = rng.standard_normal(10)
    X = np.column_stack([np.ones(10), t, t])
    y = 1.0 + 3.0 * t + 0.1 * rng.standard_normal(10)
    w, noise_var = impl.linear_regression_mle(X, y)
    w2, *_ = np.linalg.lstsq(X[:, :2], y, rcond=None)
    assert_close(
        w,
        [w2[0], w2[1] / 2, w2[1] / 2],
        tol=1e-9,
        what="linear_regression_mle(X with a duplicate column)",
    )
    rss = float(np.sum((y - X[:, :2] @ w2) ** 2))
    assert_close(
        noise_var, rss / 10, tol=1e-9, what="linear_regression_mle(...) -> noise_var = RSS / N"
    )


def test_linear_regression_mle_square_design_interpolates(impl, rng, assert_close):
    # N = D: the fit is exact, the MLE of the noise variance is 0 (its
    # degenerate, overfitting extreme), returned as a float.
    X = rng.standard_normal((4, 4))
    y = rng.standard_normal(4)
    w, noise_var = impl.linear_regression_mle(X, y)
    assert_close(X @ w, y, tol=1e-10, what="X @ w for linear_regression_mle(X (4, 4), y)")
    assert isinstance(noise_var, float), f"noise_var is {type(noise_var).__name__}, expected float"
    assert noise_var < 1e-20, f"noise_var = {noise_var}, expected 0 for N = D"


def test_linear_regression_mle_rejects_mismatched_shapes(impl, rng):
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        impl.linear_regression_mle(rng.standard_normal((5, 3)), rng.standard_normal(4))


# ----- ridge_map -----------------------------------------------------------


def test_ridge_map_zeroes_the_gradient_of_the_penalised_objective(impl, rng, assert_close):
    # grad of ||y - Xw||^2 + lam ||w||^2 is -2 X^T (y - X w) + 2 lam w: at the
    # minimiser X^T (y - X w) == lam w, entry by entry. The first column is an
    # intercept of ones: it is penalised like every other weight.
    N, D, lam = 15, 4, 0.7
    X = np.column_stack([np.ones(N), rng.standard_normal((N, D - 1))])
    y = 3.0 + X[:, 1:] @ rng.standard_normal(D - 1) + 0.2 * rng.standard_normal(N)
    w = np.asarray(impl.ridge_map(X, y, lam), dtype=np.float64)
    assert_close(
        X.T @ (y - X @ w),
        lam * w,
        tol=1e-10,
        what=f"X^T (y - X w) vs lam * w at w = ridge_map(X (15, 4), y, lam={lam})",
    )


def test_ridge_map_with_zero_lam_is_least_squares(impl, rng, assert_close):
    X, y, _ = _regression_data(rng)
    got = impl.ridge_map(X, y, 0.0)
    assert_close(
        got, np.linalg.solve(X.T @ X, X.T @ y), tol=1e-10, what="ridge_map(X (12, 4), y, lam=0)"
    )


def test_ridge_map_is_the_posterior_mode_with_lam_noise_over_prior_variance(
    impl, rng, assert_close
):
    # Bayesian linear regression: posterior precision X^T X / s2 + I / t2, posterior
    # mean (= mode) precision^-1 X^T y / s2. ridge_map(X, y, s2 / t2) must agree.
    X, y, _ = _regression_data(rng)
    s2, t2 = 0.5, 2.0
    precision = X.T @ X / s2 + np.eye(4) / t2
    expected = np.linalg.solve(precision, X.T @ y / s2)
    got = impl.ridge_map(X, y, s2 / t2)
    assert_close(got, expected, tol=1e-10, what="ridge_map(X, y, lam = 0.5 / 2.0)")


def test_ridge_map_shrinks_weights_as_lam_grows(impl, rng):
    X, y, _ = _regression_data(rng)
    lams = [0.0, 0.1, 1.0, 10.0, 100.0, 1e8]
    norms = [float(np.linalg.norm(impl.ridge_map(X, y, lam))) for lam in lams]
    assert all(a > b for a, b in itertools.pairwise(norms)), (
        f"||ridge_map(X, y, lam)|| for lam in {lams} is {norms}: expected strictly decreasing"
    )
    assert norms[-1] < 1e-6, f"||w|| = {norms[-1]} at lam = 1e8, expected close to 0"


def test_ridge_map_does_not_form_an_inverse(impl, rng, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("ridge_map called np.linalg.inv/pinv: use np.linalg.solve")

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    monkeypatch.setattr(np.linalg, "pinv", forbidden)
    X, y, _ = _regression_data(rng)
    w = impl.ridge_map(X, y, 1.0)
    assert np.shape(w) == (4,), f"ridge_map(X (12, 4), y (12,), 1.0) has shape {np.shape(w)}"


def test_ridge_map_wide_design_matches_the_dual_form(impl, rng, assert_close):
    # D = 8 > N = 5: X^T X is singular but X^T X + lam I is not. The same
    # weights from the N x N system: w = X^T (X X^T + lam I)^-1 y (push-through identity).
    X = rng.standard_normal((5, 8))
    y = rng.standard_normal(5)
    expected = X.T @ np.linalg.solve(X @ X.T + 0.3 * np.eye(5), y)
    got = impl.ridge_map(X, y, 0.3)
    assert_close(got, expected, tol=1e-10, what="ridge_map(X (5, 8), y, lam=0.3) vs the dual form")


def test_ridge_map_rejects_mismatched_shapes(impl, rng):
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        impl.ridge_map(rng.standard_normal((5, 3)), rng.standard_normal(4), 1.0)


# ----- logistic_nll_and_grad -----------------------------------------------


def _logistic_nll(w, X, y):
    """Independent reference: mean of log(1 + e^z) - y z, z = X w."""
    z = X @ w
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _classification_data(rng, N=7, D=4):
    X = rng.standard_normal((N, D))
    y = (rng.uniform(size=N) < 0.5).astype(np.float64)
    return X, y


def test_logistic_nll_and_grad_at_zero_weights(impl, assert_close):
    # w = 0: every p = 1/2, so the loss is log 2 and grad = X^T (1/2 - y) / N.
    # X^T (1/2 - y) = [1*(-1/2) + 2*(1/2) + 0, 0 + 1*(1/2) + 3*(-1/2)] = [1/2, -1]; / 3.
    X = np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]])
    y = np.array([1.0, 0.0, 1.0])
    loss, grad = impl.logistic_nll_and_grad(np.zeros(2), X, y)
    assert_close(loss, math.log(2.0), tol=1e-12, what="logistic_nll_and_grad(0, X (3, 2), y) loss")
    assert_close(
        grad, [1 / 6, -1 / 3], tol=1e-12, what="logistic_nll_and_grad(0, X (3, 2), y) grad"
    )


def test_logistic_nll_and_grad_loss_matches_a_loop(impl, rng, assert_close):
    X, y = _classification_data(rng)
    w = rng.standard_normal(4)
    expected = 0.0
    for i in range(7):
        z = float(X[i] @ w)
        p = 1.0 / (1.0 + math.exp(-z))
        expected -= y[i] * math.log(p) + (1 - y[i]) * math.log(1 - p)
    loss, _ = impl.logistic_nll_and_grad(w, X, y)
    assert_close(loss, expected / 7, tol=1e-12, what="logistic_nll_and_grad(w, X (7, 4), y) loss")


def test_logistic_nll_and_grad_gradient_matches_numerical(impl, rng, num_grad, assert_close):
    X, y = _classification_data(rng)
    w = rng.standard_normal(4)
    expected = num_grad(lambda v: _logistic_nll(v, X, y), w)
    _, grad = impl.logistic_nll_and_grad(w, X, y)
    assert_close(
        grad, expected, tol=1e-8, what="logistic_nll_and_grad(w, X (7, 4), y) grad (vs numerical)"
    )


def test_logistic_nll_and_grad_is_stable_for_large_logits(impl, assert_close, call_quietly):
    # z = X w = [1000, -1000, 1000, -1000] with y = [1, 0, 0, 1]: the first two are
    # certain and right (loss 0), the last two certain and wrong (loss 1000 each).
    # Mean loss 500. sigmoid(z) - y = [0, 0, 1, -1], so grad = (1000 + 1000) / 4 = 500.
    X = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss, grad = call_quietly(
        impl.logistic_nll_and_grad,
        np.array([1.0]),
        X,
        y,
        what="logistic_nll_and_grad(w, X, y) with z = X w = [1000, -1000, 1000, -1000]",
    )
    assert_close(loss, 500.0, tol=1e-12, what="logistic_nll_and_grad at z = +-1000 -> loss")
    assert_close(grad, [500.0], tol=1e-12, what="logistic_nll_and_grad at z = +-1000 -> grad")


def test_logistic_nll_and_grad_is_accurate_for_confident_right_answers(impl, assert_close):
    # One example, x = 1, w = 40, y = 1 (and its mirror, w = -40, y = 0): the
    # loss is log1p(e^-40) = 4.25e-18 and the gradient -sigmoid(-40) (or
    # +sigmoid(-40)). logaddexp(0, 40) - 40 and sigmoid(40) - 1 both round to 0.
    tiny = math.log1p(math.exp(-40.0))
    s = math.exp(-40.0) / (1 + math.exp(-40.0))
    for w, y, g in [(40.0, 1.0, -s), (-40.0, 0.0, s)]:
        loss, grad = impl.logistic_nll_and_grad(np.array([w]), np.array([[1.0]]), np.array([y]))
        assert_close(
            loss,
            tiny,
            tol=1e-12,
            what=f"logistic_nll_and_grad(w=[{w}], X=[[1]], y=[{y}]) -> loss",
            floor=0.0,
        )
        assert_close(
            grad,
            [g],
            tol=1e-12,
            what=f"logistic_nll_and_grad(w=[{w}], X=[[1]], y=[{y}]) -> grad",
            floor=0.0,
        )


def test_logistic_nll_and_grad_rejects_mismatched_shapes(impl, rng):
    X = rng.standard_normal((5, 3))
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        impl.logistic_nll_and_grad(np.zeros(4), X, np.zeros(5))


# ----- fit_logistic_regression ---------------------------------------------


def test_fit_logistic_regression_starts_from_zero(impl, rng, assert_close):
    X, y = _classification_data(rng)
    w = impl.fit_logistic_regression(X, y, lr=0.5, n_steps=0)
    assert_close(w, np.zeros(4), tol=0.0, what="fit_logistic_regression(X (7, 4), y, n_steps=0)")


def test_fit_logistic_regression_first_step_is_minus_lr_times_gradient(impl, rng, assert_close):
    # From w = 0, sigmoid(0) = 1/2: w_1 = -lr X^T (1/2 - y) / N.
    X, y = _classification_data(rng)
    expected = -0.5 * X.T @ (0.5 - y) / 7
    w = impl.fit_logistic_regression(X, y, lr=0.5, n_steps=1)
    assert_close(w, expected, tol=1e-12, what="fit_logistic_regression(X (7, 4), y, 0.5, 1 step)")


def _newton_logistic(X, y, n_iter=30):
    """Independent optimum: Newton's method on the mean logistic NLL."""
    w = np.zeros(X.shape[1])
    for _ in range(n_iter):
        p = 1.0 / (1.0 + np.exp(-(X @ w)))
        grad = X.T @ (p - y) / len(y)
        hessian = X.T @ (X * (p * (1 - p))[:, None]) / len(y)
        w = w - np.linalg.solve(hessian, grad)
    return w


def _noisy_labels(rng, N=40):
    X = np.column_stack([np.ones(N), rng.standard_normal((N, 2))])
    p = 1.0 / (1.0 + np.exp(-(X @ np.array([0.5, 1.5, -1.0]))))
    return X, (rng.uniform(size=N) < p).astype(np.float64)


@pytest.mark.parametrize(("lr", "n_steps"), [(0.0, 5), (0.5, 0)], ids=["lr-0", "no-steps"])
def test_fit_logistic_regression_falsy_hyperparameters_are_used_as_given(
    impl, rng, assert_close, lr, n_steps
):
    # lr = 0 and n_steps = 0 are valid: the weights stay at w_0 = 0, shape (D,).
    # A default substituted for a falsy value (lr or 0.1) moves them.
    X, y = _classification_data(rng)
    got = impl.fit_logistic_regression(X, y, lr, n_steps)
    assert_close(
        got,
        np.zeros(4),
        tol=0,
        what=f"fit_logistic_regression(X (7, 4), y, lr={lr}, n_steps={n_steps})",
    )


def test_fit_logistic_regression_reaches_the_newton_optimum(impl, rng, assert_close):
    # Labels drawn at random from the model: not separable, so a finite optimum exists.
    X, y = _noisy_labels(rng)
    w_newton = _newton_logistic(X, y)
    w = impl.fit_logistic_regression(X, y, lr=2.0, n_steps=1000)
    assert_close(
        w, w_newton, tol=1e-8, what="fit_logistic_regression(X (40, 3), y, 2.0, 1000) vs Newton"
    )


def test_fit_logistic_regression_ends_with_a_near_zero_gradient(impl, rng):
    X, y = _noisy_labels(rng)
    w = np.asarray(impl.fit_logistic_regression(X, y, lr=2.0, n_steps=1000), dtype=np.float64)
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    grad = X.T @ (p - y) / len(y)
    assert np.linalg.norm(grad) < 1e-10, (
        f"after fit_logistic_regression(X (40, 3), y, 2.0, 1000) the gradient of the mean NLL "
        f"is {grad} (norm {np.linalg.norm(grad):.1e}), expected below 1e-10"
    )


def _separable(rng, N=30):
    pts = rng.uniform(-1.0, 1.0, size=(4 * N, 2))
    pts = pts[np.abs(pts[:, 0] + pts[:, 1] - 0.2) > 0.2][:N]  # a margin around the line
    X = np.column_stack([np.ones(len(pts)), pts])
    y = (pts[:, 0] + pts[:, 1] > 0.2).astype(np.float64)
    return X, y


def test_fit_logistic_regression_separates_separable_data(impl, rng):
    X, y = _separable(rng)
    w = np.asarray(impl.fit_logistic_regression(X, y, lr=1.0, n_steps=2000), dtype=np.float64)
    predicted = (X @ w > 0).astype(np.float64)
    errors = int(np.sum(predicted != y))
    assert errors == 0, (
        f"fit_logistic_regression on separable data: {errors} training errors, w={w}"
    )


def test_fit_logistic_regression_weights_keep_growing_on_separable_data(impl, rng):
    # Separable data has no MLE: the loss decreases towards 0 as ||w|| -> infinity.
    X, y = _separable(rng)
    norms = [
        float(np.linalg.norm(impl.fit_logistic_regression(X, y, lr=1.0, n_steps=n)))
        for n in (250, 1000, 4000)
    ]
    assert norms[0] < norms[1] < norms[2], (
        f"||w|| after 250, 1000, 4000 steps on separable data: {norms}; expected to keep growing"
    )


# --- every exercise leaves the caller's arrays untouched ---------------------
# Clipping p in place, appending a bias column to X in place, or normalising
# counts in place returns the right value and corrupts the caller's data.


def test_bernoulli_mle_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.bernoulli_mle, np.array([1.0, 0.0, 1.0, 1.0]), what="bernoulli_mle(x)")


def test_categorical_mle_leaves_counts_untouched(impl, call_untouched):
    call_untouched(impl.categorical_mle, np.array([3.0, 0.0, 5.0]), what="categorical_mle(counts)")


def test_categorical_map_leaves_counts_untouched(impl, call_untouched):
    counts = np.array([3.0, 0.0, 5.0])
    call_untouched(impl.categorical_map, counts, 2.0, what="categorical_map(counts, alpha=2)")


def test_gaussian_mle_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.gaussian_mle, rng.standard_normal(8), what="gaussian_mle(x)")


def test_multivariate_gaussian_mle_leaves_X_untouched(impl, rng, call_untouched):
    # X -= X.mean(0) centres the caller's data in place.
    call_untouched(
        impl.multivariate_gaussian_mle,
        rng.standard_normal((6, 3)),
        what="multivariate_gaussian_mle(X)",
    )


def test_poisson_mle_leaves_x_untouched(impl, call_untouched):
    call_untouched(impl.poisson_mle, np.array([0.0, 3.0, 1.0, 2.0]), what="poisson_mle(x)")


def test_bernoulli_nll_leaves_inputs_untouched(impl, call_untouched):
    y, p = np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.3])  # 0 and 1 get clamped
    call_untouched(impl.bernoulli_nll, y, p, what="bernoulli_nll(y, p)")


def test_gaussian_nll_leaves_inputs_untouched(impl, rng, call_untouched):
    x, mu, var = rng.standard_normal(5), rng.standard_normal(5), rng.uniform(0.5, 2, 5)
    call_untouched(impl.gaussian_nll, x, mu, var, what="gaussian_nll(x, mu, var)")


def test_linear_regression_mle_leaves_inputs_untouched(impl, rng, call_untouched):
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    call_untouched(impl.linear_regression_mle, X, y, what="linear_regression_mle(X, y)")


def test_ridge_map_leaves_inputs_untouched(impl, rng, call_untouched):
    X, y = rng.standard_normal((8, 3)), rng.standard_normal(8)
    call_untouched(impl.ridge_map, X, y, 0.5, what="ridge_map(X, y, lam=0.5)")


def test_logistic_nll_and_grad_leaves_inputs_untouched(impl, rng, call_untouched):
    w, X, y = rng.standard_normal(3), 10 * rng.standard_normal((8, 3)), np.arange(8.0) % 2
    call_untouched(impl.logistic_nll_and_grad, w, X, y, what="logistic_nll_and_grad(w, X, y)")


def test_fit_logistic_regression_leaves_inputs_untouched(impl, rng, call_untouched):
    X, y = rng.standard_normal((8, 3)), np.arange(8.0) % 2
    call_untouched(impl.fit_logistic_regression, X, y, 0.1, 5, what="fit_logistic_regression(X, y)")


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
