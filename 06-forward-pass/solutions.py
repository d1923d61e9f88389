"""Topic 06: the forward pass of a multilayer perceptron, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.
"""

from __future__ import annotations

import math
import operator
from itertools import pairwise

import numpy as np


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """out = x.reshape(N, D) @ W + b, and the cache (x, W, b) for the backward pass."""
    x = np.asarray(x)
    W = np.asarray(W)
    b = np.asarray(b)
    if x.ndim < 2:
        # A single example of shape (D,) would be read as D examples of one
        # feature: refuse it instead of computing nonsense. Use x[None].
        raise ValueError(
            f"affine_forward: x must have a batch axis, shape (N, d1, ..., dk); got x {x.shape}"
        )
    if W.ndim != 2:
        raise ValueError(f"affine_forward: W must have shape (D, M), got W {W.shape}")
    N = x.shape[0]
    # math.prod of the trailing axes, not reshape(N, -1): -1 cannot be
    # inferred when N == 0, and an explicit D makes the check below exact.
    D = math.prod(x.shape[1:])
    M = W.shape[1]
    if W.shape[0] != D:
        raise ValueError(
            f"affine_forward: x {x.shape} flattens to ({N}, {D}) but W {W.shape} "
            f"expects {W.shape[0]} input features"
        )
    if b.shape != (M,):
        # (1, M) would broadcast to the right values, and (M, 1) would
        # broadcast to (M, M) when N == M: both are bugs waiting to happen
        # elsewhere, so only the exact shape (M,) is accepted.
        raise ValueError(f"affine_forward: b {b.shape} must have shape ({M},) to match W {W.shape}")
    # Row-major (C order) flattening keeps each example's features together:
    # row n of x_flat is x[n] read in the order x[n, i, j, ...] with the last
    # axis fastest, which is what PyTorch's x.view(N, -1) / flatten(1) does.
    x_flat = x.reshape(N, D)
    # (N, D) @ (D, M) -> (N, M); b (M,) broadcasts as (1, M) over the batch,
    # i.e. the same bias row is added to every example.
    out = x_flat @ W + b
    # The backward pass (topic 07) needs x in its ORIGINAL shape (dx must
    # come back shaped like x), and W for dx = dout @ W.T.
    cache = (x, W, b)
    return out, cache


def init_mlp(layer_sizes, rng: np.random.Generator):
    """He-normal weights (std sqrt(2 / fan_in)) of shape (fan_in, fan_out), zero biases."""
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            f"init_mlp: layer_sizes needs at least two positive sizes (input and output), "
            f"got {list(layer_sizes)}"
        )
    params = []
    for fan_in, fan_out in pairwise(sizes):
        # Var(z_j) = fan_in * Var(W) * E[h^2]; a ReLU keeps half of the second
        # moment, so Var(W) = 2 / fan_in keeps E[h^2] constant through depth
        # (He et al. 2015). PyTorch: kaiming_normal_(w, mode="fan_in",
        # nonlinearity="relu") on its (out, in) weight, here transposed.
        # Common mistakes: std 2 / fan_in (a variance, not a std), fan_out in
        # place of fan_in, shape (fan_out, fan_in), np.random instead of rng.
        std = math.sqrt(2.0 / fan_in)
        W = rng.standard_normal((fan_in, fan_out)) * std
        # Zero biases are fine: the random weights already break the symmetry
        # between hidden units.
        b = np.zeros(fan_out)
        params.append((W, b))
    return params


def _relu(z: np.ndarray) -> np.ndarray:
    # np.maximum, element-wise, into a new array. Not np.max(z, 0) (a
    # reduction over axis 0), and not in place: z is kept in the cache.
    return np.maximum(z, 0.0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # 1 / (1 + exp(-z)) overflows in exp for z <= -710. Both branches below
    # use e = exp(-|z|) <= 1, so nothing overflows:
    #   z >= 0: 1 / (1 + e)      z < 0: e / (1 + e) = 1 / (1 + exp(-z)).
    # np.where evaluates both branches everywhere; both are safe here.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_ACTIVATIONS = {"relu": _relu, "tanh": np.tanh, "sigmoid": _sigmoid}


def mlp_forward(x: np.ndarray, params, activation: str = "relu"):
    """Scores of the MLP given by params; the activation follows every layer but the last."""
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"mlp_forward: unknown activation {activation!r}; "
            f"expected one of {sorted(_ACTIVATIONS)}"
        )
    phi = _ACTIVATIONS[activation]
    h = x
    caches = []
    last = len(params) - 1
    for layer, (W, b) in enumerate(params):
        z, affine_cache = affine_forward(h, W, b)
        caches.append((affine_cache, z))
        # The last layer stays affine: scores (logits) must be free to be
        # negative and unbounded; the loss (softmax cross-entropy, MSE)
        # supplies its own nonlinearity. A ReLU here clips every negative
        # score to 0 and the network can no longer rank those classes.
        h = phi(z) if layer < last else z
    return h, caches


def mlp_parameter_count(layer_sizes) -> int:
    """Number of weights and biases: sum over layers of fan_in * fan_out + fan_out."""
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp_parameter_count: need at least two layer sizes, got {sizes}")
    # Python ints do not overflow; np.prod / np.sum on an int32 array would
    # wrap around past 2**31 (about 2 billion parameters).
    return sum(d_in * d_out + d_out for d_in, d_out in pairwise(sizes))


def mlp_activation_shapes(batch_size: int, layer_sizes) -> list[tuple]:
    """Shape of each layer's output, input excluded: [(N, layer_sizes[1]), ...]; N = 0 valid."""
    if len(layer_sizes) < 2:
        raise ValueError(
            f"mlp_activation_shapes: need at least two layer sizes, got {list(layer_sizes)}"
        )
    return [(int(batch_size), int(size)) for size in layer_sizes[1:]]


def predict(x: np.ndarray, params) -> np.ndarray:
    """Class indices (N,) of the largest score per example; ties go to the first index."""
    scores, _ = mlp_forward(x, params)
    # argmax over the class axis (axis 1), not axis 0 (that is "which example
    # scores highest for each class"). No softmax needed: it is monotonic, so
    # it never changes the argmax. On ties np.argmax returns the first index,
    # as torch.argmax does.
    return np.argmax(scores, axis=1)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the last (class) axis, stable for any magnitude."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 0:
        raise ValueError("softmax: scores need a class axis, got a scalar")
    # softmax(z) = softmax(z - c) for any c per row: subtract each ROW's max
    # (keepdims so it broadcasts back over the classes). Then every exponent
    # is <= 0, nothing overflows, and the largest term is exactly 1, so the
    # denominator is >= 1: no 0 / 0 either. Common mistakes: the max of the
    # whole array (a row far below it underflows to 0 / 0 = nan), axis=0
    # (normalises over the batch: examples leak into each other), no keepdims
    # ((N,) against (N, C) broadcasts wrongly or fails), and subtracting in
    # place (scores -= ...), which changes the caller's logits.
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def matrix_chain_order(dims):
    """Cheapest parenthesisation of A0 @ A1 @ ... with A_i of shape (dims[i], dims[i+1])."""
    # Python ints (operator.index accepts int and NumPy integers, not floats).
    dims = [operator.index(d) for d in dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"matrix_chain_order: need at least two positive sizes, got {dims}")
    n = len(dims) - 1  # number of matrices
    # cost[i][j]: fewest multiply-adds for A_i ... A_j; split[i][j]: the k of
    # the last product (A_i..A_k)(A_{k+1}..A_j). Python ints throughout: the
    # counts reach 1e21 for three 1e7-sized dimensions, where int64 wraps.
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):  # chains of 2, 3, ..., n matrices
        for i in range(n - length + 1):
            j = i + length - 1
            best = None
            for k in range(i, j):
                # (dims[i], dims[k+1]) @ (dims[k+1], dims[j+1]) costs
                # dims[i] * dims[k+1] * dims[j+1] multiply-adds.
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if best is None or c < best:  # strict: the first (smallest) k wins ties
                    best, split[i][j] = c, k
            cost[i][j] = best

    def paren(i: int, j: int) -> str:
        if i == j:
            return f"A{i}"
        k = split[i][j]
        return f"({paren(i, k)} {paren(k + 1, j)})"

    return cost[0][n - 1], paren(0, n - 1)


def mlp_flops(batch_size: int, layer_sizes) -> int:
    """FLOPs of the forward pass's matrix products, sum 2 N D M, as an exact Python int."""
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp_flops: need at least two layer sizes, got {sizes}")
    # Each of the N * M outputs of (N, D) @ (D, M) is a dot product of length
    # D: D multiplies and D - 1 adds, counted as 2 D (one multiply-add each).
    # The N * M bias adds and activations are lower order and not counted,
    # the convention of PyTorch's FlopCounterMode and of "2 x params" rules.
    return sum(2 * int(batch_size) * d_in * d_out for d_in, d_out in pairwise(sizes))


def collapse_linear_layers(params):
    """The single affine map (W, b) equal to the stack of affine layers with no activation."""
    # (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2): by induction the whole
    # stack is x W + b with W = W1 W2 ... WL and b the bias pushed through
    # every later weight. Common mistake: b = b1 + b2 + ... (forgets that
    # earlier biases are transformed by later weights).
    # Copies, so that a one-layer stack does not hand back the caller's arrays.
    W_eff = np.array(params[0][0], dtype=np.float64)
    b_eff = np.array(params[0][1], dtype=np.float64)
    for W, b in params[1:]:
        W_eff = W_eff @ W
        b_eff = b_eff @ W + b
    return W_eff, b_eff


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
