"""Topic 12: regularization.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file:

* penalties take ``weights``, a list of arrays of any shapes (one per layer),
  and return ``(loss, grads)``: loss a Python float, grads a list of NEW
  float64 arrays shaped like the weights (never the caller's arrays, and the
  caller's arrays are never modified);
* the objectives are scikit-learn's, so that lambdas transfer:
  Ridge(alpha=lam, fit_intercept=False) minimises ||y - Xw||^2 + lam ||w||^2
  (no 1/N), Lasso(alpha=lam, fit_intercept=False) minimises
  (1 / (2N)) ||y - Xw||^2 + lam ||w||_1 (with 1/(2N));
* randomness only through the ``rng`` argument.

Suggested order: l2_penalty, l1_penalty, elastic_net_penalty, soft_threshold,
lasso_ista, ridge_closed_form, dropout_forward, dropout_backward,
early_stopping, max_norm, mixup.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def l2_penalty(weights, lam: float):
    """L2 penalty (weight decay) over a list of arrays, and its gradients.

        loss  = 0.5 * lam * sum over arrays of sum(w ** 2)
        grads = [lam * w for each w]

    The 1/2 makes the gradient lam * w: the update -lr * lam * w is the
    "weight decay" w <- (1 - lr * lam) w of plain SGD.

    Args:
        weights: list of arrays of any shapes (may be empty, may be integer).
        lam: >= 0 (0 is valid: loss 0, zero gradients).

    Returns:
        (loss, grads): loss a Python float; grads a list of new float64
        arrays, one per weight, same shapes. Inputs are not modified.

    Raises:
        ValueError: if lam < 0.

    Hint: lam * w creates a new array; w *= lam modifies the caller's weights.
    """
    raise NotImplementedError


def l1_penalty(weights, lam: float):
    """L1 penalty over a list of arrays, and a subgradient.

        loss     = lam * sum over arrays of sum(|w|)
        subgrads = [lam * sign(w) for each w]     (0 where w == 0)

    |w| has no derivative at 0; any value in [-lam, lam] is a subgradient
    there, and 0 (np.sign(0), and PyTorch's autograd of abs) is the one used.

    Args:
        weights: list of arrays of any shapes.
        lam: >= 0.

    Returns:
        (loss, subgrads) as in l2_penalty.

    Raises:
        ValueError: if lam < 0.
    """
    raise NotImplementedError


def elastic_net_penalty(weights, lam: float, l1_ratio: float):
    """Elastic net: l1_ratio * L1 + (1 - l1_ratio) * L2, with L1 and L2 as above.

        loss = lam * ( l1_ratio * sum|w| + 0.5 * (1 - l1_ratio) * sum w^2 )
        grad = lam * ( l1_ratio * sign(w) + (1 - l1_ratio) * w )

    This is scikit-learn's ElasticNet penalty with alpha = lam.
    l1_ratio = 1 is l1_penalty, l1_ratio = 0 is l2_penalty, exactly.

    Args:
        weights: list of arrays of any shapes.
        lam: >= 0.
        l1_ratio: in [0, 1].

    Returns:
        (loss, grads) as in l2_penalty.

    Raises:
        ValueError: if lam < 0 or l1_ratio is outside [0, 1].
    """
    raise NotImplementedError


def dropout_forward(x: np.ndarray, p: float, train: bool, rng: np.random.Generator):
    """Inverted dropout (torch.nn.functional.dropout).

    Training: each entry is kept independently with probability 1 - p and
    zeroed with probability p; kept entries are scaled by 1 / (1 - p), so
    that E[out] = x:

        out = x * mask / (1 - p),   mask_ij ~ Bernoulli(1 - p), drawn from rng

    p = 0 keeps everything (out equals x); p = 1 drops everything and returns
    zeros (PyTorch does the same; do not divide by 1 - p = 0).
    Evaluation (train=False): out equals x, whatever p (nothing to rescale:
    the training outputs were already scaled up).

    Args:
        x: any shape, e.g. (N, D).
        p: drop probability in [0, 1] (p = 0 is valid).
        train: True for training mode, False for evaluation.
        rng: the generator for the mask (one independent draw per entry).

    Returns:
        (out, cache): out with x's shape; cache = whatever dropout_backward
        needs (the mask actually used).

    Raises:
        ValueError: if p is outside [0, 1].

    Hint: keep = rng.random(x.shape) >= p has P(keep) = 1 - p.
    """
    raise NotImplementedError


def dropout_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Backward pass of dropout_forward.

        dx = dout * mask / (1 - p)   (training; the SAME mask as the forward pass)
        dx = dout                    (evaluation)

    Args:
        dout: upstream gradient, shape of the forward's out.
        cache: from dropout_forward.

    Returns:
        dx, a new array shaped like dout (dout is not modified).
    """
    raise NotImplementedError


def soft_threshold(x, t: float) -> np.ndarray:
    """Soft-thresholding, the proximal operator of t * |.| (element-wise).

        S_t(x) = sign(x) * max(|x| - t, 0)
               = x - t  (x > t),   0  (|x| <= t),   x + t  (x < -t)

    It solves argmin_z 0.5 (z - x)^2 + t |z|. At |x| = t exactly it returns 0.

    Args:
        x: array (or scalar).
        t: threshold >= 0 (t = 0 gives x back).

    Returns:
        float64 ndarray shaped like x (x is not modified).

    Raises:
        ValueError: if t < 0.
    """
    raise NotImplementedError


def lasso_ista(X: np.ndarray, y: np.ndarray, lam: float, n_steps: int) -> np.ndarray:
    """Lasso by ISTA (proximal gradient), scikit-learn's objective:

        minimise  F(w) = (1 / (2N)) ||y - X w||^2 + lam ||w||_1

    Exactly this iteration (the tests check the first steps number by number):

        L = largest eigenvalue of X^T X / N     (= np.linalg.norm(X, 2)**2 / N)
        w = zeros(D)
        repeat n_steps times:
            grad = X^T (X w - y) / N
            w = soft_threshold(w - grad / L, lam / L)

    Step 1 / L is the largest step for which the smooth part's quadratic
    upper bound holds; it makes F decrease at every step. If L = 0 (X is all
    zeros) return zeros.

    Args:
        X: (N, D) design matrix.
        y: (N,) targets.
        lam: >= 0 (0 gives least squares).
        n_steps: number of iterations (0 returns zeros).

    Returns:
        (D,) float64 weights; with enough steps, Lasso(alpha=lam,
        fit_intercept=False).fit(X, y).coef_, with exact zeros.

    Raises:
        ValueError: if lam < 0, or y's shape is not (N,).

    Hint: the threshold is lam times the step (lam / L), not lam.
    """
    raise NotImplementedError


def early_stopping(val_losses, patience: int, min_delta: float = 0.0):
    """When to stop training, given the validation loss of every epoch.

    Epochs are 0-based. Walk through the losses keeping the best loss so far
    (initially +inf). An epoch IMPROVES when its loss < best - min_delta
    (strictly: an equal loss is not an improvement; a NaN never is); then
    best becomes its loss. Training stops at the first epoch that is
    `patience` epochs after the last improving one:

        best_epoch = the last improving epoch before stopping
        stop_epoch = best_epoch + patience   if that epoch exists in val_losses
                   = None                    otherwise (training ran to the end)

    (If no epoch has improved yet, counting starts from epoch -1, and
    best_epoch is None.)

    Args:
        val_losses: sequence of floats (list or ndarray), one per epoch.
        patience: >= 1, epochs without improvement before stopping.
        min_delta: >= 0, how much lower a loss must be to count (0 is valid).

    Returns:
        (best_epoch, stop_epoch): Python ints (or None, as above).

    Raises:
        ValueError: if val_losses is empty, patience < 1 or min_delta < 0.
    """
    raise NotImplementedError


def ridge_closed_form(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Ridge regression in closed form (scikit-learn's Ridge(alpha=lam, fit_intercept=False)):

        w = argmin ||y - X w||^2 + lam ||w||^2 = (X^T X + lam I)^-1 X^T y

    No 1/N in this objective. For lam > 0 the matrix X^T X + lam I is
    positive definite, so the solution exists and is unique even when X is
    rank-deficient (duplicate or collinear columns, or D > N). For lam = 0
    return the minimum-norm least-squares solution (the limit lam -> 0+).

    Args:
        X: (N, D).
        y: (N,).
        lam: >= 0.

    Returns:
        (D,) float64 weights.

    Raises:
        ValueError: if lam < 0, or X and y have different numbers of rows.

    Hint: np.linalg.solve(X.T @ X + lam * np.eye(D), X.T @ y); for lam = 0,
    np.linalg.lstsq(X, y, rcond=None)[0].
    """
    raise NotImplementedError


def max_norm(W: np.ndarray, c: float) -> np.ndarray:
    """Max-norm constraint: project each unit's incoming weight vector onto ||w|| <= c.

    W has shape (D, M) (out = x @ W): column j holds the D incoming weights of
    unit j. Columns with L2 norm > c are rescaled to norm exactly c; the
    others are returned unchanged. (Srivastava et al. 2014 apply this after
    every update, with dropout. PyTorch's torch.renorm(W.T, 2, 0, c) does the
    same on its (M, D) layout, up to a 1e-7 in the denominator.)

    Args:
        W: (D, M) weights.
        c: > 0, the maximum norm.

    Returns:
        (D, M) float64, a new array (W is not modified).

    Raises:
        ValueError: if c <= 0.

    Hint: norms = np.linalg.norm(W, axis=0); an all-zero column must not
    give 0 / 0.
    """
    raise NotImplementedError


def mixup(x: np.ndarray, y: np.ndarray, alpha: float, rng: np.random.Generator):
    """Mixup (Zhang et al. 2018): mix the batch with a shuffled copy of itself.

        lam  ~ Beta(alpha, alpha)               one value for the batch
        perm = a random permutation of range(N)
        x_mix = lam * x + (1 - lam) * x[perm]
        y_mix = lam * y + (1 - lam) * y[perm]   (y one-hot or soft targets)

    Args:
        x: (N, ...) inputs.
        y: (N, C) one-hot or soft targets (or (N,) regression targets).
        alpha: > 0 (0.2 to 0.4 is typical for images; 1 gives lam ~ U(0, 1)).
        rng: the generator for lam and perm.

    Returns:
        (x_mix, y_mix, lam, perm): float64 arrays shaped like x and y, lam a
        Python float in [0, 1], perm an integer array of shape (N,).

    Raises:
        ValueError: if alpha <= 0 or x and y have different batch sizes.

    Hint: rng.beta(alpha, alpha) and rng.permutation(N).
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

Z = 5.0  # statistical tolerances are Z standard errors (false alarm ~6e-7)


def _assert_value_error(call, what):
    """call() must raise ValueError; the failure message names the call."""
    try:
        result = call()
    except ValueError:
        return
    pytest.fail(f"{what} returned {result!r} instead of raising ValueError", pytrace=False)


def _weights():
    """Three arrays of different shapes, with an exact zero in the first."""
    return [
        np.array([[1.0, -2.0], [3.0, 0.0]]),
        np.array([0.5, -0.5, 1.0]),
        np.array([[[2.0], [-1.5]]]),
    ]


def _check_grads(grads, weights, what):
    assert isinstance(grads, list), f"{what}: grads is {type(grads).__name__}, expected a list"
    assert len(grads) == len(weights), f"{what}: {len(grads)} grads for {len(weights)} weights"
    for i, (g, w) in enumerate(zip(grads, weights, strict=True)):
        assert isinstance(g, np.ndarray), f"{what}: grads[{i}] is {type(g).__name__}"
        assert g.shape == np.shape(w), f"{what}: grads[{i}] has shape {g.shape}, expected {w.shape}"
        assert g.dtype == np.float64, f"{what}: grads[{i}] has dtype {g.dtype}, expected float64"
        assert not np.shares_memory(g, w), (
            f"{what}: grads[{i}] shares memory with weights[{i}]: return a new array, "
            "or the next in-place update of the weights changes the gradient too"
        )


def _loop_sum(weights, term):
    return math.fsum(term(v) for w in weights for v in np.asarray(w, dtype=float).ravel().tolist())


# --- l2_penalty --------------------------------------------------------------


def test_l2_penalty_hand_computed(impl, assert_close, call_untouched):
    # Sum of squares: (1 + 4 + 9 + 0) + (0.25 + 0.25 + 1) + (4 + 2.25) = 21.75;
    # 0.5 * 0.1 * 21.75 = 1.0875.
    weights = _weights()
    loss, grads = call_untouched(impl.l2_penalty, weights, 0.1, what="l2_penalty(weights, 0.1)")
    assert isinstance(loss, float), f"l2_penalty returned loss of type {type(loss).__name__}"
    assert_close(loss, 1.0875, tol=1e-14, what="l2_penalty(3 arrays, lam=0.1) loss")
    _check_grads(grads, weights, "l2_penalty(3 arrays, lam=0.1)")
    for i, (g, w) in enumerate(zip(grads, weights, strict=True)):
        assert_close(g, 0.1 * w, tol=1e-14, what=f"l2_penalty grads[{i}] (expected lam * w)")


def test_l2_penalty_grads_match_numerical_gradient(impl, rng, num_grad, assert_close):
    weights = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    _, grads = impl.l2_penalty(weights, 0.7)
    for i in range(2):

        def f(v, i=i):
            ws = [v if k == i else w for k, w in enumerate(weights)]
            return 0.5 * 0.7 * _loop_sum(ws, lambda t: t * t)

        # h = 1e-4: a central difference is exact for a quadratic up to
        # rounding, eps * |f| / h ~ 1e-11 here (h = 1e-6 would leave 1e-9).
        expected = num_grad(f, weights[i], h=1e-4)
        assert_close(grads[i], expected, tol=1e-8, what=f"l2_penalty(., 0.7) grads[{i}]")


def test_l2_penalty_lam_0_gives_zero_loss_and_zero_grads(impl, assert_close):
    weights = _weights()
    loss, grads = impl.l2_penalty(weights, 0.0)
    assert_close(loss, 0.0, tol=0.0, what="l2_penalty(weights, lam=0) loss")
    _check_grads(grads, weights, "l2_penalty(weights, lam=0)")
    assert all(np.all(g == 0) for g in grads), "l2_penalty(lam=0): grads should be zeros"


def test_l2_penalty_lam_1_grads_are_copies(impl):
    # With lam = 1 the gradient equals w: it must still be a new array.
    weights = _weights()
    _, grads = impl.l2_penalty(weights, 1.0)
    _check_grads(grads, weights, "l2_penalty(weights, lam=1)")


def test_l2_penalty_empty_list_and_integer_weights(impl, assert_close):
    loss, grads = impl.l2_penalty([], 0.5)
    assert loss == 0.0, f"l2_penalty([], 0.5) loss = {loss}, expected 0.0"
    assert grads == [], f"l2_penalty([], 0.5) grads = {grads}, expected []"
    w = np.array([1, -2, 3])
    loss, grads = impl.l2_penalty([w], 0.5)
    assert_close(loss, 3.5, tol=1e-15, what="l2_penalty([int [1, -2, 3]], 0.5) loss")
    assert_close(grads[0], [0.5, -1.0, 1.5], tol=1e-15, what="l2_penalty(int) grads[0]")
    assert grads[0].dtype == np.float64, f"grads of integer weights: dtype {grads[0].dtype}"


def test_l2_penalty_rejects_negative_lam(impl):
    with pytest.raises(ValueError):
        impl.l2_penalty(_weights(), -0.1)


# --- l1_penalty --------------------------------------------------------------


def test_l1_penalty_hand_computed(impl, assert_close, call_untouched):
    # Sum of |w|: (1 + 2 + 3 + 0) + (0.5 + 0.5 + 1) + (2 + 1.5) = 11.5; 0.2 * 11.5 = 2.3.
    weights = _weights()
    loss, grads = call_untouched(impl.l1_penalty, weights, 0.2, what="l1_penalty(weights, 0.2)")
    assert isinstance(loss, float), f"l1_penalty returned loss of type {type(loss).__name__}"
    assert_close(loss, 2.3, tol=1e-14, what="l1_penalty(3 arrays, lam=0.2) loss")
    _check_grads(grads, weights, "l1_penalty(3 arrays, lam=0.2)")
    expected = [0.2 * np.sign(w) for w in weights]
    for i in range(3):
        assert_close(grads[i], expected[i], tol=1e-14, what=f"l1_penalty grads[{i}]")


def test_l1_penalty_subgradient_is_0_at_0(impl):
    _, grads = impl.l1_penalty([np.array([0.0, -0.0, 1e-300, -1e-300])], 0.5)
    assert np.array_equal(grads[0], [0.0, 0.0, 0.5, -0.5]), (
        f"l1_penalty([0, -0, 1e-300, -1e-300], 0.5) subgradient {grads[0]}, expected "
        "[0, 0, 0.5, -0.5]: lam * sign(w), 0 exactly at 0"
    )


def test_l1_penalty_grads_match_numerical_gradient_away_from_0(impl, rng, num_grad, assert_close):
    w = rng.standard_normal((4, 3))
    w = np.where(np.abs(w) < 0.1, 0.5, w)  # stay 0.1 away from the kink
    _, grads = impl.l1_penalty([w], 0.3)
    expected = num_grad(lambda v: 0.3 * _loop_sum([v], abs), w)
    assert_close(grads[0], expected, tol=1e-8, what="l1_penalty([w (4, 3)], 0.3) grads[0]")


def test_l1_penalty_rejects_negative_lam(impl):
    with pytest.raises(ValueError):
        impl.l1_penalty(_weights(), -1.0)


# --- elastic_net_penalty -----------------------------------------------------


def test_elastic_net_penalty_mixes_l1_and_l2(impl, assert_close, call_untouched):
    # lam 0.2, l1_ratio 0.3: 0.3 * 0.2 * 11.5 + 0.7 * 0.5 * 0.2 * 21.75 = 0.69 + 1.5225.
    weights = _weights()
    loss, grads = call_untouched(
        impl.elastic_net_penalty, weights, 0.2, 0.3, what="elastic_net_penalty(weights, 0.2, 0.3)"
    )
    assert_close(loss, 0.69 + 1.5225, tol=1e-14, what="elastic_net_penalty(., 0.2, 0.3) loss")
    _check_grads(grads, weights, "elastic_net_penalty(., 0.2, 0.3)")
    for i, w in enumerate(weights):
        expected = 0.2 * (0.3 * np.sign(w) + 0.7 * w)
        assert_close(grads[i], expected, tol=1e-14, what=f"elastic_net_penalty grads[{i}]")


@pytest.mark.parametrize(("l1_ratio", "expected"), [(1.0, 0.2 * 11.5), (0.0, 0.1 * 21.75)])
def test_elastic_net_penalty_endpoints_are_l1_and_l2(impl, assert_close, l1_ratio, expected):
    # l1_ratio = 0 is falsy but valid: pure L2.
    loss, _ = impl.elastic_net_penalty(_weights(), 0.2, l1_ratio)
    assert_close(loss, expected, tol=1e-14, what=f"elastic_net_penalty(., 0.2, {l1_ratio}) loss")


@pytest.mark.parametrize("l1_ratio", [-0.1, 1.5])
def test_elastic_net_penalty_rejects_l1_ratio_outside_0_1(impl, l1_ratio):
    with pytest.raises(ValueError):
        impl.elastic_net_penalty(_weights(), 0.1, l1_ratio)


def test_elastic_net_penalty_rejects_negative_lam(impl):
    _assert_value_error(
        lambda: impl.elastic_net_penalty(_weights(), -0.1, 0.5),
        "elastic_net_penalty(weights, lam=-0.1, l1_ratio=0.5)",
    )


# --- soft_threshold ----------------------------------------------------------


def test_soft_threshold_hand_values_including_the_boundary(impl, assert_close, call_untouched):
    # t = 1.5: 3 -> 1.5, -2 -> -0.5, 1.5 -> 0 (exactly at the threshold),
    # -1.5 -> 0, 0.2 -> 0, 0 -> 0, -7 -> -5.5.
    x = np.array([3.0, -2.0, 1.5, -1.5, 0.2, 0.0, -7.0])
    got = call_untouched(impl.soft_threshold, x, 1.5, what="soft_threshold(x, 1.5)")
    expected = [1.5, -0.5, 0.0, 0.0, 0.0, 0.0, -5.5]
    assert_close(got, expected, tol=0.0, what="soft_threshold([3, -2, 1.5, -1.5, 0.2, 0, -7], 1.5)")


def test_soft_threshold_is_the_prox_of_t_abs(impl, rng, assert_close):
    # argmin_z 0.5 (z - x)^2 + t |z| by brute force on a grid of step 1e-4.
    x = rng.uniform(-3, 3, size=9)
    t = 0.8
    grid = np.linspace(-4.0, 4.0, 80001)
    expected = [grid[np.argmin(0.5 * (grid - v) ** 2 + t * np.abs(grid))] for v in x]
    got = impl.soft_threshold(x, t)
    assert np.max(np.abs(got - expected)) <= 1e-4, (
        f"soft_threshold(x, 0.8) = {got}\n  brute-force argmin_z 0.5 (z - x)^2 + 0.8 |z|: "
        f"{np.round(expected, 4)} (grid step 1e-4)"
    )


def test_soft_threshold_t_0_is_the_identity(impl, assert_close):
    x = np.array([[-1.0, 0.0], [2.5, -1e-12]])
    assert_close(impl.soft_threshold(x, 0.0), x, tol=0.0, what="soft_threshold(x (2, 2), 0)")


def test_soft_threshold_rejects_negative_t(impl):
    with pytest.raises(ValueError):
        impl.soft_threshold(np.ones(3), -0.1)


# --- lasso_ista --------------------------------------------------------------


def _lasso_problem():
    """N = 60, D = 8; the true weights are sparse, the noise small."""
    rng = np.random.default_rng(42)
    X = rng.standard_normal((60, 8))
    w_true = np.array([3.0, -2.0, 0.0, 0.0, 1.5, 0.0, 0.0, 0.05])
    y = X @ w_true + 0.3 * rng.standard_normal(60)
    return X, y


def _assert_lasso_kkt(w, X, y, lam, what, tol=1e-9):
    """Optimality of the lasso: with c = X^T (y - X w) / N,
    c_j = lam sign(w_j) where w_j != 0, and |c_j| <= lam where w_j == 0."""
    N = X.shape[0]
    c = X.T @ (y - X @ w) / N
    active = w != 0
    err_active = np.max(np.abs(c[active] - lam * np.sign(w[active])), initial=0.0)
    err_zero = np.max(np.abs(c[~active]) - lam, initial=-np.inf)
    assert err_active <= tol, (
        f"{what}: not optimal: where w != 0, X^T (y - Xw) / N should equal lam sign(w); "
        f"max deviation {err_active:.2e} > {tol:.0e}\n  w = {w}\n  c = {c}"
    )
    assert err_zero <= tol, (
        f"{what}: not optimal: where w == 0, |X^T (y - Xw) / N| should be <= lam = {lam}; "
        f"exceeds by {err_zero:.2e}\n  w = {w}\n  c = {c}"
    )


def _loop_lasso_cd(X, y, lam, sweeps=3000):
    """Cyclic coordinate descent (scikit-learn's algorithm), written out."""
    N, D = X.shape
    w = [0.0] * D
    cols = [X[:, j].tolist() for j in range(D)]
    r = list(y.tolist())  # residual y - X w
    for _ in range(sweeps):
        for j in range(D):
            col = cols[j]
            norm2 = math.fsum(v * v for v in col) / N
            rho = math.fsum(a * b for a, b in zip(col, r, strict=True)) / N + norm2 * w[j]
            new = math.copysign(max(abs(rho) - lam, 0.0), rho) / norm2
            if new != w[j]:
                delta = new - w[j]
                r = [ri - delta * a for ri, a in zip(r, col, strict=True)]
                w[j] = new
    return np.array(w)


def test_lasso_ista_satisfies_the_optimality_conditions(impl, call_untouched):
    X, y = _lasso_problem()
    w = call_untouched(impl.lasso_ista, X, y, 0.1, 500, what="lasso_ista(X, y, 0.1, 500)")
    assert w.shape == (8,), f"lasso_ista(X (60, 8), ...) returned shape {w.shape}, expected (8,)"
    _assert_lasso_kkt(w, X, y, 0.1, "lasso_ista(X (60, 8), y, lam=0.1, 500 steps)")


def test_lasso_ista_matches_coordinate_descent(impl, assert_close):
    # The same minimiser by a different algorithm (what sklearn's Lasso runs).
    X, y = _lasso_problem()
    got = impl.lasso_ista(X, y, 0.1, 500)
    expected = _loop_lasso_cd(X, y, 0.1, sweeps=200)
    assert_close(got, expected, tol=1e-9, what="lasso_ista(X, y, 0.1, 500) vs coordinate descent")


def test_lasso_ista_returns_exact_zeros(impl):
    # At lam = 0.1 the KKT conditions hold with w_2 = w_3 = w_5 = w_6 = 0 (and
    # the tiny true weight 0.05 of feature 7 is zeroed too): the prox step
    # sets them to exactly 0.0, not 1e-17. A subgradient method would not.
    X, y = _lasso_problem()
    w = impl.lasso_ista(X, y, 0.1, 500)
    zeros = np.flatnonzero(w == 0.0).tolist()
    assert zeros == [2, 3, 5, 6, 7], f"lasso_ista: exact zeros at {zeros}, expected [2, 3, 5, 6, 7]"


def test_lasso_ista_first_steps_use_step_1_over_L(impl, assert_close):
    # From w0 = 0: w1 = S_{lam/L}(X^T y / (N L)), with L = sigma_max(X)^2 / N;
    # w2 by the same formula from w1. Pins the start, the step and the
    # threshold lam / L.
    X, y = _lasso_problem()
    N = X.shape[0]
    L = np.linalg.svd(X, compute_uv=False)[0] ** 2 / N
    lam = 0.1

    def step(w):
        z = w - X.T @ (X @ w - y) / N / L
        return np.sign(z) * np.maximum(np.abs(z) - lam / L, 0.0)

    w1 = step(np.zeros(8))
    assert_close(impl.lasso_ista(X, y, lam, 1), w1, tol=1e-12, what="lasso_ista(X, y, 0.1, 1)")
    assert_close(impl.lasso_ista(X, y, lam, 2), step(w1), tol=1e-12, what="lasso_ista(..., 2)")
    zero = impl.lasso_ista(X, y, lam, 0)
    assert_close(zero, np.zeros(8), tol=0.0, what="lasso_ista(X, y, 0.1, n_steps=0)")


def test_lasso_ista_large_lam_gives_all_zeros(impl):
    # w = 0 is optimal iff |X^T y / N| <= lam for every feature: lam_max.
    X, y = _lasso_problem()
    lam_max = float(np.max(np.abs(X.T @ y)) / 60)
    w = impl.lasso_ista(X, y, lam_max * 1.0001, 50)
    assert np.all(w == 0.0), f"lasso_ista with lam >= lam_max = {lam_max:.4f} returned {w}"


def test_lasso_ista_lam_0_is_least_squares(impl, assert_close):
    X, y = _lasso_problem()
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    got = impl.lasso_ista(X, y, 0.0, 500)
    assert_close(got, expected, tol=1e-9, what="lasso_ista(X, y, lam=0, 500) vs least squares")


def test_lasso_ista_all_zero_x_returns_zeros(impl, call_quietly, assert_close):
    # X = 0: L = 0, and 1 / L would be inf (nan after 0 * inf). The docstring
    # pins the answer: zeros, with no warning.
    what = "lasso_ista(zeros (5, 3), ones (5,), 0.1, 10)"
    w = call_quietly(impl.lasso_ista, np.zeros((5, 3)), np.ones(5), 0.1, 10, what=what)
    assert_close(w, np.zeros(3), tol=0.0, what=what)


def test_lasso_ista_rejects_a_column_y(impl):
    # y of shape (N, 1) broadcasts X w - y to (N, N): silent garbage.
    X, y = _lasso_problem()
    _assert_value_error(
        lambda: impl.lasso_ista(X, y[:, None], 0.1, 5), "lasso_ista(X (60, 8), y (60, 1), 0.1, 5)"
    )


def test_lasso_ista_rejects_negative_lam(impl):
    X, y = _lasso_problem()
    _assert_value_error(lambda: impl.lasso_ista(X, y, -0.1, 5), "lasso_ista(X, y, lam=-0.1, 5)")


# --- ridge_closed_form -------------------------------------------------------


def _ridge_by_augmented_lstsq(X, y, lam):
    """min ||y - Xw||^2 + lam ||w||^2 = least squares on [X; sqrt(lam) I] w ~ [y; 0]."""
    D = X.shape[1]
    A = np.vstack([X, math.sqrt(lam) * np.eye(D)])
    b = np.concatenate([y, np.zeros(D)])
    return np.linalg.lstsq(A, b, rcond=None)[0]


def test_ridge_closed_form_matches_augmented_least_squares(impl, rng, assert_close, call_untouched):
    X = rng.standard_normal((30, 5))
    y = rng.standard_normal(30)
    got = call_untouched(impl.ridge_closed_form, X, y, 2.5, what="ridge_closed_form(X, y, 2.5)")
    expected = _ridge_by_augmented_lstsq(X, y, 2.5)
    assert_close(got, expected, tol=1e-10, what="ridge_closed_form(X (30, 5), y, 2.5)")


def test_ridge_closed_form_satisfies_the_normal_equations(impl, rng):
    # Gradient of ||y - Xw||^2 + lam ||w||^2 is 2 (X^T (Xw - y) + lam w) = 0.
    X = rng.standard_normal((12, 4))
    y = rng.standard_normal(12)
    w = impl.ridge_closed_form(X, y, 0.7)
    g = X.T @ (X @ w - y) + 0.7 * w
    assert np.max(np.abs(g)) <= 1e-10, (
        f"ridge_closed_form(X, y, 0.7): X^T (Xw - y) + lam w = {g}, expected 0 "
        "(no 1/N and no 1/2 in scikit-learn's Ridge objective)"
    )


def test_ridge_closed_form_rank_deficient_x(impl, rng, assert_close):
    # Column 2 duplicates column 0: X^T X is singular, X^T X + lam I is not.
    # By symmetry the two copies share the weight equally.
    X = rng.standard_normal((10, 3))
    X[:, 2] = X[:, 0]
    y = rng.standard_normal(10)
    got = impl.ridge_closed_form(X, y, 0.5)
    assert_close(got, _ridge_by_augmented_lstsq(X, y, 0.5), tol=1e-10, what="ridge (rank 2 X)")
    assert_close(got[0], got[2], tol=1e-10, what="ridge weights of two identical columns")


def test_ridge_closed_form_more_features_than_samples(impl, rng, assert_close):
    X = rng.standard_normal((4, 9))
    y = rng.standard_normal(4)
    got = impl.ridge_closed_form(X, y, 0.3)
    assert_close(got, _ridge_by_augmented_lstsq(X, y, 0.3), tol=1e-10, what="ridge (X (4, 9))")


def test_ridge_closed_form_lam_0_is_minimum_norm_least_squares(impl, assert_close):
    # X = [a, a] and y = 3 a: every w with w0 + w1 = 3 fits exactly; the
    # minimum-norm one is [1.5, 1.5] (the limit of ridge as lam -> 0).
    a = np.array([1.0, 2.0, -1.0])
    X = np.stack([a, a], axis=1)
    got = impl.ridge_closed_form(X, 3.0 * a, 0.0)
    assert_close(got, [1.5, 1.5], tol=1e-12, what="ridge_closed_form([a, a], 3a, lam=0)")


def test_ridge_closed_form_shrinks_as_lam_grows(impl, rng):
    X = rng.standard_normal((20, 4))
    y = rng.standard_normal(20)
    norms = [np.linalg.norm(impl.ridge_closed_form(X, y, lam)) for lam in (0.0, 1.0, 10.0, 100.0)]
    assert all(norms[k] > norms[k + 1] for k in range(3)), (
        f"||w|| for lam = 0, 1, 10, 100: {np.round(norms, 4)}, expected strictly decreasing"
    )


def test_ridge_closed_form_rejects_negative_lam(impl):
    with pytest.raises(ValueError):
        impl.ridge_closed_form(np.eye(3), np.ones(3), -1.0)


# --- dropout_forward ---------------------------------------------------------


def test_dropout_forward_entries_are_zero_or_scaled(impl, rng, assert_close, call_untouched):
    x = rng.uniform(0.5, 2.0, size=(40, 30)) * rng.choice([-1.0, 1.0], size=(40, 30))
    out, _ = call_untouched(
        impl.dropout_forward, x, 0.3, True, rng, what="dropout_forward(x, 0.3, True, rng)"
    )
    assert out.shape == x.shape, f"dropout_forward: out shape {out.shape}, expected {x.shape}"
    kept = out != 0
    assert_close(
        out[kept], x[kept] / 0.7, tol=1e-15, what="dropout_forward(x, 0.3, True): kept entries"
    )


def test_dropout_forward_drops_a_fraction_p(impl, rng):
    # n = 60000 Bernoulli(p) draws: the dropped fraction has standard error
    # sqrt(p (1 - p) / n) = 0.0019 for p = 0.3. Keeping with probability p
    # instead of 1 - p gives 0.7.
    out, _ = impl.dropout_forward(np.ones((300, 200)), 0.3, True, rng)
    frac = float(np.mean(out == 0))
    tol = Z * math.sqrt(0.3 * 0.7 / out.size)
    assert abs(frac - 0.3) <= tol, (
        f"dropout_forward(ones (300, 200), p=0.3): dropped fraction {frac:.4f}, "
        f"expected 0.3 +- {tol:.4f}"
    )


def test_dropout_forward_preserves_the_expectation(impl, rng):
    # E[out_i] = x_i. The mean of (out - x) over n entries has standard error
    # sqrt(sum x_i^2 * p / (1 - p)) / n. Without the 1 / (1 - p) the mean of
    # out is 0.5 x (for p = 0.5): far outside.
    x = rng.uniform(1.0, 3.0, size=(250, 200))
    p = 0.5
    out, _ = impl.dropout_forward(x, p, True, rng)
    diff = float(np.mean(out - x))
    tol = Z * math.sqrt(np.sum(x**2) * p / (1 - p)) / x.size
    assert abs(diff) <= tol, (
        f"dropout_forward(x, p=0.5, True): mean(out - x) = {diff:.4f}, expected 0 +- {tol:.4f}; "
        f"mean(out) / mean(x) = {out.mean() / x.mean():.3f} (inverted dropout keeps it 1)"
    )


def test_dropout_forward_p_0_is_the_identity(impl, rng, assert_close):
    x = rng.standard_normal((5, 4))
    out, cache = impl.dropout_forward(x, 0.0, True, rng)
    assert_close(out, x, tol=0.0, what="dropout_forward(x, p=0, train=True)")
    dout = rng.standard_normal((5, 4))
    assert_close(impl.dropout_backward(dout, cache), dout, tol=0.0, what="dropout_backward(p=0)")


def test_dropout_forward_p_1_returns_zeros(impl, rng, call_quietly):
    # PyTorch: F.dropout(x, p=1.0) is all zeros, and so is its gradient.
    x = rng.standard_normal((4, 6))
    what = "dropout_forward(x, p=1, train=True)"
    out, cache = call_quietly(impl.dropout_forward, x, 1.0, True, rng, what=what)
    assert np.all(out == 0), f"{what} returned {out}, expected zeros"
    dx = call_quietly(impl.dropout_backward, np.ones((4, 6)), cache, what="dropout_backward(p=1)")
    assert np.all(dx == 0), f"dropout_backward after p=1 returned {dx}, expected zeros"


def test_dropout_forward_eval_is_the_identity(impl, rng, assert_close):
    x = rng.standard_normal((3, 5))
    out, cache = impl.dropout_forward(x, 0.5, False, rng)
    assert_close(out, x, tol=0.0, what="dropout_forward(x, p=0.5, train=False)")
    dout = rng.standard_normal((3, 5))
    assert_close(
        impl.dropout_backward(dout, cache), dout, tol=0.0, what="dropout_backward(eval cache)"
    )


def test_dropout_forward_mask_comes_from_the_rng(impl):
    x = np.ones((20, 10))
    a, _ = impl.dropout_forward(x, 0.5, True, np.random.default_rng(1))
    b, _ = impl.dropout_forward(x, 0.5, True, np.random.default_rng(1))
    c, _ = impl.dropout_forward(x, 0.5, True, np.random.default_rng(2))
    assert np.array_equal(a, b), "dropout_forward: the same seed gave different masks"
    assert not np.array_equal(a, c), "dropout_forward: seeds 1 and 2 gave the same mask"
    rng = np.random.default_rng(3)
    d, _ = impl.dropout_forward(x, 0.5, True, rng)
    e, _ = impl.dropout_forward(x, 0.5, True, rng)
    assert not np.array_equal(d, e), "dropout_forward: two successive calls drew the same mask"


def test_dropout_forward_masks_each_entry_independently(impl, rng):
    # One mask per ENTRY: a mask drawn per feature (shape (D,)) and broadcast
    # over the batch would drop the same units for every example.
    out, _ = impl.dropout_forward(np.ones((50, 40)), 0.5, True, rng)
    same_as_row0 = sum(np.array_equal(out[i] == 0, out[0] == 0) for i in range(1, 50))
    assert same_as_row0 == 0, f"dropout_forward: {same_as_row0} of 49 rows share row 0's mask"


def test_dropout_forward_keeps_the_batch_axis_for_one_example(impl, rng):
    out, _ = impl.dropout_forward(np.ones((1, 7)), 0.2, True, rng)
    assert out.shape == (1, 7), f"dropout_forward(x (1, 7)) returned shape {out.shape}"


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_forward_rejects_p_outside_0_1(impl, rng, p):
    with pytest.raises(ValueError):
        impl.dropout_forward(np.ones((2, 2)), p, True, rng)


# --- dropout_backward --------------------------------------------------------


def test_dropout_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, call_untouched):
    # The mask depends only on the rng and the shape: a fresh generator with
    # the same seed reproduces it for every perturbed x.
    x = rng.standard_normal((6, 5))
    dout = rng.standard_normal((6, 5))

    def f(v):
        return impl.dropout_forward(v, 0.4, True, np.random.default_rng(17))[0]

    _, cache = impl.dropout_forward(x, 0.4, True, np.random.default_rng(17))
    dx = call_untouched(impl.dropout_backward, dout, cache, what="dropout_backward(dout, cache)")
    expected = num_vjp(f, x, dout)
    assert_close(dx, expected, tol=1e-8, what="dropout_backward (6, 5), p=0.4, random dout")


def test_dropout_backward_reuses_the_forward_mask(impl, rng, assert_close):
    # out = x * m / (1 - p), so dx must be dout * out / x: the same entries
    # zeroed, the same scale. A second mask draw would zero different entries.
    x = rng.uniform(0.5, 1.5, size=(30, 20))
    out, cache = impl.dropout_forward(x, 0.5, True, rng)
    dout = rng.standard_normal((30, 20))
    dx = impl.dropout_backward(dout, cache)
    assert_close(dx, dout * out / x, tol=1e-14, what="dropout_backward: dout * mask / (1 - p)")


@pytest.mark.parametrize("train", [True, False])
def test_dropout_backward_returns_a_new_array(impl, rng, train):
    # The docstring promises a new array: in eval mode "dx = dout" must not
    # hand back the caller's dout itself.
    x = rng.standard_normal((4, 3))
    _, cache = impl.dropout_forward(x, 0.5, train, rng)
    dout = rng.standard_normal((4, 3))
    dx = impl.dropout_backward(dout, cache)
    assert not np.shares_memory(dx, dout), (
        f"dropout_backward(dout, cache from train={train}) returned an array sharing memory "
        "with dout: return a copy"
    )


# --- early_stopping ----------------------------------------------------------


@pytest.mark.parametrize(
    ("losses", "patience", "min_delta", "expected"),
    [
        # improves at 0, 1, 2; epochs 3, 4, 5 do not: stop at 2 + 3 = 5.
        ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9], 3, 0.0, (2, 5)),
        # equal losses are not improvements.
        ([1.0, 0.5, 0.5, 0.5], 2, 0.0, (1, 3)),
        # min_delta 0.1: 0.95 is not below 1.0 - 0.1, 0.89 is; then 0.85 and
        # 0.84 are not below 0.79. Without min_delta: (4, None).
        ([1.0, 0.95, 0.89, 0.85, 0.84], 2, 0.1, (2, 4)),
        # min_delta is absolute, not relative: with best 2.0, 1.85 < 2.0 - 0.1
        # improves (relative: 1.85 < 2.0 * 0.9 = 1.8 would not).
        ([2.0, 1.95, 1.85, 1.89, 1.88], 2, 0.1, (2, 4)),
        # no stop, and the best epoch is the last IMPROVING one: 0.95 is the
        # lowest loss but not an improvement by min_delta.
        ([1.0, 0.95, 0.97], 5, 0.1, (0, None)),
        # still improving at the end: ran to completion.
        ([1.0, 0.9, 0.8], 2, 0.0, (2, None)),
        # best + patience is exactly the last epoch: it exists, so stop there.
        ([1.0, 0.9, 0.95, 0.96], 2, 0.0, (1, 3)),
        # one epoch short of best + patience: no stop.
        ([1.0, 0.9, 0.95], 2, 0.0, (1, None)),
        # a better loss AFTER the stop epoch is never seen.
        ([1.0, 0.9, 0.95, 0.96, 0.1], 2, 0.0, (1, 3)),
        # patience 1 stops at the first non-improving epoch.
        ([3.0, 2.0, 2.5, 1.0], 1, 0.0, (1, 2)),
        # a NaN never improves.
        ([1.0, float("nan"), 0.9, float("nan"), float("nan")], 2, 0.0, (2, 4)),
    ],
)
def test_early_stopping_pinned_semantics(impl, losses, patience, min_delta, expected):
    got = impl.early_stopping(losses, patience, min_delta)
    assert tuple(got) == expected, (
        f"early_stopping({losses}, patience={patience}, min_delta={min_delta}) returned {got}, "
        f"expected (best_epoch, stop_epoch) = {expected}"
    )


def test_early_stopping_accepts_an_array_and_returns_ints(impl, call_untouched):
    losses = np.array([0.9, 0.7, 0.8, 0.85])
    got = call_untouched(impl.early_stopping, losses, 2, what="early_stopping(array, 2)")
    assert tuple(got) == (1, 3), f"early_stopping(array [0.9, 0.7, 0.8, 0.85], 2) returned {got}"
    assert all(type(v) is int for v in got), f"early_stopping should return Python ints: {got!r}"


def test_early_stopping_counts_from_before_the_first_epoch_if_nothing_improves(impl):
    got = impl.early_stopping([float("nan"), float("nan"), 1.0], 2)
    assert tuple(got) == (None, 1), f"early_stopping([nan, nan, 1.0], 2) returned {got}"


@pytest.mark.parametrize(
    ("losses", "patience", "min_delta"), [([], 2, 0.0), ([1.0], 0, 0.0), ([1.0], 2, -0.1)]
)
def test_early_stopping_rejects_invalid_arguments(impl, losses, patience, min_delta):
    with pytest.raises(ValueError):
        impl.early_stopping(losses, patience, min_delta)


# --- max_norm ----------------------------------------------------------------


def test_max_norm_rescales_only_columns_above_c(impl, assert_close, call_untouched):
    # Columns (incoming weights of 3 units): norms 5, 1, 0. With c = 2 the
    # first becomes [1.2, 1.6] (norm 2), the others are unchanged. Per-row
    # norms (the PyTorch-layout mistake) would be sqrt(10) and 4.
    W = np.array([[3.0, 0.6, 0.0], [4.0, 0.8, 0.0]])
    got = call_untouched(impl.max_norm, W, 2.0, what="max_norm(W (2, 3), 2.0)")
    expected = [[1.2, 0.6, 0.0], [1.6, 0.8, 0.0]]
    assert_close(got, expected, tol=1e-15, what="max_norm([[3, 0.6, 0], [4, 0.8, 0]], c=2)")


def test_max_norm_columns_end_at_most_c(impl, rng):
    W = 3.0 * rng.standard_normal((6, 9))
    got = impl.max_norm(W, 1.5)
    norms = np.linalg.norm(got, axis=0)
    assert np.all(norms <= 1.5 * (1 + 1e-12)), f"max_norm(W (6, 9), 1.5): column norms {norms}"
    inside = np.linalg.norm(W, axis=0) <= 1.5
    assert np.array_equal(got[:, inside], W[:, inside]), "max_norm changed columns within the ball"


def test_max_norm_rejects_nonpositive_c(impl):
    with pytest.raises(ValueError):
        impl.max_norm(np.ones((2, 2)), 0.0)


# --- mixup -------------------------------------------------------------------


def test_mixup_mixes_inputs_and_targets_with_the_same_lam_and_perm(
    impl, rng, assert_close, call_untouched
):
    x = rng.standard_normal((8, 3, 2))
    y = np.eye(4)[rng.integers(0, 4, size=8)]
    x_mix, y_mix, lam, perm = call_untouched(
        impl.mixup, x, y, 0.4, rng, what="mixup(x (8, 3, 2), y (8, 4), 0.4, rng)"
    )
    assert isinstance(lam, float), f"mixup returned lam of type {type(lam).__name__}"
    assert 0.0 <= lam <= 1.0, f"mixup returned lam = {lam}, outside [0, 1]"
    assert sorted(np.asarray(perm).tolist()) == list(range(8)), f"perm {perm} is no permutation"
    assert_close(x_mix, lam * x + (1 - lam) * x[perm], tol=1e-14, what="mixup x_mix")
    assert_close(y_mix, lam * y + (1 - lam) * y[perm], tol=1e-14, what="mixup y_mix")
    assert_close(y_mix.sum(axis=1), np.ones(8), tol=1e-14, what="mixup: rows of y_mix sum to")


def test_mixup_lam_follows_beta_alpha_alpha(impl):
    # Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)): 0.1786 for
    # a = 0.2, 1/12 for a = 1. For a variable in [0, 1] the sample variance
    # has standard error at most sqrt(var / n).
    rng = np.random.default_rng(6)
    x, y = np.zeros((4, 2)), np.zeros((4, 2))
    for alpha in (0.2, 1.0):
        lams = np.array([impl.mixup(x, y, alpha, rng)[2] for _ in range(2000)])
        var = 1.0 / (4.0 * (2.0 * alpha + 1.0))
        tol_mean = Z * math.sqrt(var / 2000)
        assert abs(lams.mean() - 0.5) <= tol_mean, (
            f"mixup(alpha={alpha}): mean lam {lams.mean():.3f}, expected 0.5 +- {tol_mean:.3f}"
        )
        assert abs(lams.var() - var) <= Z * math.sqrt(var / 2000), (
            f"mixup(alpha={alpha}): var of lam {lams.var():.4f}, expected {var:.4f} "
            f"(Beta({alpha}, {alpha}))"
        )


def test_mixup_perm_is_a_uniform_random_permutation(impl):
    # N = 3 has 6 permutations; over 600 calls each should appear 100 times,
    # standard error sqrt(600 (1/6)(5/6)) = 9.1. A fixed perm (the identity,
    # which makes mixup a no-op, or the reversed batch) puts all 600 on one.
    rng = np.random.default_rng(12)
    x, y = np.zeros((3, 2)), np.zeros((3, 2))
    counts: dict[tuple, int] = {}
    for _ in range(600):
        perm = tuple(int(v) for v in impl.mixup(x, y, 0.4, rng)[3])
        counts[perm] = counts.get(perm, 0) + 1
    tol = Z * math.sqrt(600 * (1 / 6) * (5 / 6))
    all_perms = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
    bad = {k: counts.get(k, 0) for k in all_perms if abs(counts.get(k, 0) - 100) > tol}
    assert not bad, (
        f"mixup(x (3, 2), ..., rng) over 600 calls: perm counts {counts}, expected each of "
        f"the 6 permutations 100 +- {tol:.0f} times (perm = rng.permutation(N))"
    )


def test_mixup_is_deterministic_given_rng(impl):
    x = np.arange(12.0).reshape(6, 2)
    y = np.eye(6)
    a = impl.mixup(x, y, 0.3, np.random.default_rng(0))
    b = impl.mixup(x, y, 0.3, np.random.default_rng(0))
    c = impl.mixup(x, y, 0.3, np.random.default_rng(1))
    assert np.array_equal(a[0], b[0]), "mixup: the same seed gave different results"
    assert not np.array_equal(a[0], c[0]), "mixup: seeds 0 and 1 gave the same mix"


def test_mixup_rejects_nonpositive_alpha(impl, rng):
    with pytest.raises(ValueError):
        impl.mixup(np.zeros((2, 2)), np.zeros((2, 2)), 0.0, rng)


def test_mixup_rejects_different_batch_sizes(impl, rng):
    _assert_value_error(
        lambda: impl.mixup(np.zeros((4, 2)), np.zeros((3, 2)), 0.4, rng),
        "mixup(x (4, 2), y (3, 2), 0.4, rng)",
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
