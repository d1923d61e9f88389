"""Topic 07: backpropagation, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# ---------------------------------------------------------------------------
# Given helper (identical in exercises.py): the affine forward pass of topic 06
# ---------------------------------------------------------------------------


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """Given helper (topic 06), not an exercise: out = x.reshape(N, D) @ W + b.

    x: (N, d1, ..., dk) with D = d1 * ... * dk; W: (D, M); b: (M,).
    Returns (out, cache): out (N, M), cache = (x, W, b), which affine_backward reads.
    """
    if x.ndim < 2 or W.ndim != 2 or b.shape != (W.shape[1],) or np.prod(x.shape[1:]) != len(W):
        raise ValueError(
            f"affine_forward: x {x.shape}, W {W.shape}, b {b.shape} do not fit "
            "x.reshape(N, D) @ W (D, M) + b (M,)"
        )
    out = x.reshape(x.shape[0], -1) @ W + b
    return out, (x, W, b)


# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def affine_backward(dout: np.ndarray, cache):
    """Gradients of an affine layer: (dx, dW, db), dx in x's original shape."""
    x, W, _ = cache
    N, M = x.shape[0], W.shape[1]
    if dout.shape != (N, M):
        raise ValueError(
            f"affine_backward: dout has shape {dout.shape}, expected (N, M) = {(N, M)} "
            f"for x {x.shape} and W {W.shape}"
        )
    x2 = x.reshape(N, -1)  # (N, D): the same flattening as the forward pass
    # Shape matching: each gradient has its variable's shape, and exactly one
    # product of dout (N, M) with the other factor gives it.
    #   dx (N, D) = dout (N, M) @ W.T (M, D)
    #   dW (D, M) = x2.T (D, N) @ dout (N, M)    -- sums over the batch
    #   db (M,)   = dout summed over the batch: b was broadcast to N rows in
    #               the forward pass, and the backward of a broadcast is a sum.
    # Common mistakes: dout @ W (only works when W is square), db = dout.sum(1)
    # or dout.mean(0), and forgetting to reshape dx back to x.shape.
    dx = (dout @ W.T).reshape(x.shape)
    dW = x2.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db


def relu_forward(x: np.ndarray):
    """out = max(0, x) element-wise; cache = x."""
    # np.maximum builds a new array. The tempting x[x < 0] = 0 writes into the
    # caller's array, which the backward pass (and the caller) still needs.
    out = np.maximum(0.0, x)
    return out, x


def relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """dx = dout where x > 0, else 0 (the derivative at exactly 0 is taken as 0)."""
    x = cache
    # Strict > 0: at x == 0 ReLU has no derivative; PyTorch (and this curriculum)
    # uses 0 there. A new array, not dout[x <= 0] = 0, which would corrupt the
    # upstream gradient that another branch of the graph may still read.
    return dout * (x > 0)


def softmax_cross_entropy(scores: np.ndarray, y: np.ndarray):
    """Mean softmax cross-entropy over the batch and its gradient (p - onehot(y)) / N.

    N = 1 keeps dscores (1, C); C = 1 is legal (loss 0, gradient 0), as in torch.
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    if scores.ndim != 2 or y.shape != (scores.shape[0],):
        raise ValueError(
            f"softmax_cross_entropy: need scores (N, C) and y (N,); got {scores.shape}, {y.shape}"
        )
    N = scores.shape[0]
    # Log-sum-exp trick: softmax is unchanged by subtracting a per-row constant;
    # with the row max, every exponent is <= 0 (no overflow) and one equals 0
    # (the sum is >= 1, so its log is finite).
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N)
    # Mean, not sum, over the batch (PyTorch's reduction="mean"). Working with
    # log-probabilities avoids log(softmax) = log(0) = -inf for a very wrong
    # class, which happens with probs computed first.
    # No clip on p: a true class behind by 800 costs exactly 800, and the loss
    # keeps growing with the margin (a clip at 1e-12 would cap it at 27.6).
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    # The 1/N of the mean must appear in the gradient too: forgetting it makes
    # the effective learning rate grow with the batch size.
    dscores /= N
    return float(loss), dscores


def two_layer_net_loss(params: dict, X: np.ndarray, y: np.ndarray, reg: float = 0.0):
    """Loss and gradients of affine - relu - affine - softmax with L2 on W1, W2."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # Forward, keeping every cache: these are the activations the backward
    # pass needs (the memory cost of backprop).
    a1, fc1_cache = affine_forward(X, W1, b1)  # (N, H) pre-activations
    h1, relu_cache = relu_forward(a1)  # (N, H)
    scores, fc2_cache = affine_forward(h1, W2, b2)  # (N, C)
    data_loss, dscores = softmax_cross_entropy(scores, y)
    # Weights only: penalising biases does not reduce the model's capacity to
    # overfit (a bias does not multiply any input) and can hurt the fit.
    loss = data_loss + 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

    # Backward: the same layers in reverse order.
    dh1, dW2, db2 = affine_backward(dscores, fc2_cache)  # (N, H), (H, C), (C,)
    da1 = relu_backward(dh1, relu_cache)  # (N, H)
    _, dW1, db1 = affine_backward(da1, fc1_cache)  # dX is not needed: X is data
    # d/dW of 0.5 * reg * sum(W**2) is reg * W: the 0.5 is there to cancel the 2.
    dW1 = dW1 + reg * W1
    dW2 = dW2 + reg * W2
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    return float(loss), grads


def gradient_check(
    f: Callable[[np.ndarray], float], x: np.ndarray, analytic_grad: np.ndarray, h: float = 1e-5
) -> float:
    """Max relative error between analytic_grad and a central-difference gradient of f at x."""
    point = np.array(x, dtype=np.float64)  # a copy: the caller's x is never written
    numeric = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = float(f(point))
        point[index] = original - h
        f_minus = float(f(point))
        point[index] = original  # restore the saved value, do not re-add h
        numeric[index] = (f_plus - f_minus) / (2.0 * h)
    a = np.asarray(analytic_grad, dtype=np.float64)
    if a.shape != numeric.shape:
        raise ValueError(f"gradient_check: analytic_grad {a.shape} differs from x {point.shape}")
    # Relative, so the threshold does not depend on the gradient's scale; the
    # 1e-8 floor keeps 0 / 0 (both gradients exactly zero) at 0 rather than nan.
    ratio = np.abs(a - numeric) / np.maximum(1e-8, np.abs(a) + np.abs(numeric))
    return float(np.max(ratio, initial=0.0))


def make_spiral(n_per_class: int, n_classes: int, rng: np.random.Generator):
    """The CS231n spiral: n_classes arms of n_per_class points each, X (N, 2), y (N,)."""
    N = n_per_class * n_classes
    X = np.zeros((N, 2), dtype=np.float64)
    y = np.zeros(N, dtype=np.int64)
    radius = np.linspace(0.0, 1.0, n_per_class)
    for k in range(n_classes):
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        # Each arm sweeps 4 radians of angle while the radius grows from 0 to 1;
        # Gaussian noise on the angle (std 0.2) makes the arms overlap slightly.
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class)
        theta = theta + 0.2 * rng.standard_normal(n_per_class)
        X[rows, 0] = radius * np.sin(theta)
        X[rows, 1] = radius * np.cos(theta)
        y[rows] = k
    return X, y


def train_two_layer_net(
    X: np.ndarray,
    y: np.ndarray,
    hidden: int,
    lr: float,
    n_epochs: int,
    batch_size: int,
    rng: np.random.Generator,
):
    """Mini-batch SGD on two_layer_net_loss; returns (params, loss_history per epoch).

    loss_history always has n_epochs entries, even when the run diverges to nan.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    N, D = X.shape
    C = int(y.max()) + 1
    # He-normal weights (variance 2 / fan_in keeps the ReLU layer's activations
    # at a steady scale), zero biases; all randomness from rng.
    params = {
        "W1": rng.standard_normal((D, hidden)) * np.sqrt(2.0 / D),
        "b1": np.zeros(hidden),
        "W2": rng.standard_normal((hidden, C)) * np.sqrt(2.0 / hidden),
        "b2": np.zeros(C),
    }
    loss_history = []
    for _ in range(n_epochs):
        # A fresh permutation each epoch: batches that are always the same
        # (or, worse, sorted by class as the spiral is) bias every step.
        order = rng.permutation(N)
        batch_losses = []
        # range(0, N, batch_size) keeps the last, smaller batch: no example is
        # silently dropped when batch_size does not divide N.
        for start in range(0, N, batch_size):
            idx = order[start : start + batch_size]
            loss, grads = two_layer_net_loss(params, X[idx], y[idx])
            for name in params:
                # A new array per step (not -=): the caller never holds an
                # alias that changes under it.
                params[name] = params[name] - lr * grads[name]
            batch_losses.append(loss)
        loss_history.append(float(np.mean(batch_losses)))
    return params, np.array(loss_history)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
