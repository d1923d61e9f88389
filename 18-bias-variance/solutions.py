"""Topic 18: the bias-variance trade-off, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Polynomial coefficients are stored lowest power first: ``w[0]`` is the
intercept and ``w[k]`` multiplies ``x**k``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _as_1d(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (N,), got shape {arr.shape}")
    return arr


def _check_degree(degree) -> int:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
        raise ValueError(f"degree must be an integer >= 0, got {degree!r}")
    return int(degree)


def polynomial_features(x: np.ndarray, degree: int) -> np.ndarray:
    # Columns x^0, x^1, ..., x^degree. np.vander(x, degree + 1, increasing=True)
    # is the same matrix; the common mistakes are the decreasing order (which
    # np.vander and np.polyfit use by default) and degree columns instead of
    # degree + 1 (forgetting the constant).
    x = _as_1d(x, "x")
    degree = _check_degree(degree)
    return x[:, None] ** np.arange(degree + 1)


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int, lam: float = 0.0) -> np.ndarray:
    x = _as_1d(x, "x")
    y = _as_1d(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}")
    degree = _check_degree(degree)
    if not lam >= 0:  # also rejects nan
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if degree == 0:
        # Only the intercept, which is never penalised: the mean of y.
        return np.array([y.mean()])

    # Features x, ..., x^degree WITHOUT the constant column. Centring each
    # column and y makes the intercept drop out of the problem: for any slopes
    # w the best intercept is b = mean(y) - mean(X) @ w, and substituting it
    # leaves || yc - Xc w ||^2 + lam ||w||^2. This is exactly how
    # scikit-learn's Ridge(fit_intercept=True) treats the intercept, and it is
    # why the intercept is not shrunk: shifting y by a constant must shift the
    # prediction by that constant, whatever lam is. Penalising the column of
    # ones instead (the common mistake) pulls every fit towards 0.
    # Centring also removes the column most collinear with the even powers on
    # a positive interval, which improves the conditioning.
    X = polynomial_features(x, degree)[:, 1:]
    x_mean = X.mean(axis=0)
    y_mean = y.mean()
    Xc = X - x_mean  # new arrays: the caller's x and y are never touched
    yc = y - y_mean

    # Ridge as an ordinary least-squares problem on an augmented system:
    #     [ Xc           ]       [ yc ]
    #     [ sqrt(lam) I  ] w  ~  [ 0  ]
    # whose normal equations are (Xc^T Xc + lam I) w = Xc^T yc. Solving the
    # stacked system with an SVD-based lstsq never forms Xc^T Xc, whose
    # condition number is the SQUARE of Xc's: at degree 12 on [0, 1] that is
    # the difference between ~5e8 and ~1e17 (all digits lost).
    #
    # Equilibrate first: divide each column by its norm (v = s * w, so the
    # penalty lam w_j^2 becomes lam v_j^2 / s_j^2, the rows sqrt(lam) / s_j).
    # This is the same minimiser whenever it is unique, but the columns of a
    # monomial basis differ by orders of magnitude (x^12 on [0, 5] is 2e8
    # times x), and without the scaling lstsq's rank cut-off throws away
    # directions that hold real signal. A column of zeros (a single training
    # point, or all x equal) keeps scale 1 and gets slope 0.
    d = Xc.shape[1]
    scale = np.linalg.norm(Xc, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    A = np.vstack([Xc / scale, np.diag(np.sqrt(lam) / scale)])
    b = np.concatenate([yc, np.zeros(d)])
    # With lam = 0 the extra rows are zero; when the fit is not unique (fewer
    # distinct x values than coefficients) lstsq returns the minimum-norm v:
    # the fitted values at the training points are still a least-squares fit.
    v, *_ = np.linalg.lstsq(A, b, rcond=None)
    w = v / scale
    intercept = y_mean - x_mean @ w
    return np.concatenate([[intercept], w])


def predict_polynomial(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    # Horner's rule, w[-1] first: degree multiply-adds per point, no powers
    # formed, and no (N, degree + 1) matrix. Equal to
    # polynomial_features(x, len(w) - 1) @ w up to rounding.
    w = _as_1d(w, "w")
    x = _as_1d(x, "x")
    if w.size == 0:
        raise ValueError("w must hold at least one coefficient (the intercept)")
    out = np.full(x.shape, w[-1])
    for coef in w[-2::-1]:
        out = out * x + coef
    return out


def bias_variance_decomposition(
    true_fn: Callable[[np.ndarray], np.ndarray],
    noise_std: float,
    degree: int,
    n_train: int,
    n_datasets: int,
    x_test: np.ndarray,
    rng: np.random.Generator,
) -> dict:
    x_test = _as_1d(x_test, "x_test")
    if n_datasets < 2 or n_train < 1:
        raise ValueError(f"need n_datasets >= 2 and n_train >= 1, got {n_datasets}, {n_train}")
    lo, hi = float(x_test.min()), float(x_test.max())
    f_test = np.asarray(true_fn(x_test), dtype=np.float64)

    # A FRESH training set per repetition: new inputs and new noise. Drawing
    # x once and re-using it (only re-drawing the noise) measures the
    # fixed-design variance, which misses the part due to where the points
    # happen to fall.
    x_train = rng.uniform(lo, hi, size=(n_datasets, n_train))
    y_train = true_fn(x_train) + noise_std * rng.standard_normal((n_datasets, n_train))
    preds = np.empty((n_datasets, x_test.size))
    for r in range(n_datasets):
        w = fit_polynomial(x_train[r], y_train[r], degree)
        preds[r] = predict_polynomial(w, x_test)

    # The decomposition at each test point, then averaged over the test points.
    # Expectation over training sets -> mean over axis 0 (the repetitions).
    mean_pred = preds.mean(axis=0)  # estimate of E_D[f_hat(x)]
    bias2 = np.mean((mean_pred - f_test) ** 2)
    # ddof=0 on purpose: with it, bias2 + variance equals the mean of
    # (f_hat - f)^2 over all repetitions EXACTLY (the cross term of the
    # empirical decomposition is zero), so the only Monte Carlo gap left is
    # the one from the test noise. (bias2 is then high by variance / R on
    # average, the price of estimating E f_hat by a mean of R fits.)
    variance = np.mean(preds.var(axis=0))
    noise = float(noise_std) ** 2

    # The quantity the decomposition explains, measured directly: new test
    # labels y = f(x) + eps for each repetition, independent of its training set.
    y_test = f_test + noise_std * rng.standard_normal(preds.shape)
    expected_mse = np.mean((y_test - preds) ** 2)
    return {
        "bias2": float(bias2),
        "variance": float(variance),
        "noise": noise,
        "expected_mse": float(expected_mse),
    }


def diagnose(train_error: float, val_error: float, target_error: float, tol: float) -> str:
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    # Strict ">" on both gaps: a gap exactly equal to tol is within tolerance.
    # Compare the GAPS, not the raw errors: the bias gap is measured against
    # the achievable (target, e.g. human or Bayes) error, the variance gap
    # between validation and training.
    high_bias = train_error - target_error > tol
    high_variance = val_error - train_error > tol
    if high_bias and high_variance:
        return "both"
    if high_bias:
        return "high bias"
    if high_variance:
        return "high variance"
    return "good fit"


def bagging_variance(rho: float, sigma2: float, B: int) -> float:
    if isinstance(B, bool) or not isinstance(B, (int, np.integer)) or B < 1:
        raise ValueError(f"B must be an integer >= 1, got {B!r}")
    if sigma2 < 0:
        raise ValueError(f"sigma2 must be >= 0, got {sigma2!r}")
    # B equicorrelated variables have a valid covariance only if the matrix
    # sigma2 ((1 - rho) I + rho 1 1^T) is positive semi-definite: its
    # eigenvalues are sigma2 (1 - rho) and sigma2 (1 + (B - 1) rho).
    if rho > 1 or (B > 1 and rho < -1.0 / (B - 1)):
        raise ValueError(f"rho={rho!r} is not a valid common correlation for B={B} variables")
    # Var(mean) = 1^T Sigma 1 / B^2 = (B sigma2 + B (B - 1) rho sigma2) / B^2.
    # The rho sigma2 part does not shrink with B: only decorrelation helps.
    return float(rho * sigma2 + (1.0 - rho) * sigma2 / B)


def ridge_bias_variance(
    X: np.ndarray, w_true: np.ndarray, noise_std: float, lam: float, X_test: np.ndarray
) -> dict:
    X = np.asarray(X, dtype=np.float64)
    X_test = np.asarray(X_test, dtype=np.float64)
    w_true = _as_1d(w_true, "w_true")
    D = w_true.size
    if X.ndim != 2 or X_test.ndim != 2 or X.shape[1] != D or X_test.shape[1] != D:
        raise ValueError(
            f"need X (N, D), w_true (D,), X_test (M, D); got {X.shape}, {w_true.shape}, "
            f"{X_test.shape}"
        )
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if not lam > 0 and np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("lam = 0 needs X of full column rank (X^T X must be invertible)")
    gram = X.T @ X  # (D, D)
    # S = (X^T X + lam I)^{-1} X^T, the (D, N) map from y to w_hat.
    S = np.linalg.solve(gram + lam * np.eye(D), X.T)
    # E w_hat = S X w_true; the bias of a test prediction is x^T (S X - I) w_true,
    # which equals -lam x^T (X^T X + lam I)^{-1} w_true.
    bias = X_test @ (S @ X @ w_true - w_true)  # (M,)
    # Cov(w_hat) = S Cov(y) S^T = sigma^2 S S^T
    #            = sigma^2 A^{-1} X^T X A^{-1}  with A = X^T X + lam I.
    # NOT sigma^2 A^{-1}: that is the Bayesian posterior covariance (prior
    # w ~ N(0, sigma^2 / lam I)), a different object that is always larger
    # than the sampling covariance when lam > 0 (the common confusion).
    P = X_test @ S  # (M, N): test prediction = P y
    variance = noise_std**2 * np.sum(P**2, axis=1)  # diag(P P^T) sigma^2
    return {"bias2": float(np.mean(bias**2)), "variance": float(np.mean(variance))}


def plot_bias_variance(path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    noise_std, n_train, n_datasets = 0.3, 30, 200
    degrees = np.arange(0, 11)
    x_test = np.linspace(0.0, 1.0, 101)

    def true_fn(t):
        return np.sin(2 * np.pi * t)

    f_test = true_fn(x_test)
    # The same R training sets for every degree: the curves then differ only
    # through the degree, and train error is exactly non-increasing in degree
    # (nested least-squares models on the same data).
    x_train = rng.uniform(0.0, 1.0, size=(n_datasets, n_train))
    y_train = true_fn(x_train) + noise_std * rng.standard_normal((n_datasets, n_train))
    y_test = f_test + noise_std * rng.standard_normal((n_datasets, x_test.size))

    rows = {"train": [], "test": [], "bias2": [], "variance": []}
    for degree in degrees:
        preds = np.empty((n_datasets, x_test.size))
        train_mse = np.empty(n_datasets)
        for r in range(n_datasets):
            w = fit_polynomial(x_train[r], y_train[r], int(degree))
            preds[r] = predict_polynomial(w, x_test)
            train_mse[r] = np.mean((predict_polynomial(w, x_train[r]) - y_train[r]) ** 2)
        rows["train"].append(train_mse.mean())
        rows["test"].append(np.mean((y_test - preds) ** 2))
        rows["bias2"].append(np.mean((preds.mean(axis=0) - f_test) ** 2))
        rows["variance"].append(np.mean(preds.var(axis=0)))

    fig, ax = plt.subplots(figsize=(5.0, 3.4), dpi=100)
    ax.plot(degrees, rows["train"], "o-", ms=3, label="train error")
    ax.plot(degrees, rows["test"], "o-", ms=3, label="test error")
    ax.plot(degrees, rows["bias2"], "s--", ms=3, label="bias$^2$")
    ax.plot(degrees, rows["variance"], "^--", ms=3, label="variance")
    ax.axhline(noise_std**2, color="gray", lw=0.8, ls=":", label="noise $\\sigma^2$")
    ax.set_yscale("log")
    ax.set_xlabel("polynomial degree (model complexity)")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"sin(2 pi x), n = {n_train}, sigma = {noise_std}, {n_datasets} training sets")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
