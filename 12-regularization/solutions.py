"""Topic 12: regularization, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def _check_lam(lam: float, name: str) -> None:
    if lam < 0:
        raise ValueError(f"{name}: lam must be >= 0, got {lam}")


def l2_penalty(weights, lam: float):
    """0.5 * lam * sum of squares over a list of arrays, and the gradients lam * w."""
    _check_lam(lam, "l2_penalty")
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    # math.fsum over per-array sums: one float, independent of the shapes.
    loss = 0.5 * lam * math.fsum(float(np.sum(w * w)) for w in arrays)
    # lam * w builds a NEW array; `w *= lam` would change the caller's weights
    # (and return them, aliased, as the "gradient").
    grads = [lam * w for w in arrays]
    return float(loss), grads


def l1_penalty(weights, lam: float):
    """lam * sum of |w| over a list of arrays, and the subgradients lam * sign(w) (0 at 0)."""
    _check_lam(lam, "l1_penalty")
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    loss = lam * math.fsum(float(np.sum(np.abs(w))) for w in arrays)
    # np.sign(0) = 0: the subgradient in [-lam, lam] that PyTorch's autograd
    # of abs() also returns at 0. Any value in that interval is a valid
    # subgradient; 0 is the one that leaves a zero weight alone.
    subgrads = [lam * np.sign(w) for w in arrays]
    return float(loss), subgrads


def elastic_net_penalty(weights, lam: float, l1_ratio: float):
    """l1_ratio * L1 + (1 - l1_ratio) * L2, with L1 and L2 as above (scikit-learn's penalty)."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"elastic_net_penalty: l1_ratio must be in [0, 1], got {l1_ratio}")
    l1_loss, l1_grads = l1_penalty(weights, lam)
    l2_loss, l2_grads = l2_penalty(weights, lam)
    loss = l1_ratio * l1_loss + (1.0 - l1_ratio) * l2_loss
    grads = [
        l1_ratio * g1 + (1.0 - l1_ratio) * g2 for g1, g2 in zip(l1_grads, l2_grads, strict=True)
    ]
    return float(loss), grads


def dropout_forward(x: np.ndarray, p: float, train: bool, rng: np.random.Generator):
    """Inverted dropout: zero each entry with probability p, scale survivors by 1 / (1 - p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = np.asarray(x, dtype=np.float64)
    if not train:
        # Evaluation: the identity, nothing drawn. Inverted dropout already
        # scaled the training outputs, so no rescaling is needed here.
        return x.copy(), (False, None)
    # keep with probability 1 - p: rng.random is uniform on [0, 1), so
    # P(u >= p) = 1 - p; p = 0 keeps everything, p = 1 nothing.
    keep = rng.random(x.shape) >= p
    # p = 1 drops everything; 1 / (1 - p) would divide by zero, and the
    # output is zero whatever the scale (PyTorch returns zeros too).
    scale = 1.0 / (1.0 - p) if p < 1.0 else 0.0
    # The mask with the scale folded in: the backward pass multiplies by the
    # SAME array (drawing a new mask there is the classic bug).
    mask = keep * scale
    return x * mask, (True, mask)


def dropout_backward(dout: np.ndarray, cache) -> np.ndarray:
    """dx = dout * mask / (1 - p) with the forward pass's mask; dout at eval."""
    train, mask = cache
    dout = np.asarray(dout, dtype=np.float64)
    if not train:
        return dout.copy()
    # out = x * mask is linear in x with a diagonal Jacobian diag(mask).
    return dout * mask


def soft_threshold(x, t: float) -> np.ndarray:
    """The proximal operator of t * |.|: sign(x) * max(|x| - t, 0), element-wise."""
    if t < 0:
        raise ValueError(f"soft_threshold: t must be >= 0, got {t}")
    x = np.asarray(x, dtype=np.float64)
    # |x| <= t maps to exactly 0 (that is where the lasso's zeros come from);
    # otherwise x moves t towards 0. Common mistakes: x - t * sign(x) without
    # the max (crosses zero), keeping x unchanged above t (hard thresholding),
    # handling only the positive side.
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def lasso_ista(X: np.ndarray, y: np.ndarray, lam: float, n_steps: int) -> np.ndarray:
    """ISTA for (1 / (2N)) ||y - X w||^2 + lam ||w||_1 from w = 0 with step 1 / L."""
    _check_lam(lam, "lasso_ista")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    N, D = X.shape
    if y.shape != (N,):
        raise ValueError(f"lasso_ista: X {X.shape} needs y of shape ({N},), got {y.shape}")
    w = np.zeros(D)
    # The smooth part f(w) = ||y - Xw||^2 / (2N) has Hessian X^T X / N, so its
    # gradient is Lipschitz with L = lambda_max(X^T X) / N = sigma_max(X)^2 / N.
    # Step 1 / L guarantees descent (and O(1/t) convergence). Forgetting the
    # 1 / N makes the step N times too small: correct fixed point, reached
    # N times more slowly.
    L = np.linalg.norm(X, 2) ** 2 / N
    if L == 0.0:
        return w  # X = 0: the objective does not depend on w; w = 0 is optimal
    for _ in range(n_steps):
        grad = X.T @ (X @ w - y) / N  # (D,): gradient of the smooth part
        # Gradient step on f, then the prox of (lam / L) |.|: the threshold
        # is lam times the STEP, not lam itself.
        w = soft_threshold(w - grad / L, lam / L)
    return w


def early_stopping(val_losses, patience: int, min_delta: float = 0.0):
    """(best_epoch, stop_epoch): stop `patience` epochs after the last improvement, or None."""
    if patience < 1:
        raise ValueError(f"early_stopping: patience must be >= 1, got {patience}")
    if min_delta < 0:
        raise ValueError(f"early_stopping: min_delta must be >= 0, got {min_delta}")
    losses = [float(v) for v in np.asarray(val_losses, dtype=np.float64).ravel()]
    if not losses:
        raise ValueError("early_stopping: val_losses is empty")
    best, best_epoch, waited = math.inf, None, 0
    for epoch, loss in enumerate(losses):
        # Strictly below best - min_delta: a tie is not an improvement, and
        # a NaN never is (every comparison with NaN is False).
        if loss < best - min_delta:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                # epoch == best_epoch + patience (with best_epoch = -1 if
                # nothing has improved yet).
                return best_epoch, epoch
    return best_epoch, None


def ridge_closed_form(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin ||y - X w||^2 + lam ||w||^2 = (X^T X + lam I)^-1 X^T y (scikit-learn's Ridge)."""
    _check_lam(lam, "ridge_closed_form")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
        raise ValueError(f"ridge_closed_form: X {X.shape} and y {y.shape} do not match")
    if lam == 0.0:
        # The limit lam -> 0+ of ridge is the MINIMUM-NORM least-squares
        # solution, which lstsq (SVD) returns even when X^T X is singular.
        return np.linalg.lstsq(X, y, rcond=None)[0]
    D = X.shape[1]
    # X^T X is positive semi-definite; adding lam I > 0 makes it positive
    # definite, so the system is always solvable, rank-deficient X included.
    # solve, not inv: cheaper and more accurate. No 1 / N here: scikit-learn's
    # Ridge objective is the plain sum of squares (its Lasso has 1 / (2N)).
    return np.linalg.solve(X.T @ X + lam * np.eye(D), X.T @ y)


def max_norm(W: np.ndarray, c: float) -> np.ndarray:
    """Rescale each column of W (a unit's incoming weights) to L2 norm at most c."""
    if c <= 0:
        raise ValueError(f"max_norm: c must be > 0, got {c}")
    W = np.asarray(W, dtype=np.float64)
    # W is (D, M): column j holds the D incoming weights of output unit j, so
    # the norms run over axis 0. (PyTorch's weight is (M, D): rows there.)
    norms = np.linalg.norm(W, axis=0)
    # Project onto the ball: scale only the columns outside it. np.divide
    # with `where` avoids 0 / 0 for an all-zero column (which stays zero).
    scale = np.ones_like(norms)
    np.divide(c, norms, out=scale, where=norms > c)
    return W * scale


def mixup(x: np.ndarray, y: np.ndarray, alpha: float, rng: np.random.Generator):
    """Convex combinations of the batch with a shuffled copy of itself (Zhang et al. 2018)."""
    if alpha <= 0:
        raise ValueError(f"mixup: alpha must be > 0, got {alpha}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"mixup: x {x.shape} and y {y.shape} have different batch sizes")
    lam = float(rng.beta(alpha, alpha))  # one lambda for the whole batch
    perm = rng.permutation(x.shape[0])
    # The SAME lam and the SAME permutation for inputs and targets: mixing
    # images of a cat and a dog 70/30 must give the label 0.7 cat, 0.3 dog.
    x_mix = lam * x + (1.0 - lam) * x[perm]
    y_mix = lam * y + (1.0 - lam) * y[perm]
    return x_mix, y_mix, lam, perm


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
