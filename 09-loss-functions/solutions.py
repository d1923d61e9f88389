"""Topic 09: loss functions, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Every loss is a mean (PyTorch's reduction="mean"), so every gradient carries
the matching 1/n. Nothing here overflows or warns for inputs of magnitude 1000.
"""

from __future__ import annotations

import numpy as np


def _same_shape(name: str, a: np.ndarray, b: np.ndarray, a_name: str, b_name: str) -> None:
    """Refuse to broadcast: pred (N, 1) against target (N,) would become (N, N)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name}: {a_name} has shape {a.shape} but {b_name} has shape {b.shape}; "
            "they must match exactly (no broadcasting)"
        )


def _pair(name: str, pred, target, a_name: str = "pred", b_name: str = "target"):
    pred = np.asarray(pred, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    _same_shape(name, pred, target, a_name, b_name)
    return pred, target


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic sigmoid: exp only ever sees -|z| (topic 08)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus_neg_abs(z: np.ndarray) -> np.ndarray:
    """log(1 + e^{-|z|}), in (0, log 2]: never overflows, accurate when tiny."""
    return np.log1p(np.exp(-np.abs(z)))


def _class_targets(name: str, scores, y):
    """scores (N, C) float64 and y (N,) integer class indices, checked."""
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    if scores.ndim != 2 or y.shape != (scores.shape[0],):
        raise ValueError(
            f"{name}: expected scores of shape (N, C) and y of shape (N,), "
            f"got {scores.shape} and {y.shape}"
        )
    return scores, y.astype(np.intp)


# ---------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error over all elements."""
    pred, target = _pair("mse", pred, target)
    # Common mistakes: np.sum (a loss that grows with the batch size), or a
    # mean over one axis only.
    return float(np.mean((pred - target) ** 2))


def mse_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gradient of mse with respect to pred: 2 (pred - target) / n."""
    pred, target = _pair("mse_grad", pred, target)
    # The 1/n of the mean survives differentiation; forgetting it gives a
    # gradient n times too large (a learning rate that silently depends on
    # the batch size). The 2 comes from the square: there is no 1/2 in
    # PyTorch's MSELoss.
    return 2.0 * (pred - target) / pred.size


def mae(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error (L1 loss) over all elements."""
    pred, target = _pair("mae", pred, target)
    return float(np.mean(np.abs(pred - target)))


def mae_grad(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Gradient of mae with respect to pred: sign(pred - target) / n, 0 at a tie."""
    pred, target = _pair("mae_grad", pred, target)
    # |r| has no derivative at r = 0; np.sign returns 0 there, which is the
    # subgradient PyTorch uses (and the one that leaves a perfect fit alone).
    return np.sign(pred - target) / pred.size


def huber(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> float:
    """Huber loss: quadratic for |r| <= delta, linear beyond, mean over elements."""
    if delta <= 0:
        raise ValueError(f"huber: delta must be positive, got {delta}")
    pred, target = _pair("huber", pred, target)
    r = np.abs(pred - target)
    # The linear piece delta (|r| - delta / 2) meets 0.5 r^2 at |r| = delta
    # with the same value (delta^2 / 2) and the same slope (delta): the loss
    # is C^1. PyTorch's huber_loss has exactly this form (smooth_l1_loss with
    # beta = delta is the same curve divided by delta).
    quadratic = 0.5 * r**2
    linear = delta * (r - 0.5 * delta)
    return float(np.mean(np.where(r <= delta, quadratic, linear)))


def huber_grad(pred: np.ndarray, target: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """Gradient of huber with respect to pred: clip(r, -delta, delta) / n."""
    if delta <= 0:
        raise ValueError(f"huber_grad: delta must be positive, got {delta}")
    pred, target = _pair("huber_grad", pred, target)
    # Inside the band the gradient is the residual (as for 0.5 r^2), outside
    # it is delta * sign(r): one clip says both, and at |r| = delta the two
    # agree, so there is no kink to decide.
    return np.clip(pred - target, -delta, delta) / pred.size


# ---------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Mean BCE of probabilities p against targets y, each log clamped at -100."""
    p, y = _pair("binary_cross_entropy", p, y, "p", "y")
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(
            "binary_cross_entropy: p must be probabilities in [0, 1] (did you pass "
            "logits? use bce_with_logits)"
        )
    # PyTorch clamps each log at -100 instead of clipping p: log(0) = -inf
    # becomes -100, so a confidently wrong prediction costs 100, not inf, and
    # 0 * log(0) becomes 0 * (-100) = 0. errstate silences the divide warning
    # of log(0) only where the clamp then removes the -inf. log1p(-p), as in
    # PyTorch, keeps log(1 - p) exact for tiny p, where 1.0 - p has already
    # rounded (p = 1e-12: log(1.0 - p) is off by 2e-5 relative).
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_1mp = np.maximum(np.log1p(-p), -100.0)
    return float(-np.mean(y * log_p + (1.0 - y) * log_1mp))


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Mean BCE computed from logits, stable for any finite z."""
    z, y = _pair("bce_with_logits", z, y, "z", "y")
    # -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z
    #                                       = max(z, 0) - y z + log(1 + e^{-|z|}).
    # The last form never exponentiates a positive number. Common mistakes:
    # log(sigmoid(z)) (log 0 = -inf at z = -1000) and log(1 + exp(z))
    # (overflow at z = 1000).
    return float(np.mean(np.maximum(z, 0.0) - y * z + _softplus_neg_abs(z)))


def bce_with_logits_grad(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of bce_with_logits with respect to z: (sigmoid(z) - y) / n."""
    z, y = _pair("bce_with_logits_grad", z, y, "z", "y")
    # The sigmoid's derivative s(1 - s) cancels against the log's 1/s: the
    # gradient never saturates, which is why this pairing is used.
    return (_sigmoid(z) - y) / z.size


def focal_loss(
    logits: np.ndarray, y: np.ndarray, gamma: float = 2.0, alpha: float | None = None
) -> float:
    """Binary focal loss from logits, mean over elements (torchvision's formula)."""
    z, y = _pair("focal_loss", logits, y, "logits", "y")
    if alpha is not None and not 0.0 <= alpha <= 1.0:
        raise ValueError(f"focal_loss: alpha must be in [0, 1] or None, got {alpha}")
    # ce is the stable per-element BCE from logits, exactly bce_with_logits'
    # terms, so gamma = 0 and alpha = None give bce_with_logits.
    ce = np.maximum(z, 0.0) - y * z + _softplus_neg_abs(z)
    # 1 - p_t with p_t = p y + (1 - p)(1 - y) equals p (1 - y) + (1 - p) y.
    # Both p = s(z) and 1 - p = s(-z) come from the stable sigmoid, so there
    # is no 1 - 0.999... cancellation and nothing overflows at |z| = 1000.
    one_minus_pt = _sigmoid(z) * (1.0 - y) + _sigmoid(-z) * y
    # 0.0 ** 0 == 1, so gamma = 0 leaves ce untouched even where p_t = 1.
    loss = one_minus_pt**gamma * ce
    if alpha is not None:
        # Positives weigh alpha, negatives 1 - alpha. Common mistake: a plain
        # alpha * loss, which rescales everything and balances nothing.
        loss = (alpha * y + (1.0 - alpha) * (1.0 - y)) * loss
    return float(np.mean(loss))


# ---------------------------------------------------------------------------
# Multiclass classification
# ---------------------------------------------------------------------------


def cross_entropy(
    logits: np.ndarray, y: np.ndarray, label_smoothing: float = 0.0
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy with class-index targets and label smoothing."""
    logits, y = _class_targets("cross_entropy", logits, y)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    N, C = logits.shape
    rows = np.arange(N)
    # log-softmax by the log-sum-exp trick: shift by the row max (a new array,
    # not an in-place -= on the caller's logits), so exp sees only values <= 0.
    # Taking np.log of a computed softmax instead would turn an underflowed
    # probability (e^-2000 = 0) into -inf, and with smoothing 0 * -inf = nan.
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_sum
    # PyTorch's smoothing mixes the one-hot with the uniform over ALL C
    # classes: q = (1 - eps) onehot + eps / C, so the true class keeps
    # 1 - eps + eps / C. Common mistake: eps / (C - 1) on the wrong classes.
    q = np.full((N, C), label_smoothing / C)
    q[rows, y] += 1.0 - label_smoothing
    loss = -np.sum(q * log_probs) / N
    # d/dlogits of -sum_c q_c log softmax_c = softmax - q (since sum_c q_c = 1),
    # divided by N for the mean.
    dlogits = (np.exp(log_probs) - q) / N
    return float(loss), dlogits


def hinge_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Multiclass SVM loss (CS231n / Weston-Watkins), margin 1, mean over the batch."""
    scores, y = _class_targets("hinge_loss", scores, y)
    N = scores.shape[0]
    rows = np.arange(N)
    correct = scores[rows, y][:, None]
    margins = np.maximum(0.0, scores - correct + 1.0)
    # The j = y term would be max(0, 1) = 1 for every row: it must not count.
    margins[rows, y] = 0.0
    loss = margins.sum() / N
    # Each violated margin pushes its class up by 1 and the true class down
    # by 1. A margin of exactly 0 counts as satisfied (PyTorch's convention
    # at the kink, like relu'(0) = 0).
    active = (margins > 0).astype(np.float64)
    dscores = active
    dscores[rows, y] = -active.sum(axis=1)
    return float(loss), dscores / N


# ---------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------


def kl_div(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) over the last axis, averaged over any leading axes.

    Classes with p = 0 contribute 0, also where q = 0 too (0 log(0/0) = 0; torch
    gives nan there). q = 0 where p > 0 gives +inf, without a warning.
    """
    p, q = _pair("kl_div", p, q, "p", "q")
    # 0 log 0 = 0: where p = 0 the term is 0 whatever q is. np.where would
    # still evaluate log(0) on the masked entries (and warn), so both logs
    # see a harmless 1 there. Where p > 0 and q = 0 the divergence really is
    # +inf (q rules out an outcome that p allows), returned without a warning.
    support = p > 0
    log_p = np.log(np.where(support, p, 1.0))
    with np.errstate(divide="ignore"):
        log_q = np.log(np.where(support, q, 1.0))
    terms = np.where(support, p * (log_p - log_q), 0.0)
    per_distribution = terms.sum(axis=-1)
    # Mean over the leading axes: for 2-D inputs this is
    # torch.nn.functional.kl_div(log(q), p, reduction="batchmean"), which
    # divides by the size of axis 0 only (so they differ for 3-D inputs).
    return float(np.mean(per_distribution))


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
