"""Topic 11: weight initialization, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``). Read your own attempt first: the comments
here explain why each line is the way it is and which mistakes are common.

Layout: every weight here has shape (fan_in, fan_out), because layers compute
``x @ W`` with x of shape (N, fan_in). PyTorch stores nn.Linear.weight as
(out_features, in_features) = (fan_out, fan_in) and computes x @ W.T, so its
init functions read fan_in from shape[1]. The variances below are PyTorch's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------

_LINEAR_NAMES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's torch.nn.init.calculate_gain table, as a float."""
    if nonlinearity in _LINEAR_NAMES:
        # Identity-like near 0: a linear layer keeps the variance as it is.
        # Sigmoid gets 1 too, although its slope at 0 is 1/4: the table is a
        # convention, not a derivation, for sigmoid.
        return 1.0
    if nonlinearity == "tanh":
        # An empirical choice: for z ~ N(0, 1), E[tanh(z)^2] = 0.394, and
        # 1 / sqrt(0.394) = 1.59, close to 5/3, restores the second moment.
        return 5.0 / 3.0
    if nonlinearity == "relu":
        # E[relu(z)^2] = Var(z) / 2 for symmetric z: the factor 2 restores it.
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01  # PyTorch's default negative_slope
        # bool is a subclass of int: True would silently mean slope 1.
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            # `if param:` here would be the classic mistake: slope 0 is
            # valid (a plain ReLU) and must give sqrt(2), not the default.
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        # E[leaky(z)^2] = (1 + slope^2) Var(z) / 2.
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0  # PyTorch's empirical value (see topic.md: SELU wants 1, i.e. LeCun)
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight in PyTorch's layout (out, in, *kernel)."""
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(
            f"compute_fans: need at least 2 dimensions (out, in, *kernel), got shape {shape}"
        )
    # Each output of a conv sees in_channels * prod(kernel) inputs, and each
    # input feeds out_channels * prod(kernel) outputs.
    receptive_field = math.prod(shape[2:])
    fan_in = shape[1] * receptive_field
    fan_out = shape[0] * receptive_field
    return fan_in, fan_out


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)); shape (fan_in, fan_out)."""
    # Var(U(-a, a)) = a^2 / 3, so a = sqrt(3) * std with the Glorot std
    # gain * sqrt(2 / (fan_in + fan_out)). Common mistake: sqrt(3 / ...) or
    # sqrt(6 / fan_in) (the bound of another init).
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)); shape (fan_in, fan_out)."""
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    # rng.normal takes the STANDARD DEVIATION as scale: passing the variance
    # 2 / (fan_in + fan_out) is the classic bug (std far too small).
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def _he_std(fan_in: int, fan_out: int, mode: str) -> float:
    if mode == "fan_in":
        fan = fan_in  # preserves the forward second moment
    elif mode == "fan_out":
        fan = fan_out  # preserves the backward gradient variance
    else:
        raise ValueError(f"mode {mode!r} not supported, use 'fan_in' or 'fan_out'")
    return math.sqrt(2.0) / math.sqrt(fan)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, mode: str = "fan_in"):
    """U(-b, b), b = sqrt(6 / fan) (kaiming_uniform_, relu); shape (fan_in, fan_out)."""
    # std = gain / sqrt(fan) with gain sqrt(2); the uniform bound is sqrt(3) std.
    bound = math.sqrt(3.0) * _he_std(fan_in, fan_out, mode)
    return rng.uniform(-bound, bound, size=(fan_in, fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator, mode: str = "fan_in"):
    """N(0, 2 / fan) (kaiming_normal_, relu); shape (fan_in, fan_out)."""
    # Common mistakes: fan_out instead of fan_in (our shape is (fan_in, fan_out),
    # torch's is (fan_out, fan_in)), and std 2 / fan_in instead of sqrt(2 / fan_in).
    return rng.normal(0.0, _he_std(fan_in, fan_out, mode), size=(fan_in, fan_out))


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator):
    """N(0, 1 / fan_in), untruncated: kaiming_normal_(w, nonlinearity='linear')."""
    # JAX/Keras "lecun_normal" draw from a truncated normal rescaled to the
    # same variance; PyTorch has no lecun_normal_, and its closest call
    # (above) is a plain normal. Same second moment either way.
    return rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=(fan_in, fan_out))


def orthogonal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0):
    """A (semi-)orthogonal (fan_in, fan_out) matrix times gain, Haar-distributed."""
    big, small = max(fan_in, fan_out), min(fan_in, fan_out)
    # QR of a tall Gaussian matrix: Q (big, small) has orthonormal columns.
    A = rng.standard_normal((big, small))
    Q, R = np.linalg.qr(A)  # reduced mode: Q (big, small), R (small, small)
    # QR is unique only up to the signs of R's diagonal, and LAPACK picks them
    # from the data (Householder makes R[0, 0] = -sign(A[0, 0]) |A[:, 0]|, so
    # Q[0, 0] would ALWAYS be negative). Flipping each column of Q by the sign
    # of R's diagonal makes Q uniform (Haar) on the orthogonal matrices
    # (Mezzadri 2007), as torch.nn.init.orthogonal_ does. Forgetting this
    # still gives Q^T Q = I, but a biased distribution.
    Q = Q * np.sign(np.diag(R))
    # Tall (fan_in >= fan_out): W^T W = I (orthonormal columns).
    # Wide (fan_in < fan_out): transpose, so W W^T = I (orthonormal rows).
    W = Q if fan_in >= fan_out else Q.T
    return gain * W


def log_prior_bias(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Output bias b (C,) with softmax(b) = the class frequencies in y: b = log(count / N)."""
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"log_prior_bias: y must be a non-empty 1-D label array, got {y.shape}")
    if np.any(y < 0) or np.any(y >= n_classes):
        raise ValueError(f"log_prior_bias: labels must lie in [0, {n_classes}), got {np.unique(y)}")
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    if np.any(counts == 0):
        # log(0) = -inf would make the softmax exactly 0 for that class and
        # its loss infinite the first time it appears: refuse it.
        empty = np.flatnonzero(counts == 0).tolist()
        raise ValueError(f"log_prior_bias: classes {empty} never occur in y (log 0 = -inf)")
    # softmax(log pi) = pi / sum(pi) = pi. Any constant shift gives the same
    # softmax; log pi itself is the natural choice. For a single sigmoid
    # output the equivalent is log(pi_1 / pi_0) = b[1] - b[0].
    return np.log(counts / y.size)


def activation_std_through_depth(
    init_fn: Callable, activation: Callable, depth: int, width: int, n_samples: int, rng
) -> np.ndarray:
    """Std of each layer's post-activation output in a deep, bias-free MLP."""
    # The input is drawn FIRST, then each layer's weights right before the
    # layer: the order of draws from rng is part of the contract.
    h = rng.standard_normal((n_samples, width))
    stds = np.empty(depth)
    for layer in range(depth):
        W = init_fn(width, width, rng)  # (width, width)
        h = activation(h @ W)  # zero biases: nothing to add
        # One number per layer: the std over all n_samples * width entries
        # (np.std, ddof 0), of the output AFTER the activation.
        stds[layer] = h.std()
    return stds


# The three tanh networks of the histogram figure: weights of a fixed std
# that is too small, one that is too large, and Glorot's.
_HIST_INITS = {
    "std 0.01 (too small)": lambda fi, fo, rng: rng.normal(0.0, 0.01, size=(fi, fo)),
    "std 1 (too large)": lambda fi, fo, rng: rng.normal(0.0, 1.0, size=(fi, fo)),
    "xavier normal": xavier_normal,
}


def plot_activation_histograms(path):
    """Histograms of tanh activations, layer by layer, for two bad inits and Xavier."""
    import matplotlib.pyplot as plt

    depth, width, n_samples = 10, 256, 200
    edges = np.linspace(-1.0, 1.0, 42)  # 41 bins: the middle one is centred on 0
    centres = 0.5 * (edges[:-1] + edges[1:])
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, depth))
    std_lines = {}
    for ax, (title, init_fn) in zip(axes[:3], _HIST_INITS.items(), strict=True):
        rng = np.random.default_rng(0)
        h = rng.standard_normal((n_samples, width))
        stds = []
        for layer in range(depth):
            h = np.tanh(h @ init_fn(width, width, rng))
            stds.append(h.std())
            # density=True: each line integrates to 1, so a collapsed layer
            # shows as one tall spike and a saturated one as two at +-1.
            density, _ = np.histogram(np.clip(h, -1.0, 1.0), bins=edges, density=True)
            ax.plot(centres, density, color=colours[layer], lw=1.2, label=f"layer {layer + 1}")
        std_lines[title] = stds
        ax.set_title(title)
        ax.set_xlabel("tanh activation")
        ax.set_yscale("log")
        ax.set_ylim(1e-3, 50.0)
    axes[0].set_ylabel("density (log scale)")
    axes[0].legend(fontsize=6, loc="upper left", ncol=2)
    ax = axes[3]
    for title, stds in std_lines.items():
        ax.plot(np.arange(1, depth + 1), stds, marker="o", ms=3, label=title)
    ax.set_yscale("log")
    ax.set_title("std per layer")
    ax.set_xlabel("layer")
    ax.legend(fontsize=7)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.17, top=0.88, wspace=0.3)
    fig.savefig(path, dpi=72)
    return fig


if __name__ == "__main__":
    import sys
    from pathlib import Path

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
