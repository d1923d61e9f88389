"""Topic 13: normalization layers.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (they are PyTorch's):

* every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward(dout,
  cache)`` returns the gradients in the order of the forward's array inputs.
  What goes into the cache is up to you: only your own backward reads it;
* variances that NORMALISE are biased (divide by the number of values); only
  batch norm's running variance uses the unbiased one (divide by n - 1);
* ``eps`` is added to the variance inside the square root;
* a shape that does not fit raises ``ValueError`` naming the shapes;
* no function writes into an array it was given (``bn_param`` is the one
  argument meant to be updated, and even there new arrays are stored).

Suggested order: batchnorm_forward, batchnorm_backward, batchnorm_backward_alt,
layernorm_forward, layernorm_backward, rmsnorm_forward, rmsnorm_backward,
groupnorm_forward, groupnorm_backward, spatial_batchnorm_forward,
spatial_batchnorm_backward, fold_batchnorm, sync_batchnorm_stats.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Batch normalization of x (N, D), feature by feature (torch.nn.BatchNorm1d).

    Train mode (statistics of this batch, per feature d, over the N examples):

        mu_d    = (1/N) sum_n x[n, d]
        var_d   = (1/N) sum_n (x[n, d] - mu_d)^2              (biased: divide by N)
        xhat    = (x - mu) / sqrt(var + eps)
        out     = gamma * xhat + beta

    and the running statistics, exactly as PyTorch updates them:

        running_mean <- (1 - momentum) * running_mean + momentum * mu
        running_var  <- (1 - momentum) * running_var  + momentum * var * N / (N - 1)

    (the NEW batch gets the weight ``momentum``; the running variance uses the
    UNBIASED batch variance, the normalisation the biased one).

    Eval mode: out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta,
    each example on its own; bn_param is not changed at all (no key added).

    Args:
        x: (N, D) float input.
        gamma: (D,) scale. beta: (D,) shift.
        bn_param: dict with
            "mode": "train" or "eval" (absent: "train", as a fresh torch module;
                anything else: ValueError);
            "eps": default 1e-5; "momentum": default 0.1 (0 is valid: it
                freezes the running statistics);
            "running_mean", "running_var": (D,), default zeros(D) and ones(D)
                when absent (torch's initial buffers).

    Returns:
        (out, cache): out (N, D); cache whatever your backward functions need
        (they must also accept the cache of an eval-mode call).

    Side effect (train mode only): bn_param["running_mean"] and
    bn_param["running_var"] are set to NEW arrays holding the updated
    statistics. The arrays bn_param held before are not written into, and no
    other key is added or changed. (torch updates its buffers in place; a
    functional layer stores new arrays, so a caller who kept a reference to
    the old statistics still sees the old values.)

    Raises:
        ValueError: x not 2-D, gamma / beta / running stats not (D,) (the
        message names the shapes); an unknown mode; train mode with N == 1
        (torch raises too: one value per feature has variance 0, and the
        unbiased variance divides by N - 1 = 0). Eval mode accepts N == 1.

    Hint: bn_param.get("momentum", 0.1), never bn_param.get("momentum") or 0.1
    (that turns momentum=0 into 0.1). Compute the variance two-pass,
    mean((x - mu)**2), not mean(x**2) - mu**2, which cancels catastrophically
    for a feature whose mean is large against its spread.
    """
    raise NotImplementedError


def batchnorm_backward(dout: np.ndarray, cache):
    """Backward pass of batch norm, staged: one step per node of the forward graph.

    Walk the graph of topic.md backwards (beta, gamma -> xhat -> the two paths
    of xmu = x - mu -> istd = 1 / sqrt(var + eps) -> var = mean(xmu**2) -> mu),
    summing the gradients of every variable that feeds two nodes:

        dbeta  = sum_n dout                      (D,)
        dgamma = sum_n dout * xhat               (D,)
        dxhat  = dout * gamma                    (N, D)
        ... then istd, var, the squared deviations, xmu, mu and x.

    Args:
        dout: (N, D) upstream gradient.
        cache: from batchnorm_forward (train or eval mode).

    Returns:
        (dx, dgamma, dbeta): (N, D), (D,), (D,). For an eval-mode cache the
        layer is a fixed affine map: dx = dout * gamma / sqrt(running_var + eps).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: the batch mean and variance are functions of every x[n, d] of the
    feature: a backward that treats them as constants (dx = dout * gamma /
    std) is the classic mistake. Check with a random dout: with dout = ones
    the true dx is exactly 0, and so is a backward that drops the xhat term.
    """
    raise NotImplementedError


def batchnorm_backward_alt(dout: np.ndarray, cache):
    """Backward pass of batch norm in the compact closed form (topic.md derives it).

        dxhat = dout * gamma
        dx    = (1 / (N sqrt(var + eps))) * (N dxhat - sum_n dxhat - xhat * sum_n (dxhat * xhat))

    with both sums over the batch axis, per feature.

    Args:
        dout: (N, D) upstream gradient.
        cache: from batchnorm_forward (train or eval mode).

    Returns:
        (dx, dgamma, dbeta): (N, D), (D,), (D,); the same numbers as
        batchnorm_backward, in one line of NumPy for dx. Eval-mode cache:
        dx = dout * gamma / sqrt(running_var + eps).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: the two sums project out the batch mean and the xhat direction:
    dx sums to 0 over the batch and is orthogonal to xhat, feature by feature.
    """
    raise NotImplementedError


def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5):
    """Layer normalization over the LAST axis (torch.nn.LayerNorm(D)).

    For each row (one example, or one token of a sequence):

        mu = mean of the D features, var = their biased variance
        out = gamma * (x - mu) / sqrt(var + eps) + beta

    Args:
        x: (..., D), e.g. (N, D) or (N, L, D). gamma, beta: (D,).
        eps: added to the variance inside the root.

    Returns:
        (out, cache): out with x's shape.

    Raises:
        ValueError: if gamma or beta is not (D,) (the message names the shapes).

    Hint: axis=-1, keepdims=True. Same statistics as batch norm, other axis:
    no running statistics, no train/eval difference, no batch coupling.
    """
    raise NotImplementedError


def layernorm_backward(dout: np.ndarray, cache):
    """Backward pass of layer norm: (dx, dgamma, dbeta).

    Batch norm's closed form with the roles of the axes swapped (D features
    instead of N examples, sums over the last axis):

        dx = (1 / (D sqrt(var + eps))) * (D dxhat - sum_d dxhat - xhat * sum_d (dxhat * xhat))

    Args:
        dout: upstream gradient with x's shape (..., D).
        cache: from layernorm_forward.

    Returns:
        (dx, dgamma, dbeta): dx (..., D); dgamma and dbeta (D,), summed over
        EVERY leading axis (examples and sequence positions share gamma, beta).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: for x (N, L, D), sum over axes (0, 1): tuple(range(dout.ndim - 1)).
    """
    raise NotImplementedError


def rmsnorm_forward(x: np.ndarray, gamma: np.ndarray, eps: float = 1e-6):
    """RMSNorm over the last axis (torch.nn.RMSNorm(D, eps=1e-6)), as in Llama.

        out = gamma * x / sqrt(mean_d(x**2) + eps)

    No mean subtraction and no beta. The curriculum pins eps = 1e-6 (the first
    Llama release's value; Llama 2 and 3 use 1e-5). torch.nn.RMSNorm's own
    default is eps=None, which means torch.finfo(x.dtype).eps (2.2e-16 in
    float64, 1.2e-7 in float32): pass eps explicitly to torch when you compare.

    Args:
        x: (..., D). gamma: (D,).

    Returns:
        (out, cache): out with x's shape.

    Raises:
        ValueError: if gamma is not (D,).

    Hint: eps goes inside the root, added to the mean square; x / (rms + eps)
    is a different function wherever mean(x**2) is comparable to eps.
    """
    raise NotImplementedError


def rmsnorm_backward(dout: np.ndarray, cache):
    """Backward pass of RMSNorm: (dx, dgamma).

    With r = 1 / sqrt(mean(x**2) + eps) per row and g = dout * gamma:

        dx     = r * g - r**3 * x * mean_d(g * x)
        dgamma = sum over all leading axes of dout * x * r

    Args:
        dout: upstream gradient with x's shape (..., D).
        cache: from rmsnorm_forward.

    Returns:
        (dx, dgamma): (..., D) and (D,).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: r depends on every feature of its row: dr/dx_j = -r**3 x_j / D.
    """
    raise NotImplementedError


def groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, groups: int, eps: float = 1e-5
):
    """Group normalization of x (N, C, H, W) (torch.nn.functional.group_norm).

    The C channels are split into `groups` groups of C // groups CONSECUTIVE
    channels (group 0 is channels 0 .. C/groups - 1). Each (example, group)
    is normalised by the mean and biased variance of its C/groups * H * W
    values; then a per-CHANNEL affine map:

        out[n, c] = gamma[c] * xhat[n, c] + beta[c]

    groups = 1 normalises each example over all its channels and positions
    (layer norm over (C, H, W)); groups = C is instance norm.

    Args:
        x: (N, C, H, W). gamma, beta: (C,). groups: divides C. eps: inside the root.

    Returns:
        (out, cache): out (N, C, H, W).

    Raises:
        ValueError: x not 4-D, groups not dividing C, gamma or beta not (C,).

    Hint: x.reshape(N, groups, -1) puts each group's values in one row
    (consecutive channels, as torch); the statistics are per row.
    """
    raise NotImplementedError


def groupnorm_backward(dout: np.ndarray, cache):
    """Backward pass of group norm: (dx, dgamma, dbeta).

    Scale by gamma per channel, then apply layer norm's closed form to each
    (example, group) row of M = C/groups * H * W values.

    Args:
        dout: (N, C, H, W). cache: from groupnorm_forward.

    Returns:
        (dx, dgamma, dbeta): (N, C, H, W), (C,), (C,); dgamma and dbeta sum
        over axes (0, 2, 3).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: reshape dout * gamma[None, :, None, None] to (N, groups, M).
    """
    raise NotImplementedError


def spatial_batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Spatial batch norm of x (N, C, H, W) (torch.nn.BatchNorm2d).

    One mean and variance per CHANNEL, over the N * H * W values of that
    channel; otherwise batchnorm_forward exactly (modes, defaults, running
    statistics with the unbiased variance of the N * H * W values, new arrays
    stored in bn_param, eval mode touching nothing).

    Args:
        x: (N, C, H, W). gamma, beta: (C,). bn_param: as batchnorm_forward.

    Returns:
        (out, cache): out (N, C, H, W).

    Raises:
        ValueError: x not 4-D, gamma or beta not (C,), unknown mode, and in
        train mode N * H * W == 1 (one value per channel; torch raises too).
        A batch of one image with H * W > 1 is fine.

    Hint: x.transpose(0, 2, 3, 1).reshape(-1, C) gives (N*H*W, C): channels
    last BEFORE flattening, then batchnorm_forward, then undo both.
    x.reshape(-1, C) alone runs and mixes channels.
    """
    raise NotImplementedError


def spatial_batchnorm_backward(dout: np.ndarray, cache):
    """Backward pass of spatial batch norm: (dx, dgamma, dbeta).

    Args:
        dout: (N, C, H, W). cache: from spatial_batchnorm_forward.

    Returns:
        (dx, dgamma, dbeta): (N, C, H, W), (C,), (C,).

    Raises:
        ValueError: if dout's shape differs from the forward output's.

    Hint: the same transpose and reshape as the forward, then your batch
    norm backward, then undo the reshape and the transpose.
    """
    raise NotImplementedError


def fold_batchnorm(
    W: np.ndarray,
    b: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    eps: float = 1e-5,
):
    """Fold an eval-mode batch norm into the affine layer before it.

    The network computes z = x @ W + b, then batch norm in eval mode,
    gamma * (z - running_mean) / sqrt(running_var + eps) + beta. With
    s = gamma / sqrt(running_var + eps) (one scale per output feature):

        W_folded = W * s                          (column m scaled by s[m])
        b_folded = (b - running_mean) * s + beta

    so that x @ W_folded + b_folded equals the two layers for every x: at
    inference the normalisation costs nothing (torch's fuse_linear_bn_eval).

    Args:
        W: (D, M). b, gamma, beta, running_mean, running_var: (M,). eps: as the BN layer's.

    Returns:
        (W_folded, b_folded): (D, M) and (M,), new arrays.

    Raises:
        ValueError: if W is not 2-D or a vector is not (M,) (the message names the shapes).

    Hint: W * s broadcasts s over the rows, i.e. scales the columns; W * s[:, None]
    scales the rows and is wrong (invisible when D == M).
    """
    raise NotImplementedError


def sync_batchnorm_stats(counts: np.ndarray, means: np.ndarray, variances: np.ndarray):
    """Combine per-device batch statistics into the global ones (synchronised batch norm).

    Device k saw counts[k] examples with per-feature mean means[k] and BIASED
    variance variances[k]. Return what one device would have computed on all
    the examples together, without ever seeing them:

        n    = sum_k counts[k]
        mean = sum_k counts[k] * means[k] / n
        var  = sum_k counts[k] * (variances[k] + (means[k] - mean)**2) / n

    (the law of total variance: within-device plus between-device spread).

    Args:
        counts: (K,) examples per device (positive; they may differ).
        means: (K, D). variances: (K, D), biased.

    Returns:
        (mean, var): (D,) and (D,), var biased.

    Raises:
        ValueError: if the shapes do not fit (K,), (K, D), (K, D).

    Hint: do not go through E[x**2] = var + mean**2: for features whose mean
    is large against their spread, E[x**2] - mean**2 subtracts two nearly
    equal numbers and loses every digit.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Independent slow references: plain loops with math.fsum, two-pass variances.


def _stats(values):
    """Mean and biased variance of a list of floats, two-pass and compensated."""
    values = [float(v) for v in values]
    mu = math.fsum(values) / len(values)
    return mu, math.fsum((v - mu) ** 2 for v in values) / len(values)


def _bn_reference(x, gamma, beta, eps=1e-5):
    """Train-mode batch norm, one feature at a time: (out, batch means, biased variances)."""
    N, D = x.shape
    out, means, variances = np.empty((N, D)), np.empty(D), np.empty(D)
    for d in range(D):
        mu, var = _stats(x[:, d])
        means[d], variances[d] = mu, var
        for n in range(N):
            out[n, d] = gamma[d] * (x[n, d] - mu) / math.sqrt(var + eps) + beta[d]
    return out, means, variances


def _bn_eval_reference(x, gamma, beta, mean, var, eps=1e-5):
    out = np.empty(x.shape)
    for n, d in np.ndindex(x.shape):
        out[n, d] = gamma[d] * (x[n, d] - mean[d]) / math.sqrt(var[d] + eps) + beta[d]
    return out


def _ln_reference(x, gamma, beta, eps=1e-5):
    """Layer norm over the last axis, one row at a time."""
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        mu, var = _stats(row)
        for d, value in enumerate(row):
            out[i, d] = gamma[d] * (value - mu) / math.sqrt(var + eps) + beta[d]
    return out.reshape(x.shape)


def _rms_reference(x, gamma, eps=1e-6):
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        scale = 1.0 / math.sqrt(math.fsum(float(v) ** 2 for v in row) / len(row) + eps)
        for d, value in enumerate(row):
            out[i, d] = gamma[d] * value * scale
    return out.reshape(x.shape)


def _gn_reference(x, gamma, beta, groups, eps=1e-5):
    """Group norm: for each example and group of consecutive channels, its own statistics."""
    N, C, H, W = x.shape
    per = C // groups
    out = np.empty(x.shape)
    for n in range(N):
        for g in range(groups):
            channels = range(g * per, (g + 1) * per)
            mu, var = _stats([x[n, c, i, j] for c in channels for i in range(H) for j in range(W)])
            for c in channels:
                for i in range(H):
                    for j in range(W):
                        z = (x[n, c, i, j] - mu) / math.sqrt(var + eps)
                        out[n, c, i, j] = gamma[c] * z + beta[c]
    return out


def _spatial_bn_reference(x, gamma, beta, eps=1e-5):
    """BatchNorm2d in train mode, one channel at a time: (out, means, biased variances)."""
    C = x.shape[1]
    out, means, variances = np.empty(x.shape), np.empty(C), np.empty(C)
    for c in range(C):
        mu, var = _stats(x[:, c].ravel())
        means[c], variances[c] = mu, var
        out[:, c] = gamma[c] * (x[:, c] - mu) / math.sqrt(var + eps) + beta[c]
    return out, means, variances


def _bn_case(rng, N=6, D=4):
    x = rng.standard_normal((N, D)) * rng.uniform(0.5, 3.0, D) + rng.uniform(-2.0, 2.0, D)
    return x, rng.standard_normal(D), rng.standard_normal(D)


def _assert_raises_naming(fn, shapes, what):
    """fn() must raise ValueError whose message names every shape in `shapes`."""
    with pytest.raises(ValueError) as info:
        fn()
    message = str(info.value)
    for shape in shapes:
        assert str(tuple(shape)) in message, (
            f"{what} raised ValueError({message!r}), which does not name the shape {tuple(shape)}"
        )


# --- batchnorm_forward -------------------------------------------------------


def test_batchnorm_forward_hand_computed_train_output(impl, assert_close):
    # Feature 0: [1, 3, 5], mean 3, biased variance 8/3; feature 1: [2, 6, 10],
    # mean 6, biased variance 32/3. Normalising with the unbiased variances
    # (4 and 16) would give other numbers.
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    gamma, beta = np.array([2.0, -1.0]), np.array([0.5, 0.0])
    out, _ = impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    s0, s1 = math.sqrt(8 / 3 + 1e-5), math.sqrt(32 / 3 + 1e-5)
    expected = [[0.5 - 4 / s0, 4 / s1], [0.5, 0.0], [0.5 + 4 / s0, -4 / s1]]
    assert_close(
        out,
        expected,
        tol=1e-12,
        what="batchnorm_forward(x=[[1, 2], [3, 6], [5, 10]], gamma=[2, -1], beta=[0.5, 0]) "
        "(biased batch variance 8/3 and 32/3, eps=1e-5 inside the root)",
    )


def test_batchnorm_forward_hand_computed_running_stats_like_torch(impl, assert_close):
    # Absent running stats start at zeros and ones; the new batch gets weight
    # 0.1: running_mean = 0.1 * [3, 6]; running_var = 0.9 * 1 + 0.1 * [4, 16]
    # with the UNBIASED batch variances 4 and 16.
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    bn_param = {"mode": "train"}
    impl.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    what = "bn_param after batchnorm_forward(x=[[1, 2], [3, 6], [5, 10]], {'mode': 'train'})"
    assert {"running_mean", "running_var"} <= set(bn_param), (
        f"{what} has keys {sorted(bn_param)}: store running_mean and running_var in bn_param"
    )
    assert_close(
        bn_param["running_mean"],
        [0.3, 0.6],
        tol=1e-12,
        what=what + "['running_mean'] (0.9 * 0 + 0.1 * batch mean; the batch gets weight 0.1)",
    )
    assert_close(
        bn_param["running_var"],
        [1.3, 2.5],
        tol=1e-12,
        what=what + "['running_var'] (0.9 * 1 + 0.1 * UNBIASED batch variance [4, 16])",
    )


def test_batchnorm_forward_matches_loop_reference(impl, rng, assert_close):
    x, gamma, beta = _bn_case(rng, N=7, D=4)
    out, _ = impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    expected, _, _ = _bn_reference(x, gamma, beta)
    assert_close(
        out,
        expected,
        tol=1e-10,
        what="batchnorm_forward(x (7, 4), gamma (4,), beta (4,), train) "
        "(statistics over the batch axis 0, per feature)",
    )


def test_batchnorm_forward_running_stats_over_several_steps(impl, rng, assert_close):
    # Given momentum 0.3 and given starting statistics, three batches of
    # different sizes; the expected values follow torch's update in a loop.
    D, momentum = 3, 0.3
    rm, rv = rng.standard_normal(D), rng.uniform(0.5, 2.0, D)
    bn_param = {"mode": "train", "momentum": momentum, "running_mean": rm, "running_var": rv}
    for step, N in enumerate((4, 6, 3)):
        x, gamma, beta = _bn_case(rng, N=N, D=D)
        impl.batchnorm_forward(x, gamma, beta, bn_param)
        _, mean, var = _bn_reference(x, gamma, beta)
        rm = (1 - momentum) * rm + momentum * mean
        rv = (1 - momentum) * rv + momentum * var * N / (N - 1)
        what = f"bn_param after step {step} (batch of {N}) with momentum=0.3"
        assert_close(
            bn_param["running_mean"],
            rm,
            tol=1e-12,
            what=what + " ['running_mean'] = 0.7 * old + 0.3 * batch mean",
        )
        assert_close(
            bn_param["running_var"],
            rv,
            tol=1e-12,
            what=what + " ['running_var'] = 0.7 * old + 0.3 * batch var * N / (N - 1)",
        )


def test_batchnorm_forward_momentum_zero_freezes_running_stats(impl, rng, assert_close):
    # momentum=0 is a valid value (falsy): bn_param.get("momentum") or 0.1 breaks it.
    x, gamma, beta = _bn_case(rng)
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    bn_param = {"mode": "train", "momentum": 0.0, "running_mean": rm, "running_var": rv}
    impl.batchnorm_forward(x, gamma, beta, bn_param)
    what = "batchnorm_forward(..., bn_param with momentum=0.0)"
    assert_close(bn_param["running_mean"], rm, tol=0, what=what + " -> running_mean (unchanged)")
    assert_close(bn_param["running_var"], rv, tol=0, what=what + " -> running_var (unchanged)")


@pytest.mark.parametrize("eps", [0.0, 0.5])
def test_batchnorm_forward_uses_the_given_eps(impl, rng, assert_close, eps):
    # eps=0.0 is valid (falsy); eps=0.5 is large enough that where it goes shows.
    x, gamma, beta = _bn_case(rng, N=5, D=3)
    out, _ = impl.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    expected, _, _ = _bn_reference(x, gamma, beta, eps=eps)
    assert_close(
        out, expected, tol=1e-10, what=f"batchnorm_forward(x (5, 3), ..., bn_param eps={eps})"
    )


def test_batchnorm_forward_adds_eps_inside_the_square_root(impl, assert_close):
    # Values +-0.003: biased variance 9e-6, comparable to eps = 1e-5. Inside the
    # root: 0.003 / sqrt(1.9e-5) = 0.688; 0.003 / (0.003 + 1e-5) = 0.997 is wrong.
    x = np.array([[0.003], [-0.003]])
    out, _ = impl.batchnorm_forward(x, np.ones(1), np.zeros(1), {"mode": "train"})
    s = 0.003 / math.sqrt(9e-6 + 1e-5)
    assert_close(
        out,
        [[s], [-s]],
        tol=1e-12,
        what="batchnorm_forward(x=[[0.003], [-0.003]], default eps) (x / sqrt(var + eps))",
    )


def test_batchnorm_forward_is_accurate_for_a_feature_with_a_large_mean(impl, rng, assert_close):
    # A feature around 1e8 with spread ~1 (think raw timestamps, or a channel
    # after a large bias). mean(x**2) - mean(x)**2 subtracts two numbers near
    # 1e16, whose spacing is 2: the variance loses every digit or turns negative.
    x = 1e8 + rng.standard_normal((8, 3)) * np.array([1.0, 0.5, 2.0])
    gamma, beta = np.ones(3), np.zeros(3)
    bn_param = {"mode": "train"}
    out, _ = impl.batchnorm_forward(x, gamma, beta, bn_param)
    expected, _, var = _bn_reference(x, gamma, beta)
    what = "batchnorm_forward(x = 1e8 + noise (8, 3)) "
    assert_close(out, expected, tol=1e-6, what=what + "-> out (use the two-pass variance)")
    assert_close(
        bn_param["running_var"], 0.9 + 0.1 * var * 8 / 7, tol=1e-6, what=what + "-> running_var"
    )


def test_batchnorm_forward_does_not_modify_x_gamma_beta(impl, rng, call_untouched):
    x, gamma, beta = _bn_case(rng)
    bn_param = {"mode": "train", "running_mean": np.zeros(4), "running_var": np.ones(4)}
    call_untouched(
        impl.batchnorm_forward,
        x,
        gamma,
        beta,
        bn_param,
        mutable=("bn_param",),
        what="batchnorm_forward(x, gamma, beta, bn_param) in train mode",
    )


def test_batchnorm_forward_stores_new_running_arrays(impl, rng, assert_close):
    # Decision (documented in the docstring): the arrays bn_param held are not
    # written into; new arrays are stored, and no other key is added.
    x, gamma, beta = _bn_case(rng, N=5, D=4)
    old_mean, old_var = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4)
    keep_mean, keep_var = old_mean.copy(), old_var.copy()
    bn_param = {"mode": "train", "running_mean": old_mean, "running_var": old_var}
    impl.batchnorm_forward(x, gamma, beta, bn_param)
    untouched = np.array_equal(old_mean, keep_mean) and np.array_equal(old_var, keep_var)
    assert untouched, (
        "batchnorm_forward wrote into the running_mean / running_var arrays the caller put in "
        "bn_param: store new arrays (bn_param['running_mean'] = (1 - m) * old + m * mu)"
    )
    assert set(bn_param) == {"mode", "running_mean", "running_var"}, (
        f"bn_param has keys {sorted(bn_param)} after a train step, expected only "
        "['mode', 'running_mean', 'running_var']"
    )
    _, mean, var = _bn_reference(x, gamma, beta)
    assert_close(
        bn_param["running_mean"],
        0.9 * keep_mean + 0.1 * mean,
        tol=1e-12,
        what="bn_param['running_mean'] after one train step from given statistics",
    )
    assert_close(
        bn_param["running_var"],
        0.9 * keep_var + 0.1 * var * 5 / 4,
        tol=1e-12,
        what="bn_param['running_var'] after one train step from given statistics",
    )


def test_batchnorm_forward_eval_uses_running_stats(impl, assert_close):
    # (x - running_mean) / sqrt(running_var + eps): with running_var = 4 - eps
    # the root is exactly 2. The batch's own statistics play no part.
    eps = 1e-5
    x = np.array([[3.0, 0.0, 1.0], [5.0, 2.0, 1.0]])
    bn_param = {
        "mode": "eval",
        "running_mean": np.array([1.0, 2.0, -1.0]),
        "running_var": np.array([4.0, 1.0, 0.25]) - eps,
    }
    gamma, beta = np.array([1.0, 2.0, -1.0]), np.array([0.0, 1.0, 0.5])
    out, _ = impl.batchnorm_forward(x, gamma, beta, bn_param)
    assert_close(
        out,
        [[1.0, -3.0, -3.5], [2.0, 1.0, -3.5]],
        tol=1e-12,
        what="batchnorm_forward in eval mode, running_mean [1, 2, -1], running_var + eps "
        "[4, 1, 0.25] (the running statistics, not the batch's)",
    )


def test_batchnorm_forward_eval_uses_the_given_eps(impl, assert_close):
    # Eval mode reads eps from bn_param too: running_var + eps = [4, 1] exactly
    # with eps = 0.5, so out = (x - running_mean) / [2, 1]. A hard-coded 1e-5
    # gives (x - mean) / sqrt([3.5, 0.5]).
    bn_param = {
        "mode": "eval",
        "eps": 0.5,
        "running_mean": np.array([1.0, -1.0]),
        "running_var": np.array([3.5, 0.5]),
    }
    x = np.array([[3.0, 0.0], [-1.0, 2.0]])
    out, _ = impl.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    assert_close(
        out,
        [[1.0, 1.0], [-1.0, 3.0]],
        tol=1e-12,
        what="batchnorm_forward(x=[[3, 0], [-1, 2]], ones, zeros, eval bn_param with eps=0.5, "
        "running_mean=[1, -1], running_var=[3.5, 0.5]) (sqrt(running_var + 0.5) = [2, 1])",
    )


def test_batchnorm_forward_eval_leaves_bn_param_untouched(impl, rng, call_untouched):
    # Not mutable here: eval mode must neither update nor add anything.
    x, gamma, beta = _bn_case(rng)
    bn_param = {
        "mode": "eval",
        "eps": 1e-3,
        "momentum": 0.2,
        "running_mean": rng.standard_normal(4),
        "running_var": rng.uniform(0.5, 2.0, 4),
    }
    call_untouched(
        impl.batchnorm_forward,
        x,
        gamma,
        beta,
        bn_param,
        what="batchnorm_forward(x, gamma, beta, bn_param) in EVAL mode "
        "(running statistics must not move at test time)",
    )


def test_batchnorm_forward_eval_without_running_stats_uses_zeros_and_ones(
    impl, rng, assert_close, call_untouched
):
    x, gamma, beta = _bn_case(rng, N=3, D=4)
    bn_param = {"mode": "eval"}
    out, _ = call_untouched(
        impl.batchnorm_forward,
        x,
        gamma,
        beta,
        bn_param,
        what="batchnorm_forward(..., {'mode': 'eval'}) (no key may be added in eval mode)",
    )
    assert_close(
        out,
        gamma * x / math.sqrt(1 + 1e-5) + beta,
        tol=1e-12,
        what="batchnorm_forward(x (3, 4), ..., {'mode': 'eval'}) (running stats zeros and ones)",
    )


def test_batchnorm_forward_eval_treats_each_example_alone(impl, rng, assert_close):
    # Eval mode on a batch of one (allowed, never squeezed) gives the same row
    # as in a full batch.
    x, gamma, beta = _bn_case(rng, N=5, D=4)
    stats = {"running_mean": rng.standard_normal(4), "running_var": rng.uniform(0.5, 2.0, 4)}
    full, _ = impl.batchnorm_forward(x, gamma, beta, {"mode": "eval", **stats})
    one, _ = impl.batchnorm_forward(x[2:3], gamma, beta, {"mode": "eval", **stats})
    assert_close(
        one,
        np.asarray(full)[2:3],
        tol=1e-14,
        what="batchnorm_forward(x[2:3] (1, 4), eval) against row 2 of the full batch",
    )


def test_batchnorm_forward_mode_defaults_to_train(impl, rng, assert_close):
    # No "mode" key: train mode, as a freshly built torch module (batch
    # statistics, running statistics stored). Not a KeyError, not eval mode.
    x, gamma, beta = _bn_case(rng, N=5, D=3)
    bn_param = {}
    out, _ = impl.batchnorm_forward(x, gamma, beta, bn_param)
    expected, mean, var = _bn_reference(x, gamma, beta)
    what = "batchnorm_forward(x (5, 3), gamma, beta, bn_param={}) (absent mode means 'train')"
    assert_close(out, expected, tol=1e-10, what=what + " -> out (batch statistics)")
    assert {"running_mean", "running_var"} <= set(bn_param), (
        f"{what}: bn_param has keys {sorted(bn_param)} afterwards, expected the running "
        "statistics of a train step"
    )
    assert_close(bn_param["running_mean"], 0.1 * mean, tol=1e-12, what=what + " -> running_mean")
    assert_close(
        bn_param["running_var"], 0.9 + 0.1 * var * 5 / 4, tol=1e-12, what=what + " -> running_var"
    )


def test_batchnorm_forward_train_rejects_a_batch_of_one(impl, rng):
    # torch: "Expected more than 1 value per channel when training".
    x, gamma, beta = _bn_case(rng, N=1, D=3)
    with pytest.raises(ValueError, match=re.escape("(1, 3)")):
        impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})


def test_batchnorm_forward_rejects_an_unknown_mode(impl, rng):
    x, gamma, beta = _bn_case(rng)
    with pytest.raises(ValueError, match="test"):
        impl.batchnorm_forward(x, gamma, beta, {"mode": "test"})


@pytest.mark.parametrize("bad", ["gamma", "beta", "running_mean", "running_var"])
def test_batchnorm_forward_rejects_mismatched_shapes(impl, rng, bad):
    x, gamma, beta = _bn_case(rng, N=6, D=4)
    args = {"gamma": gamma, "beta": beta}
    bn_param = {"mode": "train", "running_mean": np.zeros(4), "running_var": np.ones(4)}
    wrong = np.ones(5)
    if bad in args:
        args[bad] = wrong
    else:
        bn_param[bad] = wrong
    _assert_raises_naming(
        lambda: impl.batchnorm_forward(x, args["gamma"], args["beta"], bn_param),
        [x.shape, wrong.shape],
        f"batchnorm_forward(x (6, 4), ... {bad} (5,))",
    )


# --- batchnorm_backward and batchnorm_backward_alt ---------------------------


def _check_bn_backward(backward, impl, rng, num_vjp, assert_close, name, wrt, shape):
    N, D = shape
    x, gamma, beta = _bn_case(rng, N=N, D=D)
    _, cache = impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dout = rng.standard_normal((N, D))
    grads = dict(zip(("x", "gamma", "beta"), backward(dout, cache), strict=True))
    inputs = {"x": x, "gamma": gamma, "beta": beta}

    def forward(value):
        args = {**inputs, wrt: value}
        return _bn_reference(args["x"], args["gamma"], args["beta"])[0]

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout),
        tol=1e-7,
        what=f"{name}(random dout {shape}, train cache of x {shape}) -> d{wrt} "
        "(against the numerical VJP; tolerance 1e-7; a correct backward agrees to ~1e-8)",
    )


def _check_bn_backward_eval(backward, impl, rng, num_vjp, assert_close, name, wrt):
    x, gamma, beta = _bn_case(rng, N=5, D=3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    bn_param = {"mode": "eval", "running_mean": mean, "running_var": var}
    _, cache = impl.batchnorm_forward(x, gamma, beta, bn_param)
    dout = rng.standard_normal((5, 3))
    grads = dict(zip(("x", "gamma", "beta"), backward(dout, cache), strict=True))
    inputs = {"x": x, "gamma": gamma, "beta": beta}

    def forward(value):
        args = {**inputs, wrt: value}
        return _bn_eval_reference(args["x"], args["gamma"], args["beta"], mean, var)

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout, h=1e-3),  # linear in each input: exact
        tol=1e-8,
        what=f"{name}(random dout, EVAL-mode cache) -> d{wrt} (eval mode is a fixed "
        "affine map: dx = dout * gamma / sqrt(running_var + eps))",
    )


def _check_bn_backward_projections(backward, impl, rng, name):
    # Shifting or scaling a feature across the batch does not change xhat, so
    # dx sums to 0 over the batch and (exactly when eps = 0) is orthogonal to
    # xhat, per feature. A backward that treats mean and variance as constants
    # has neither property. Measured relative to the size of the terms summed.
    x, gamma, beta = _bn_case(rng, N=6, D=3)
    _, cache = impl.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": 0.0})
    dx, _, _ = backward(rng.standard_normal((6, 3)), cache)
    dx = np.asarray(dx)
    xhat = (x - x.mean(axis=0)) / x.std(axis=0)
    for label, terms in (("dx", dx), ("dx * xhat", dx * xhat)):
        ratio = np.abs(terms.sum(axis=0)) / np.abs(terms).sum(axis=0)
        assert np.all(ratio < 1e-12), (
            f"{name}(random dout (6, 3), train cache with eps=0): the sum over the batch of "
            f"{label}, relative to the sum of its absolute values, is {ratio}, expected 0 "
            "(below 1e-12) for every feature: dx must sum to 0 and be orthogonal to xhat"
        )


def _check_bn_backward_batch_of_two(backward, impl, rng, assert_close, name):
    # N = 2 in closed form: with a = (x1 - x2) / 2 per feature, xhat = +-a / sqrt(a^2 + eps),
    # so L = gamma (dout1 - dout2) f(a) + const, f'(a) = eps / (a^2 + eps)^(3/2), and
    # dx1 = -dx2 = gamma (dout1 - dout2) f'(a) / 2. Whatever x is, the output is
    # nearly +-gamma + beta: with eps = 0.5 the gradient is large enough to see.
    eps = 0.5
    x, gamma, beta = _bn_case(rng, N=2, D=3)
    dout = rng.standard_normal((2, 3))
    _, cache = impl.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})
    dx, _, _ = backward(dout, cache)
    a = (x[0] - x[1]) / 2
    dx1 = gamma * (dout[0] - dout[1]) * eps / (a * a + eps) ** 1.5 / 2
    assert_close(
        dx,
        np.stack([dx1, -dx1]),
        tol=1e-12,
        what=f"{name}(random dout (2, 3), train cache of x (2, 3) with eps=0.5) -> dx "
        "(closed form for a batch of two)",
    )


def _check_bn_backward_untouched(backward, impl, rng, call_untouched, name):
    x, gamma, beta = _bn_case(rng)
    _, cache = impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    call_untouched(backward, rng.standard_normal(x.shape), cache, what=f"{name}(dout, cache)")


def _check_bn_backward_rejects(backward, impl, rng, name):
    x, gamma, beta = _bn_case(rng, N=6, D=4)
    _, cache = impl.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    bad = rng.standard_normal((4, 6))
    _assert_raises_naming(lambda: backward(bad, cache), [bad.shape], f"{name}(dout (4, 6), ...)")


@pytest.mark.parametrize("shape", [(5, 3), (3, 4)])
@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_batchnorm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt, shape):
    _check_bn_backward(
        impl.batchnorm_backward, impl, rng, num_vjp, assert_close, "batchnorm_backward", wrt, shape
    )


@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_batchnorm_backward_eval_mode_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    _check_bn_backward_eval(
        impl.batchnorm_backward, impl, rng, num_vjp, assert_close, "batchnorm_backward", wrt
    )


def test_batchnorm_backward_dx_sums_to_zero_and_is_orthogonal_to_xhat(impl, rng):
    _check_bn_backward_projections(impl.batchnorm_backward, impl, rng, "batchnorm_backward")


def test_batchnorm_backward_batch_of_two_closed_form(impl, rng, assert_close):
    _check_bn_backward_batch_of_two(
        impl.batchnorm_backward, impl, rng, assert_close, "batchnorm_backward"
    )


def test_batchnorm_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    _check_bn_backward_untouched(
        impl.batchnorm_backward, impl, rng, call_untouched, "batchnorm_backward"
    )


def test_batchnorm_backward_rejects_mismatched_dout(impl, rng):
    _check_bn_backward_rejects(impl.batchnorm_backward, impl, rng, "batchnorm_backward")


@pytest.mark.parametrize("shape", [(5, 3), (3, 4)])
@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_batchnorm_backward_alt_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt, shape):
    _check_bn_backward(
        impl.batchnorm_backward_alt,
        impl,
        rng,
        num_vjp,
        assert_close,
        "batchnorm_backward_alt",
        wrt,
        shape,
    )


@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_batchnorm_backward_alt_eval_mode_matches_numerical_vjp(
    impl, rng, num_vjp, assert_close, wrt
):
    _check_bn_backward_eval(
        impl.batchnorm_backward_alt, impl, rng, num_vjp, assert_close, "batchnorm_backward_alt", wrt
    )


def test_batchnorm_backward_alt_dx_sums_to_zero_and_is_orthogonal_to_xhat(impl, rng):
    _check_bn_backward_projections(impl.batchnorm_backward_alt, impl, rng, "batchnorm_backward_alt")


def test_batchnorm_backward_alt_batch_of_two_closed_form(impl, rng, assert_close):
    _check_bn_backward_batch_of_two(
        impl.batchnorm_backward_alt, impl, rng, assert_close, "batchnorm_backward_alt"
    )


def test_batchnorm_backward_alt_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    _check_bn_backward_untouched(
        impl.batchnorm_backward_alt, impl, rng, call_untouched, "batchnorm_backward_alt"
    )


def test_batchnorm_backward_alt_rejects_mismatched_dout(impl, rng):
    _check_bn_backward_rejects(impl.batchnorm_backward_alt, impl, rng, "batchnorm_backward_alt")


# --- layernorm_forward / layernorm_backward -----------------------------------


def test_layernorm_forward_hand_computed(impl, assert_close):
    # Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25; row [2, 2, 2, 6]: mean 3,
    # variance 3. Each row on its own, whatever the other row holds.
    x = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 6.0]])
    out, _ = impl.layernorm_forward(x, np.ones(4), np.zeros(4))
    s0, s1 = math.sqrt(1.25 + 1e-5), math.sqrt(3.0 + 1e-5)
    expected = [[-1.5 / s0, -0.5 / s0, 0.5 / s0, 1.5 / s0], [-1 / s1, -1 / s1, -1 / s1, 3 / s1]]
    assert_close(
        out,
        expected,
        tol=1e-12,
        what="layernorm_forward([[1, 2, 3, 4], [2, 2, 2, 6]], ones, zeros) (per row, biased var)",
    )


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
def test_layernorm_forward_matches_loop_reference(impl, rng, assert_close, shape):
    x = rng.standard_normal(shape) * 2.0 + 1.0
    gamma, beta = rng.standard_normal(shape[-1]), rng.standard_normal(shape[-1])
    out, _ = impl.layernorm_forward(x, gamma, beta)
    assert_close(
        out,
        _ln_reference(x, gamma, beta),
        tol=1e-10,
        what=f"layernorm_forward(x {shape}, gamma, beta) (statistics over the LAST axis)",
    )


def test_layernorm_forward_uses_the_given_eps(impl, assert_close):
    # Row [0.003, -0.003]: variance 9e-6; eps=1e-5 inside the root gives 0.688.
    x = np.array([[0.003, -0.003]])
    out, _ = impl.layernorm_forward(x, np.ones(2), np.zeros(2))
    s = 0.003 / math.sqrt(9e-6 + 1e-5)
    assert_close(out, [[s, -s]], tol=1e-12, what="layernorm_forward([[0.003, -0.003]]) (eps=1e-5)")
    out, _ = impl.layernorm_forward(x, np.ones(2), np.zeros(2), eps=0.0)
    assert_close(out, [[1.0, -1.0]], tol=1e-12, what="layernorm_forward([[0.003, -0.003]], eps=0)")


def test_layernorm_forward_single_feature_gives_beta(impl, assert_close):
    # D = 1: x - mean is 0, so the output is beta for any x (torch agrees).
    x = np.array([[3.0], [-7.0], [0.5]])
    out, _ = impl.layernorm_forward(x, np.array([2.0]), np.array([0.25]))
    assert_close(
        out, [[0.25]] * 3, tol=0, what="layernorm_forward(x (3, 1), gamma=[2], beta=[0.25])"
    )


def test_layernorm_forward_is_accurate_for_rows_with_a_large_mean(impl, rng, assert_close):
    x = 1e8 + rng.standard_normal((3, 6))
    out, _ = impl.layernorm_forward(x, np.ones(6), np.zeros(6))
    assert_close(
        out,
        _ln_reference(x, np.ones(6), np.zeros(6)),
        tol=1e-6,
        what="layernorm_forward(1e8 + noise (3, 6)) (two-pass variance, not E[x^2] - E[x]^2)",
    )


def test_layernorm_forward_batch_of_one_is_not_squeezed(impl, rng, assert_close):
    x, gamma, beta = rng.standard_normal((1, 5)), rng.standard_normal(5), rng.standard_normal(5)
    out, _ = impl.layernorm_forward(x, gamma, beta)
    assert_close(
        out, _ln_reference(x, gamma, beta), tol=1e-10, what="layernorm_forward(x (1, 5), ...)"
    )


def test_layernorm_forward_does_not_modify_inputs(impl, rng, call_untouched):
    x = rng.standard_normal((2, 3, 4))
    call_untouched(
        impl.layernorm_forward, x, rng.standard_normal(4), rng.standard_normal(4), eps=1e-5
    )


@pytest.mark.parametrize("bad", ["gamma", "beta"])
def test_layernorm_forward_rejects_mismatched_shapes(impl, rng, bad):
    x = rng.standard_normal((5, 4))
    args = {"gamma": np.ones(4), "beta": np.zeros(4), bad: np.ones(5)}
    _assert_raises_naming(
        lambda: impl.layernorm_forward(x, args["gamma"], args["beta"]),
        [(5, 4), (5,)],
        f"layernorm_forward(x (5, 4), ... {bad} (5,))",
    )


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4)])
@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_layernorm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt, shape):
    D = shape[-1]
    inputs = {"x": rng.standard_normal(shape) * 1.5 + 0.5}
    inputs |= {"gamma": rng.standard_normal(D), "beta": rng.standard_normal(D)}
    _, cache = impl.layernorm_forward(inputs["x"], inputs["gamma"], inputs["beta"])
    dout = rng.standard_normal(shape)
    grads = dict(zip(("x", "gamma", "beta"), impl.layernorm_backward(dout, cache), strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        return _ln_reference(args["x"], args["gamma"], args["beta"])

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout),
        tol=1e-7,
        what=f"layernorm_backward(random dout {shape}, cache) -> d{wrt} "
        "(dgamma, dbeta sum over every leading axis; tolerance 1e-7; a correct backward "
        "agrees to ~1e-8)",
    )


def test_layernorm_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    x = rng.standard_normal((3, 5))
    _, cache = impl.layernorm_forward(x, rng.standard_normal(5), rng.standard_normal(5))
    call_untouched(impl.layernorm_backward, rng.standard_normal((3, 5)), cache)


def test_layernorm_backward_rejects_mismatched_dout(impl, rng):
    _, cache = impl.layernorm_forward(rng.standard_normal((3, 5)), np.ones(5), np.zeros(5))
    bad = rng.standard_normal((5, 3))
    _assert_raises_naming(
        lambda: impl.layernorm_backward(bad, cache), [(5, 3)], "layernorm_backward(dout (5, 3))"
    )


# --- rmsnorm_forward / rmsnorm_backward ---------------------------------------


def test_rmsnorm_forward_does_not_subtract_the_mean(impl, assert_close):
    # A constant row [3, 3, 3]: RMS 3, so out = gamma * 3 / sqrt(9 + 1e-6);
    # layer norm would give 0. Row [3, -4, 0, 0]... mean square 25 / 4.
    x = np.array([[3.0, 3.0, 3.0, 3.0], [3.0, -4.0, 0.0, 0.0]])
    gamma = np.array([1.0, 2.0, -1.0, 0.5])
    out, _ = impl.rmsnorm_forward(x, gamma)
    r0, r1 = 1 / math.sqrt(9 + 1e-6), 1 / math.sqrt(6.25 + 1e-6)
    expected = [[3 * r0, 6 * r0, -3 * r0, 1.5 * r0], [3 * r1, -8 * r1, 0.0, 0.0]]
    assert_close(
        out,
        expected,
        tol=1e-12,
        what="rmsnorm_forward([[3, 3, 3, 3], [3, -4, 0, 0]], gamma=[1, 2, -1, 0.5]) "
        "(x / sqrt(mean(x^2) + 1e-6) * gamma, no mean subtraction, no beta)",
    )


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5)])
def test_rmsnorm_forward_matches_loop_reference(impl, rng, assert_close, shape):
    x = rng.standard_normal(shape) + 0.7
    gamma = rng.standard_normal(shape[-1])
    out, _ = impl.rmsnorm_forward(x, gamma)
    assert_close(
        out, _rms_reference(x, gamma), tol=1e-10, what=f"rmsnorm_forward(x {shape}, gamma)"
    )


def test_rmsnorm_forward_default_eps_is_1e_6_inside_the_root(impl, assert_close):
    # Row [0.001, -0.001]: mean square 1e-6, equal to eps. sqrt(1e-6 + 1e-6)
    # gives 1/sqrt(2) = 0.7071; (rms + eps) gives 0.999; torch's own default eps
    # (2.2e-16) gives 1.
    x = np.array([[0.001, -0.001]])
    out, _ = impl.rmsnorm_forward(x, np.ones(2))
    s = 0.001 / math.sqrt(2e-6)
    assert_close(
        out,
        [[s, -s]],
        tol=1e-12,
        what="rmsnorm_forward([[0.001, -0.001]], ones) (default eps=1e-6, added to mean(x^2))",
    )
    out, _ = impl.rmsnorm_forward(x, np.ones(2), eps=0.0)
    assert_close(
        out, [[1.0, -1.0]], tol=1e-12, what="rmsnorm_forward([[0.001, -0.001]], ones, eps=0)"
    )


def test_rmsnorm_forward_batch_of_one_is_not_squeezed(impl, rng, assert_close):
    x, gamma = rng.standard_normal((1, 1, 4)), rng.standard_normal(4)
    out, _ = impl.rmsnorm_forward(x, gamma)
    assert_close(out, _rms_reference(x, gamma), tol=1e-10, what="rmsnorm_forward(x (1, 1, 4), ...)")


def test_rmsnorm_forward_does_not_modify_inputs(impl, rng, call_untouched):
    call_untouched(impl.rmsnorm_forward, rng.standard_normal((3, 4)), rng.standard_normal(4))


def test_rmsnorm_forward_rejects_mismatched_gamma(impl, rng):
    _assert_raises_naming(
        lambda: impl.rmsnorm_forward(rng.standard_normal((4, 6)), np.ones(4)),
        [(4, 6), (4,)],
        "rmsnorm_forward(x (4, 6), gamma (4,))",
    )


@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 5)])
@pytest.mark.parametrize("wrt", ["x", "gamma"])
def test_rmsnorm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt, shape):
    inputs = {"x": rng.standard_normal(shape) + 0.3, "gamma": rng.standard_normal(shape[-1])}
    _, cache = impl.rmsnorm_forward(inputs["x"], inputs["gamma"])
    dout = rng.standard_normal(shape)
    grads = dict(zip(("x", "gamma"), impl.rmsnorm_backward(dout, cache), strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        return _rms_reference(args["x"], args["gamma"])

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout),
        tol=1e-7,
        what=f"rmsnorm_backward(random dout {shape}, cache) -> d{wrt} "
        "(tolerance 1e-7; a correct backward agrees to ~1e-8)",
    )


def test_rmsnorm_backward_at_the_eps_scale(impl, rng, num_vjp, assert_close):
    # Inputs of size 1e-3, where eps = 1e-6 is comparable to mean(x^2): a
    # backward that drops eps from r (or puts it elsewhere) is wrong here.
    x, gamma = rng.standard_normal((3, 4)) * 1e-3, rng.standard_normal(4)
    _, cache = impl.rmsnorm_forward(x, gamma)
    dout = rng.standard_normal((3, 4))
    dx, _ = impl.rmsnorm_backward(dout, cache)
    assert_close(
        dx,
        num_vjp(lambda z: _rms_reference(z, gamma), x, dout, h=1e-9),
        tol=1e-6,
        what="rmsnorm_backward(random dout, cache of x ~ 1e-3 (3, 4)) -> dx",
    )


def test_rmsnorm_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    _, cache = impl.rmsnorm_forward(rng.standard_normal((3, 4)), rng.standard_normal(4))
    call_untouched(impl.rmsnorm_backward, rng.standard_normal((3, 4)), cache)


def test_rmsnorm_backward_rejects_mismatched_dout(impl, rng):
    _, cache = impl.rmsnorm_forward(rng.standard_normal((3, 4)), np.ones(4))
    bad = rng.standard_normal((4, 3))
    _assert_raises_naming(
        lambda: impl.rmsnorm_backward(bad, cache), [(4, 3)], "rmsnorm_backward(dout (4, 3))"
    )


# --- groupnorm_forward / groupnorm_backward ------------------------------------


@pytest.mark.parametrize("groups", [1, 2, 3, 6])
def test_groupnorm_forward_matches_loop_reference(impl, rng, assert_close, groups):
    # groups=1: layer norm over (C, H, W); groups=6=C: instance norm.
    x = rng.standard_normal((2, 6, 3, 2)) * 2.0 + rng.standard_normal((1, 6, 1, 1))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    out, _ = impl.groupnorm_forward(x, gamma, beta, groups)
    assert_close(
        out,
        _gn_reference(x, gamma, beta, groups),
        tol=1e-10,
        what=f"groupnorm_forward(x (2, 6, 3, 2), gamma (6,), beta (6,), groups={groups}) "
        "(groups of consecutive channels, per-channel gamma and beta)",
    )


@pytest.mark.parametrize("eps", [0.0, 0.5])
def test_groupnorm_forward_uses_the_given_eps(impl, rng, assert_close, eps):
    # eps=0 is valid (falsy); eps=0.5 is large enough against a variance ~1 to show.
    x = rng.standard_normal((2, 4, 2, 3))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    out, _ = impl.groupnorm_forward(x, gamma, beta, 2, eps=eps)
    assert_close(
        out,
        _gn_reference(x, gamma, beta, 2, eps=eps),
        tol=1e-10,
        what=f"groupnorm_forward(x (2, 4, 2, 3), gamma, beta, groups=2, eps={eps})",
    )


def test_groupnorm_forward_batch_of_one_is_not_squeezed(impl, rng, assert_close):
    # Statistics per example: a batch of one gives example 1's rows of the full output.
    x = rng.standard_normal((3, 4, 2, 5))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    full, _ = impl.groupnorm_forward(x, gamma, beta, 2)
    one, _ = impl.groupnorm_forward(x[1:2], gamma, beta, 2)
    assert_close(
        one,
        np.asarray(full)[1:2],
        tol=1e-14,
        what="groupnorm_forward(x[1:2] (1, 4, 2, 5), groups=2) against example 1 of the batch",
    )


def test_groupnorm_forward_does_not_modify_inputs(impl, rng, call_untouched):
    x = rng.standard_normal((2, 4, 3, 3))
    call_untouched(impl.groupnorm_forward, x, rng.standard_normal(4), rng.standard_normal(4), 2)


def test_groupnorm_forward_rejects_groups_that_do_not_divide_channels(impl, rng):
    # 6 channels in 4 groups: x.reshape(2, 4, -1) still succeeds here (24 values
    # per example), silently mixing channels across groups. Check C % groups.
    x = rng.standard_normal((2, 6, 2, 2))
    _assert_raises_naming(
        lambda: impl.groupnorm_forward(x, np.ones(6), np.zeros(6), 4),
        [x.shape],
        "groupnorm_forward(x (2, 6, 2, 2), gamma (6,), beta (6,), groups=4)",
    )


def test_groupnorm_forward_rejects_gamma_per_group(impl, rng):
    # gamma and beta are per CHANNEL (C,), not per group.
    x = rng.standard_normal((2, 6, 3, 3))
    _assert_raises_naming(
        lambda: impl.groupnorm_forward(x, np.ones(3), np.zeros(3), 3),
        [(2, 6, 3, 3), (3,)],
        "groupnorm_forward(x (2, 6, 3, 3), gamma (3,), beta (3,), groups=3)",
    )


@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_groupnorm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    shape, groups = (2, 6, 3, 2), 3
    inputs = {"x": rng.standard_normal(shape) + 0.5}
    inputs |= {"gamma": rng.standard_normal(6), "beta": rng.standard_normal(6)}
    _, cache = impl.groupnorm_forward(inputs["x"], inputs["gamma"], inputs["beta"], groups)
    dout = rng.standard_normal(shape)
    grads = dict(zip(("x", "gamma", "beta"), impl.groupnorm_backward(dout, cache), strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        return _gn_reference(args["x"], args["gamma"], args["beta"], groups)

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout),
        tol=1e-7,
        what=f"groupnorm_backward(random dout {shape}, cache, groups=3) -> d{wrt} "
        "(tolerance 1e-7; a correct backward agrees to ~1e-8)",
    )


def test_groupnorm_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    _, cache = impl.groupnorm_forward(rng.standard_normal((2, 4, 2, 3)), np.ones(4), np.zeros(4), 2)
    call_untouched(impl.groupnorm_backward, rng.standard_normal((2, 4, 2, 3)), cache)


# --- spatial_batchnorm_forward / spatial_batchnorm_backward --------------------


def test_spatial_batchnorm_forward_matches_loop_reference(impl, rng, assert_close):
    x = rng.standard_normal((2, 3, 4, 5)) * 2.0 + rng.standard_normal((1, 3, 1, 1))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    out, _ = impl.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    expected, _, _ = _spatial_bn_reference(x, gamma, beta)
    assert_close(
        out,
        expected,
        tol=1e-10,
        what="spatial_batchnorm_forward(x (2, 3, 4, 5), train) (one mean and variance per "
        "channel over N, H, W; move channels last before flattening)",
    )


def test_spatial_batchnorm_forward_running_stats_use_n_h_w(impl, rng, assert_close):
    # n = N * H * W = 40 values per channel: unbiased variance * 40 / 39.
    x = rng.standard_normal((2, 3, 4, 5)) + rng.standard_normal((1, 3, 1, 1))
    bn_param = {"mode": "train", "momentum": 0.25}
    impl.spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    _, mean, var = _spatial_bn_reference(x, np.ones(3), np.zeros(3))
    what = "bn_param after spatial_batchnorm_forward(x (2, 3, 4, 5), momentum=0.25)"
    assert_close(bn_param["running_mean"], 0.25 * mean, tol=1e-12, what=what + "['running_mean']")
    assert_close(
        bn_param["running_var"],
        0.75 + 0.25 * var * 40 / 39,
        tol=1e-12,
        what=what + "['running_var'] (unbiased over the N * H * W = 40 values)",
    )


def test_spatial_batchnorm_forward_eval_uses_running_stats(impl, rng, assert_close, call_untouched):
    x = rng.standard_normal((2, 3, 2, 4))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    bn_param = {"mode": "eval", "running_mean": mean, "running_var": var}
    out, _ = call_untouched(
        impl.spatial_batchnorm_forward,
        x,
        gamma,
        beta,
        bn_param,
        what="spatial_batchnorm_forward(..., eval bn_param) (eval mode changes nothing)",
    )
    expected = np.empty(x.shape)
    for n, c, i, j in np.ndindex(x.shape):
        expected[n, c, i, j] = gamma[c] * (x[n, c, i, j] - mean[c]) / math.sqrt(var[c] + 1e-5)
        expected[n, c, i, j] += beta[c]
    assert_close(
        out, expected, tol=1e-12, what="spatial_batchnorm_forward(x (2, 3, 2, 4), eval mode)"
    )


def test_spatial_batchnorm_forward_one_image_trains_but_one_pixel_does_not(impl, rng, assert_close):
    # torch: BatchNorm2d trains on a single image (H * W values per channel)
    # and raises for (1, C, 1, 1).
    x = rng.standard_normal((1, 3, 2, 3))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    out, _ = impl.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert_close(
        out,
        _spatial_bn_reference(x, gamma, beta)[0],
        tol=1e-10,
        what="spatial_batchnorm_forward(x (1, 3, 2, 3), train) (one image, 6 values per channel)",
    )
    with pytest.raises(ValueError, match=re.escape("(1, 3, 1, 1)")):
        impl.spatial_batchnorm_forward(x[:, :, :1, :1], gamma, beta, {"mode": "train"})


def test_spatial_batchnorm_forward_eval_accepts_one_pixel(impl, rng, assert_close):
    # The one-value-per-channel error is a TRAIN-mode rule: in eval mode a
    # single 1x1 image is a fixed affine map of the running statistics (torch agrees).
    x = rng.standard_normal((1, 3, 1, 1))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    bn_param = {"mode": "eval", "running_mean": mean, "running_var": var}
    out, _ = impl.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    expected = (gamma * (x[0, :, 0, 0] - mean) / np.sqrt(var + 1e-5) + beta).reshape(1, 3, 1, 1)
    assert_close(
        out,
        expected,
        tol=1e-12,
        what="spatial_batchnorm_forward(x (1, 3, 1, 1), eval bn_param) "
        "(eval mode accepts one pixel)",
    )


def test_spatial_batchnorm_forward_does_not_modify_inputs(impl, rng, call_untouched):
    x = rng.standard_normal((2, 3, 2, 2))
    call_untouched(
        impl.spatial_batchnorm_forward,
        x,
        rng.standard_normal(3),
        rng.standard_normal(3),
        {"mode": "train"},
        mutable=("bn_param",),
    )


def test_spatial_batchnorm_forward_rejects_mismatched_shapes(impl, rng):
    x = rng.standard_normal((2, 3, 4, 5))
    _assert_raises_naming(
        lambda: impl.spatial_batchnorm_forward(x, np.ones(5), np.zeros(5), {"mode": "train"}),
        [(2, 3, 4, 5), (5,)],
        "spatial_batchnorm_forward(x (2, 3, 4, 5), gamma (5,), beta (5,))",
    )


@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_spatial_batchnorm_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, wrt):
    shape = (2, 3, 2, 3)
    inputs = {"x": rng.standard_normal(shape) + rng.standard_normal((1, 3, 1, 1))}
    inputs |= {"gamma": rng.standard_normal(3), "beta": rng.standard_normal(3)}
    _, cache = impl.spatial_batchnorm_forward(
        inputs["x"], inputs["gamma"], inputs["beta"], {"mode": "train"}
    )
    dout = rng.standard_normal(shape)
    grads = impl.spatial_batchnorm_backward(dout, cache)
    grads = dict(zip(("x", "gamma", "beta"), grads, strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        return _spatial_bn_reference(args["x"], args["gamma"], args["beta"])[0]

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout),
        tol=1e-7,
        what=f"spatial_batchnorm_backward(random dout {shape}, train cache) -> d{wrt} "
        "(tolerance 1e-7; a correct backward agrees to ~1e-8)",
    )


@pytest.mark.parametrize("wrt", ["x", "gamma", "beta"])
def test_spatial_batchnorm_backward_eval_mode_matches_numerical_vjp(
    impl, rng, num_vjp, assert_close, wrt
):
    # With an eval-mode cache the layer is a fixed per-channel affine map: the
    # train-mode closed form (batch coupling) is wrong here.
    shape = (2, 3, 2, 3)
    inputs = {"x": rng.standard_normal(shape)}
    inputs |= {"gamma": rng.standard_normal(3), "beta": rng.standard_normal(3)}
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    bn_param = {"mode": "eval", "running_mean": mean, "running_var": var}
    _, cache = impl.spatial_batchnorm_forward(
        inputs["x"], inputs["gamma"], inputs["beta"], bn_param
    )
    dout = rng.standard_normal(shape)
    grads = impl.spatial_batchnorm_backward(dout, cache)
    grads = dict(zip(("x", "gamma", "beta"), grads, strict=True))

    def forward(value):
        args = {**inputs, wrt: value}
        scale = (args["gamma"] / np.sqrt(var + 1e-5))[:, None, None]
        return (args["x"] - mean[:, None, None]) * scale + args["beta"][:, None, None]

    assert_close(
        grads[wrt],
        num_vjp(forward, inputs[wrt], dout, h=1e-3),  # linear in each input: exact
        tol=1e-8,
        what=f"spatial_batchnorm_backward(random dout {shape}, EVAL-mode cache) -> d{wrt} "
        "(eval mode is a fixed affine map per channel: "
        "dx = dout * gamma / sqrt(running_var + eps))",
    )


def test_spatial_batchnorm_backward_does_not_modify_dout_or_cache(impl, rng, call_untouched):
    _, cache = impl.spatial_batchnorm_forward(
        rng.standard_normal((2, 3, 2, 2)), np.ones(3), np.zeros(3), {"mode": "train"}
    )
    call_untouched(impl.spatial_batchnorm_backward, rng.standard_normal((2, 3, 2, 2)), cache)


# --- fold_batchnorm ---------------------------------------------------------------


def _fold_case(rng, D=4, M=3):
    return {
        "W": rng.standard_normal((D, M)),
        "b": rng.standard_normal(M),
        "gamma": rng.standard_normal(M),
        "beta": rng.standard_normal(M),
        "running_mean": rng.standard_normal(M),
        "running_var": rng.uniform(0.2, 3.0, M),
    }


def test_fold_batchnorm_hand_computed(impl, assert_close):
    # One input, two outputs. Scale s = gamma / sqrt(var + eps) with var + eps = [4, 0.25]:
    # s = [3 / 2, -1 / 0.5] = [1.5, -2]; b' = (b - mean) * s + beta.
    eps = 1e-5
    Wf, bf = impl.fold_batchnorm(
        np.array([[1.0, 2.0]]),
        np.array([0.5, 1.0]),
        np.array([3.0, -1.0]),
        np.array([0.0, 1.0]),
        np.array([1.0, -1.0]),
        np.array([4.0, 0.25]) - eps,
    )
    what = "fold_batchnorm(W=[[1, 2]], b=[0.5, 1], gamma=[3, -1], beta=[0, 1], mean=[1, -1], "
    what += "var + eps=[4, 0.25])"
    assert_close(Wf, [[1.5, -4.0]], tol=1e-12, what=what + " -> W_folded (columns times s)")
    assert_close(bf, [-0.75, -3.0], tol=1e-12, what=what + " -> b_folded = (b - mean) * s + beta")


@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_fold_batchnorm_equals_affine_then_eval_batchnorm(impl, rng, assert_close, eps):
    p = _fold_case(rng, D=4, M=3)
    x = rng.standard_normal((5, 4))
    Wf, bf = impl.fold_batchnorm(**p, eps=eps)
    expected = _bn_eval_reference(
        x @ p["W"] + p["b"], p["gamma"], p["beta"], p["running_mean"], p["running_var"], eps
    )
    assert_close(
        x @ np.asarray(Wf) + bf,
        expected,
        tol=1e-10,
        what=f"x @ W_folded + b_folded from fold_batchnorm(W (4, 3), ..., eps={eps}) "
        "against batch norm (eval) of x @ W + b",
    )


def test_fold_batchnorm_does_not_modify_inputs(impl, rng, call_untouched):
    call_untouched(impl.fold_batchnorm, **_fold_case(rng), eps=1e-5)


def test_fold_batchnorm_rejects_mismatched_shapes(impl, rng):
    p = _fold_case(rng, D=4, M=3)
    p["running_var"] = np.ones(4)
    _assert_raises_naming(
        lambda: impl.fold_batchnorm(**p),
        [(4, 3), (4,)],
        "fold_batchnorm(W (4, 3), ..., running_var (4,))",
    )


# --- sync_batchnorm_stats ---------------------------------------------------------


def _device_stats(parts):
    counts = np.array([len(p) for p in parts])
    means = np.array([[_stats(p[:, d])[0] for d in range(p.shape[1])] for p in parts])
    variances = np.array([[_stats(p[:, d])[1] for d in range(p.shape[1])] for p in parts])
    return counts, means, variances


def test_sync_batchnorm_stats_equals_the_stats_of_all_examples(impl, rng, assert_close):
    # Unequal counts (a plain mean of the device means is wrong) and device
    # means far apart (forgetting the between-device term is wrong).
    parts = [
        rng.standard_normal((n, 3)) * s + m for n, s, m in ((3, 1.0, -2), (5, 2.0, 1), (9, 0.5, 4))
    ]
    counts, means, variances = _device_stats(parts)
    mean, var = impl.sync_batchnorm_stats(counts, means, variances)
    everything = np.concatenate(parts)
    true = [_stats(everything[:, d]) for d in range(3)]
    what = "sync_batchnorm_stats(counts=[3, 5, 9], means (3, 3), variances (3, 3))"
    assert_close(mean, [t[0] for t in true], tol=1e-12, what=what + " -> mean of all 17 examples")
    assert_close(var, [t[1] for t in true], tol=1e-12, what=what + " -> biased var of all 17")


def test_sync_batchnorm_stats_is_accurate_for_a_large_mean(impl, rng, assert_close):
    # Mean 1e8, spread ~1: through E[x^2] = var + mean^2 (numbers near 1e16,
    # spaced 2 apart) the variance comes out wrong by order 1.
    parts = [1e8 + rng.standard_normal((n, 2)) for n in (4, 6, 5)]
    counts, means, variances = _device_stats(parts)
    _, var = impl.sync_batchnorm_stats(counts, means, variances)
    everything = np.concatenate(parts)
    assert_close(
        var,
        [_stats(everything[:, d])[1] for d in range(2)],
        tol=1e-7,
        what="sync_batchnorm_stats(...) var for three devices of data 1e8 + N(0, 1) "
        "(within-device variance plus spread of the means; never E[x^2] - mean^2)",
    )


def test_sync_batchnorm_stats_of_one_device_is_its_own(impl, rng, assert_close):
    means, variances = rng.standard_normal((1, 4)), rng.uniform(0.5, 2.0, (1, 4))
    mean, var = impl.sync_batchnorm_stats(np.array([7]), means, variances)
    assert_close(mean, means[0], tol=1e-15, what="sync_batchnorm_stats of one device -> mean")
    assert_close(var, variances[0], tol=1e-15, what="sync_batchnorm_stats of one device -> var")


def test_sync_batchnorm_stats_does_not_modify_inputs(impl, rng, call_untouched):
    parts = [rng.standard_normal((n, 3)) for n in (2, 4)]
    call_untouched(impl.sync_batchnorm_stats, *_device_stats(parts))


def test_sync_batchnorm_stats_rejects_mismatched_shapes(impl, rng):
    counts, means, variances = np.array([3, 4]), rng.standard_normal((2, 5)), np.ones((3, 5))
    _assert_raises_naming(
        lambda: impl.sync_batchnorm_stats(counts, means, variances),
        [(2, 5), (3, 5)],
        "sync_batchnorm_stats(counts (2,), means (2, 5), variances (3, 5))",
    )


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
