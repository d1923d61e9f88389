"""Topic 20: debugging and tuning, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Every function here is a diagnostic, and a diagnostic that is itself wrong is
worse than none: it sends you looking for a bug in the wrong place. So the
conventions are strict: nan is never silently skipped where it is the signal,
a norm does not overflow for a large-but-finite gradient, and no function
modifies the caller's arrays.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _l2_norm(a) -> float:
    """Euclidean norm of all entries, without overflow or underflow of the squares.

    sqrt(sum(a**2)) overflows to inf once an entry passes 1e154 (float64) and
    underflows to 0 below 1e-162: exactly the regimes (an exploding or a
    vanishing gradient) in which you look at norms. Dividing by the largest
    magnitude first keeps every square in [0, 1]; BLAS's nrm2 does the same.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    if a.size == 0:
        return 0.0
    if np.any(np.isnan(a)):
        return math.nan
    if np.any(np.isinf(a)):
        return math.inf
    scale = float(np.max(np.abs(a)))
    if scale == 0.0:
        return 0.0  # dividing by the scale would give 0 / 0 = nan
    return scale * float(np.sqrt(np.sum((a / scale) ** 2)))


def _softmax_cross_entropy(scores: np.ndarray, y: np.ndarray):
    """Mean softmax cross-entropy and its gradient (P - Y) / N, stable (topic 09)."""
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -float(np.mean(log_p[np.arange(N), y]))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    return loss, dscores / N


# ---------------------------------------------------------------------------
# Gradient checking
# ---------------------------------------------------------------------------


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max over entries of |a - b| / max(1e-8, |a| + |b|) (CS231n)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        # Broadcasting (M,) against (1, M) or (N, 1) against (N,) would compare
        # the wrong pairs and could report a tiny error for a wrong gradient.
        raise ValueError(f"relative_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    # The floor 1e-8 makes 0 against 0 an error of 0 instead of 0 / 0 = nan.
    # np.max (not np.nanmax) lets a nan anywhere make the result nan: a nan
    # gradient must never pass a check.
    ratio = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(ratio))


def check_layer_gradients(forward, backward, inputs: dict, rng: np.random.Generator, h=1e-6):
    """Gradient-check a forward/backward pair on every input; {name: relative error}."""
    names = list(inputs)  # the dict's order is the order backward returns gradients in
    point = {name: np.array(value, dtype=np.float64) for name, value in inputs.items()}
    out, cache = forward(**point)
    # A RANDOM upstream gradient: with dout = ones only the column sums of the
    # Jacobian are checked, and for softmax or batch norm those are all zero.
    dout = rng.standard_normal(np.shape(out))
    grads = backward(dout, cache)
    if isinstance(grads, np.ndarray) and len(names) == 1:
        grads = (grads,)
    grads = list(grads)
    if len(grads) != len(names):
        raise ValueError(
            f"check_layer_gradients: backward returned {len(grads)} gradients "
            f"for {len(names)} inputs {names}"
        )
    # Fresh copies for probing: the layer's cache may hold references to the
    # arrays of `point`, and the caller's arrays must never be touched.
    probe = {name: value.copy() for name, value in point.items()}

    def objective() -> float:
        return float(np.sum(np.asarray(forward(**probe)[0]) * dout))

    errors = {}
    for name, grad in zip(names, grads, strict=True):
        x = probe[name]
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original + h
            f_plus = objective()
            x[index] = original - h
            f_minus = objective()
            x[index] = original  # restore from the saved value, not by adding h back
            # Central difference: error O(h^2). The one-sided (f(x+h) - f(x)) / h
            # has error O(h) and reports ~1e-6 for a correct gradient.
            numeric[index] = (f_plus - f_minus) / (2.0 * h)
        errors[name] = relative_error(grad, numeric)
    return errors


# ---------------------------------------------------------------------------
# Sanity checks on a running network
# ---------------------------------------------------------------------------


def overfit_tiny_batch(X, y, hidden, n_steps, lr, rng):
    """Full-batch gradient descent on a two-layer ReLU net; the loss of every step."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.intp)
    D = X.shape[1]
    C = int(y.max()) + 1
    # He init for the hidden layer; a SMALL output layer so that every logit
    # starts near 0, the softmax near uniform and the first loss near log C:
    # the first item of the debugging checklist. Draw order W1 then W2.
    W1 = rng.standard_normal((D, hidden)) * np.sqrt(2.0 / D)
    W2 = rng.standard_normal((hidden, C)) * 0.01
    b1 = np.zeros(hidden)
    b2 = np.zeros(C)
    history = np.empty(n_steps)
    for step in range(n_steps):
        pre = X @ W1 + b1
        act = np.maximum(0.0, pre)
        scores = act @ W2 + b2
        loss, dscores = _softmax_cross_entropy(scores, y)
        # The loss of the parameters the step starts from (before the update):
        # history[0] is the loss at initialisation.
        history[step] = loss
        dW2 = act.T @ dscores
        db2 = dscores.sum(axis=0)
        dpre = (dscores @ W2.T) * (pre > 0)  # the ReLU mask comes from the pre-activation
        dW1 = X.T @ dpre
        db1 = dpre.sum(axis=0)
        # No regularisation and no dropout: the point is to show the network
        # CAN drive the data loss to 0. New arrays, not in-place updates.
        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
    return history


def dead_relu_fraction(pre_activations) -> float:
    """Fraction of hidden units (columns) whose pre-activation is <= 0 on every example."""
    z = np.asarray(pre_activations, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"dead_relu_fraction: expected (N, H) pre-activations, got {z.shape}")
    # <= 0, not < 0: relu'(0) = 0 (PyTorch), so a unit stuck at exactly 0 gets
    # no gradient and is as dead as a negative one. all over axis 0 (the batch):
    # a unit is dead only if no example activates it.
    dead = np.all(z <= 0.0, axis=0)
    return float(np.mean(dead))


def layer_gradient_norms(grads: dict) -> dict:
    """{name: L2 norm of all entries}, in the dict's order."""
    # The Frobenius norm (all entries), not np.linalg.norm(W, 2), which is the
    # largest singular value of a matrix.
    return {name: _l2_norm(g) for name, g in grads.items()}


def update_to_weight_ratio(param, update) -> float:
    """||update|| / ||param|| over all entries; ValueError for a zero param."""
    param = np.asarray(param, dtype=np.float64)
    update = np.asarray(update, dtype=np.float64)
    if param.shape != update.shape:
        raise ValueError(
            f"update_to_weight_ratio: param {param.shape} and update {update.shape} differ"
        )
    p = _l2_norm(param)
    if p == 0.0:
        # A zero-initialised bias at step 0: a relative step is undefined.
        # Returning inf (or nan for a zero update) would look like divergence.
        raise ValueError(
            "update_to_weight_ratio: param has norm 0 (a zero-initialised bias?); "
            "the ratio is undefined, monitor the update norm for this tensor instead"
        )
    return _l2_norm(update) / p


def find_first_nonfinite(tensors: dict):
    """Name of the first entry (in the dict's order) holding a nan or +-inf, else None."""
    for name, value in tensors.items():
        # np.isfinite catches nan, +inf and -inf (np.isnan misses inf), and
        # works on integer and boolean arrays, which are always finite.
        if not np.all(np.isfinite(np.asarray(value))):
            return name
    return None


# ---------------------------------------------------------------------------
# The learning-rate range test
# ---------------------------------------------------------------------------


def lr_range_test(loss_fn, grad_fn, x0, lr_min, lr_max, n_steps):
    """One SGD step per geometrically spaced rate, from the running x; (lrs, losses)."""
    if not 0 < lr_min < lr_max:
        raise ValueError(f"lr_range_test: need 0 < lr_min < lr_max, got {lr_min}, {lr_max}")
    if n_steps < 2:
        raise ValueError(f"lr_range_test: need n_steps >= 2, got {n_steps}")
    # np.geomspace puts lr_min and lr_max exactly at the ends; exp(linspace(log))
    # or lr_min * r**k are off by a few ulps at lr_max.
    lrs = np.geomspace(lr_min, lr_max, n_steps)
    x = np.array(x0, dtype=np.float64)  # a copy: x0 stays untouched
    losses = np.empty(n_steps)
    for k, lr in enumerate(lrs):
        # The test does NOT restart from x0 for each rate: it is one short run
        # whose rate grows, and the loss is read after each step.
        x = x - lr * np.asarray(grad_fn(x), dtype=np.float64)
        losses[k] = float(loss_fn(x))
    return lrs, losses


def suggest_lr(lrs, losses) -> float:
    """One tenth of the rate at the lowest finite loss (first on ties), at least lrs[0]."""
    lrs = np.asarray(lrs, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if lrs.shape != losses.shape or lrs.ndim != 1:
        raise ValueError(f"suggest_lr: lrs {lrs.shape} and losses {losses.shape} must be (n,)")
    finite = np.isfinite(losses)
    if not np.any(finite):
        raise ValueError("suggest_lr: every loss is nan or inf")
    # np.argmin returns the FIRST minimum on ties, but it also returns the
    # position of a nan: mask the diverged steps before taking it.
    best = int(np.argmin(np.where(finite, losses, np.inf)))
    return float(max(lrs[0], lrs[best] / 10.0))


# ---------------------------------------------------------------------------
# Hyperparameter search
# ---------------------------------------------------------------------------


def sample_log_uniform(low, high, n, rng):
    """n draws of exp(U(log low, log high)): uniform in the exponent."""
    if not 0 < low < high:
        raise ValueError(f"sample_log_uniform: need 0 < low < high, got {low}, {high}")
    u = rng.uniform(math.log(low), math.log(high), size=n)
    # exp(log(high)) can round one ulp above high: clip to keep the bounds.
    return np.clip(np.exp(u), low, high)


def _best_of(results):
    """The config with the lowest score; the first on ties; nan never wins."""
    best_config, best_score = None, math.inf
    for config, score in results:
        # Strict <: a later equal score does not replace the first one. A nan
        # compares False with everything, so it never becomes the best.
        # (The first clause lets an all-inf search return its first config.)
        if (best_config is None and score == math.inf) or score < best_score:
            best_config, best_score = config, score
    if best_config is None:
        raise ValueError("search: every trial returned nan")
    return best_config


def grid_search(objective, grid: dict):
    """Every combination in itertools.product order; (best_config, [(config, score)])."""
    names = list(grid)  # the dict's order, not sorted(grid)
    results = []
    for values in itertools.product(*(grid[name] for name in names)):
        config = dict(zip(names, values, strict=True))
        results.append((config, float(objective(**config))))
    if not results:
        raise ValueError("grid_search: the grid is empty (some list has no values)")
    return _best_of(results), results


def random_search(objective, space: dict, n_trials, rng):
    """n_trials configs, each value drawn by space[name](rng); (best_config, results)."""
    if n_trials < 1:
        raise ValueError(f"random_search: need n_trials >= 1, got {n_trials}")
    results = []
    for _ in range(n_trials):
        # A fresh draw for every trial (sampling once outside the loop tries
        # the same config n_trials times), names in the dict's order.
        config = {name: sample(rng) for name, sample in space.items()}
        results.append((config, float(objective(**config))))
    return _best_of(results), results


# ---------------------------------------------------------------------------
# Learning curves
# ---------------------------------------------------------------------------


def diagnose_learning_curves(
    train_losses,
    val_losses,
    *,
    min_drop=0.1,
    overfit_tol=0.05,
    plateau_tol=0.01,
    high=0.5,
) -> str:
    """Name the problem a pair of loss curves shows; the rules are in exercises.py."""
    train = np.asarray(train_losses, dtype=np.float64)
    val = np.asarray(val_losses, dtype=np.float64)
    if train.ndim != 1 or train.shape != val.shape or len(train) < 2:
        raise ValueError(
            f"diagnose_learning_curves: need two 1-D curves of equal length >= 2, "
            f"got {train.shape} and {val.shape}"
        )
    # Rule 1: anything non-finite, or a training loss that ended above where it began.
    if not (np.all(np.isfinite(train)) and np.all(np.isfinite(val))) or train[-1] > train[0]:
        return "diverging"
    if train[0] <= 0:
        raise ValueError(f"diagnose_learning_curves: the first training loss {train[0]} is <= 0")
    # Rule 2: the training loss fell by less than min_drop of its first value.
    if (train[0] - train[-1]) / train[0] < min_drop:
        return "learning rate too low"
    # Rule 3: validation ended clearly above its best while training kept falling.
    best = int(np.argmin(val))
    if val[-1] > val[best] * (1.0 + overfit_tol) and train[-1] < train[best]:
        return "overfitting"
    # Rule 4: training has flattened (last quarter) but is still high.
    k = max(1, len(train) // 4)
    recent = (train[-k - 1] - train[-1]) / train[-k - 1]
    if recent < plateau_tol and train[-1] > high * train[0]:
        return "underfitting"
    return "healthy"


def plot_learning_curves(train, val, path):
    """Train and val loss against the step index on one log-scaled Axes; saved as PNG."""
    import matplotlib.pyplot as plt

    train = np.asarray(train, dtype=np.float64)
    val = np.asarray(val, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(np.arange(len(train)), train, color="tab:blue", lw=1.5, label="train")
    ax.plot(np.arange(len(val)), val, color="tab:orange", lw=1.5, label="val")
    # A log axis: late progress (0.05 -> 0.04) is as visible as early (2 -> 1).
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Learning curves")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.9)
    fig.savefig(path, dpi=72)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
