"""Topic 05: maximum likelihood and MAP estimation, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

import numpy as np

# log(p) and log(1 - p) are floored at -100, as torch.nn.BCELoss does: this is
# the same as clipping each log's argument at exp(-100) ~ 3.7e-44.
_BCE_LOG_FLOOR = -100.0
_BCE_EPS = float(np.exp(_BCE_LOG_FLOOR))

# torch.nn.functional.gaussian_nll_loss clamps the variance at eps=1e-6.
_GAUSSIAN_VAR_EPS = 1e-6


# ---------------------------------------------------------------------------
# Closed-form MLEs for simple distributions
# ---------------------------------------------------------------------------


def bernoulli_mle(x: np.ndarray):
    """MLE of the Bernoulli parameter: the fraction of ones, along axis 0."""
    # d/dtheta [k log theta + (N - k) log(1 - theta)] = 0  =>  theta = k / N.
    # float64 first: a bool array's mean is fine, but an int8 sum can overflow.
    return np.mean(np.asarray(x, dtype=np.float64), axis=0)


def categorical_mle(counts: np.ndarray) -> np.ndarray:
    """MLE of categorical probabilities from per-class counts: counts / total."""
    counts = np.asarray(counts, dtype=np.float64)
    if np.any(counts < 0):
        raise ValueError(f"categorical_mle: counts must be non-negative, got {counts}")
    total = counts.sum(axis=-1, keepdims=True)
    if np.any(total == 0):
        raise ValueError("categorical_mle: no observations (counts sum to 0), the MLE is undefined")
    # The Lagrange multiplier of the constraint sum_k pi_k = 1 is lambda = N, so
    # pi_k = n_k / N. Common mistake: returning counts / max(counts) or
    # forgetting to normalise at all.
    return counts / total


def categorical_map(counts: np.ndarray, alpha: float) -> np.ndarray:
    """MAP of categorical probabilities under a symmetric Dirichlet(alpha) prior."""
    counts = np.asarray(counts, dtype=np.float64)
    if alpha < 1:
        # Below 1 the posterior density is unbounded at the simplex's edges
        # whenever a count is 0: there is no interior mode.
        raise ValueError(f"categorical_map: alpha must be >= 1 for an interior mode, got {alpha}")
    # The Dirichlet prior acts as alpha - 1 pseudo-counts per class (the mode,
    # not the mean, which would add alpha). alpha = 1 is a flat prior: the MLE.
    pseudo = counts + (alpha - 1.0)
    total = pseudo.sum(axis=-1, keepdims=True)
    if np.any(total == 0):
        raise ValueError("categorical_map: no observations and alpha == 1, the mode is undefined")
    return pseudo / total


def gaussian_mle(x: np.ndarray):
    """MLE (mu, var) of a Gaussian along axis 0; var divides by N (biased)."""
    x = np.asarray(x, dtype=np.float64)
    mu = np.mean(x, axis=0)
    # Setting d/dvar of the log-likelihood to zero gives the mean squared
    # deviation from mu_hat, over N. Common mistake: np.var(x, ddof=1), the
    # unbiased estimator, which is NOT the maximiser of the likelihood.
    var = np.mean((x - mu) ** 2, axis=0)
    return mu, var


def multivariate_gaussian_mle(X: np.ndarray):
    """MLE (mu (D,), Sigma (D, D)) of a multivariate Gaussian from rows X (N, D); Sigma / N."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(
            f"multivariate_gaussian_mle: X must be (N, D) with N >= 1, got shape {X.shape}"
        )
    N = X.shape[0]
    mu = X.mean(axis=0)  # (D,)
    # Centre first, then form the scatter matrix: (D, N) @ (N, D) -> (D, D).
    # The one-pass X^T X / N - mu mu^T cancels catastrophically when the data
    # sit far from 0 (features at 1e9 with spread 1: both terms are ~1e18).
    # A new array: centring in place (X -= mu) would change the caller's data.
    Xc = X - mu
    # Divide by N, not N - 1: the MLE (np.cov(X, rowvar=False, bias=True)).
    # Common mistakes: Xc @ Xc.T, an (N, N) Gram matrix of the examples, and
    # np.cov(X) without rowvar=False, which treats rows as variables.
    # For N <= D the result is singular (rank <= N - 1): the likelihood is then
    # unbounded, and a caller who needs a density adds eps * I (or shrinks).
    Sigma = Xc.T @ Xc / N
    return mu, Sigma


def poisson_mle(x: np.ndarray):
    """MLE of the Poisson rate: the sample mean of the counts, along axis 0."""
    x = np.asarray(x, dtype=np.float64)
    if np.any(x < 0):
        raise ValueError("poisson_mle: Poisson counts must be non-negative")
    # d/dlambda [sum_i x_i log lambda - N lambda] = sum_i x_i / lambda - N = 0.
    return np.mean(x, axis=0)


# ---------------------------------------------------------------------------
# Negative log-likelihoods
# ---------------------------------------------------------------------------


def bernoulli_nll(y: np.ndarray, p: np.ndarray) -> float:
    """Mean Bernoulli NLL = binary cross-entropy, with torch.nn.BCELoss's clamping."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"bernoulli_nll: y has shape {y.shape} but p has shape {p.shape}")
    # Floor the argument of each log, not p itself: clipping p to [eps, 1 - eps]
    # with a tiny eps is useless at the top end, since 1 - 3.7e-44 == 1.0.
    # log(max(a, e^-100)) == max(log a, -100): exactly BCELoss's clamp, and no
    # divide-by-zero warning when p is exactly 0 or 1.
    log_p = np.log(np.maximum(p, _BCE_EPS))
    log_1mp = np.log(np.maximum(1.0 - p, _BCE_EPS))
    return float(-np.mean(y * log_p + (1.0 - y) * log_1mp))


def gaussian_nll(x: np.ndarray, mu: np.ndarray, var) -> float:
    """Mean full Gaussian NLL, as torch.nn.functional.gaussian_nll_loss(full=True)."""
    x = np.asarray(x, dtype=np.float64)
    mu = np.asarray(mu, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    if np.any(var < 0):
        raise ValueError("gaussian_nll: var has negative entries")
    # PyTorch's one rule beyond broadcasting: a var one dimension short of x
    # (one variance per example, x of shape (N, D), var of shape (N,)) gets a
    # trailing axis. Plain broadcasting would pair var[j] with column j.
    if var.ndim == x.ndim - 1 and var.shape == x.shape[:-1]:
        var = var[..., None]
    # The clamp keeps log(var) and the division finite for var -> 0 (torch's
    # eps=1e-6); it changes nothing for var >= 1e-6.
    var = np.maximum(var, _GAUSSIAN_VAR_EPS)
    # full=True keeps the constant 0.5 log(2 pi): without it the value is not
    # a likelihood, though its minimiser is the same.
    per_element = 0.5 * (np.log(2.0 * np.pi * var) + (x - mu) ** 2 / var)
    return float(np.mean(per_element))


# ---------------------------------------------------------------------------
# Linear models
# ---------------------------------------------------------------------------


def _check_design(name: str, X: np.ndarray, y: np.ndarray) -> None:
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{name}: expected X (N, D) and y (N,), got X {X.shape} and y {y.shape}")


def linear_regression_mle(X: np.ndarray, y: np.ndarray):
    """MLE (w, noise_var) of y = X w + Gaussian noise: min-norm least squares, mean residual^2."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    _check_design("linear_regression_mle", X, y)
    # lstsq (an SVD) rather than solve(X^T X, X^T y): the normal equations square
    # the condition number. rcond=None silences NumPy 1.x's FutureWarning and
    # uses machine precision times max(N, D) as the cut-off. With y of shape
    # (N,), w has shape (D,); passing y[:, None] would give (D, 1).
    w, *_ = np.linalg.lstsq(X, y, rcond=None)
    residual = y - X @ w
    # The MLE of sigma^2 divides by N. Dividing by N - D gives the unbiased
    # estimator, which is a different (and not the maximum-likelihood) answer.
    noise_var = float(np.mean(residual**2))
    return w, noise_var


def ridge_map(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """MAP weights under w ~ N(0, tau^2 I) and noise N(0, sigma^2): lam = sigma^2 / tau^2."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    _check_design("ridge_map", X, y)
    D = X.shape[1]
    # -log posterior = ||y - X w||^2 / (2 sigma^2) + ||w||^2 / (2 tau^2) + const.
    # Times 2 sigma^2: ||y - X w||^2 + lam ||w||^2. Gradient zero gives
    # (X^T X + lam I) w = X^T y, solved directly: never form the inverse (it is
    # slower and less accurate). Every weight is penalised, an intercept
    # column included.
    A = X.T @ X + lam * np.eye(D)
    return np.linalg.solve(A, X.T @ y)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp(-|z|) is in (0, 1]: it cannot overflow. For z >= 0 the usual
    # 1 / (1 + e^-z); for z < 0 the equal e^z / (1 + e^z). np.where would
    # evaluate exp(-z) everywhere and overflow for z = -1000.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(z: np.ndarray) -> np.ndarray:
    # log(1 + e^z) = max(z, 0) + log1p(e^{-|z|}): no overflow, and accurate
    # for very negative z, where it is about e^z (np.log(1 + e^z) rounds to 0).
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def logistic_nll_and_grad(w: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Mean logistic-regression NLL and its gradient X^T (sigmoid(X w) - y) / N."""
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    _check_design("logistic_nll_and_grad", X, y)
    if w.shape != (X.shape[1],):
        raise ValueError(f"logistic_nll_and_grad: w has shape {w.shape}, X has shape {X.shape}")
    N = X.shape[0]
    z = X @ w
    # -log p(y | z) = log(1 + e^z) - y z for y in {0, 1} (and soft y in [0, 1]).
    # np.logaddexp(0, z) is log(1 + e^z) without overflow: log(1 + exp(1000))
    # would be inf (and a RuntimeWarning). Not log(sigmoid(z)) either: sigmoid
    # rounds to 1.0 or 0.0 for large |z| and the log becomes 0 or -inf.
    # Per example it equals y softplus(-z) + (1 - y) softplus(z), since
    # softplus(z) - z = softplus(-z); written that way a confidently right
    # example keeps its tiny loss: for y = 1, z = 40, logaddexp(0, 40) - 40
    # subtracts two numbers that both round to 40 and gives 0, while
    # softplus(-40) = log1p(e^-40) = 4.2e-18 to full precision.
    loss = float(np.mean(y * _softplus(-z) + (1.0 - y) * _softplus(z)))
    # d/dz [log(1 + e^z) - y z] = sigmoid(z) - y; the chain rule through z = X w
    # gives X^T (.); the 1/N comes from the mean. Common mistakes: y - sigmoid
    # (the ascent direction) and dropping 1/N (the gradient of the sum).
    # The residual is written (1 - y) sigmoid(z) - y sigmoid(-z) (the same
    # number, soft labels included): for y = 1, z = 40, sigmoid(40) rounds to
    # 1.0 and 1.0 - 1 = 0, while the true residual is -sigmoid(-40) = -4.2e-18.
    residual = (1.0 - y) * _sigmoid(z) - y * _sigmoid(-z)
    grad = X.T @ residual / N
    return loss, grad


def fit_logistic_regression(X: np.ndarray, y: np.ndarray, lr: float, n_steps: int) -> np.ndarray:
    """Plain gradient descent on the mean logistic NLL, from w = 0."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.zeros(X.shape[1])
    # The NLL is convex (its Hessian X^T S X / N is PSD), so with
    # lr < 2 / L, L = lambda_max(X^T X) / (4 N), descent reaches the global
    # optimum when one exists. On separable data none exists: ||w|| grows
    # like log(t) forever while the loss creeps towards 0.
    for _ in range(n_steps):
        _, grad = logistic_nll_and_grad(w, X, y)
        w = w - lr * grad
    return w


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
