"""Topic 14: the mathematics of convolutional networks, reference solutions.

Run ``python solutions.py`` to check these against the topic's tests (the same
tests as ``python exercises.py``), and ``python solutions.py --bench`` to time
the im2col convolution against the loop version. Read your own attempt first:
the comments here explain why each line is the way it is and which mistakes
are common.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """floor((n + 2 padding - dilation (kernel - 1) - 1) / stride) + 1, checked to be >= 1."""
    if kernel < 1 or stride < 1 or padding < 0 or dilation < 1:
        raise ValueError(
            f"conv_output_size: need kernel >= 1, stride >= 1, padding >= 0, dilation >= 1; "
            f"got kernel={kernel}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    # A dilated kernel spans d (k - 1) + 1 input positions. The last valid start
    # position is n + 2p - span; starts are 0, s, 2s, ..., so there are
    # floor((n + 2p - span) / s) + 1 of them.
    span = dilation * (kernel - 1) + 1
    # Python's // floors. int((n + 2p - span) / s) truncates towards zero, which
    # turns a numerator of -1 into 0 and reports one output where there is none.
    out = (n + 2 * padding - span) // stride + 1
    if out < 1:
        raise ValueError(
            f"conv_output_size: a kernel spanning {span} does not fit an input of size {n} "
            f"with padding {padding} (padded size {n + 2 * padding})"
        )
    return int(out)


def _check_conv_args(x, w, b, stride, padding, name):
    """The shape checks shared by both forward passes; returns (OH, OW)."""
    if x.ndim != 4 or w.ndim != 4 or b.shape != (w.shape[0],) or x.shape[1] != w.shape[1]:
        raise ValueError(
            f"{name}: x {x.shape}, w {w.shape}, b {b.shape} do not fit "
            "x (N, C, H, W), w (F, C, KH, KW), b (F,)"
        )
    _, _, H, W = x.shape
    _, _, KH, KW = w.shape
    return (
        conv_output_size(H, KH, stride, padding),
        conv_output_size(W, KW, stride, padding),
    )


def conv2d_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """Cross-correlation with explicit loops over (n, f, i, j); cache (x, w, b, stride, padding)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    OH, OW = _check_conv_args(x, w, b, stride, padding, "conv2d_forward_naive")
    N, _, _, _ = x.shape
    F, _, KH, KW = w.shape
    # np.pad returns a new array: the caller's x is never touched. Only the two
    # spatial axes are padded, with zeros (PyTorch's padding_mode="zeros").
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    # The window starts at (i * stride, j * stride) of the padded
                    # input. No kernel flip: deep learning's "convolution" is a
                    # cross-correlation, and so is torch.nn.functional.conv2d.
                    window = xp[n, :, i * stride : i * stride + KH, j * stride : j * stride + KW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, stride, padding)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """Patches as columns: (C * kh * kw, N * OH * OW), rows in w.reshape(F, -1) order."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"im2col: x has shape {x.shape}, expected (N, C, H, W)")
    N, C, H, W = x.shape
    OH = conv_output_size(H, kh, stride, padding)
    OW = conv_output_size(W, kw, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    # sliding_window_view is a strided VIEW (no copy): windows[n, c, i, j, a, b]
    # = xp[n, c, i + a, j + b] for every start (i, j) at stride 1. Keeping every
    # stride-th start gives the conv's windows; [:OH] drops none (the view has
    # exactly OH starts after ::stride) but makes the intent explicit.
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    windows = windows[:, :, :OH, :OW]  # (N, C, OH, OW, kh, kw)
    # Row index (c, a, b) must match w.reshape(F, C * kh * kw), whose C-order
    # flattening is c slowest, then a, then b. Column index (n, i, j), n slowest.
    # The reshape after the transpose is where the copy happens: k^2 times the
    # input's memory, the price of turning the convolution into one GEMM.
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, N * OH * OW)
    return cols


def col2im(cols: np.ndarray, x_shape, kh: int, kw: int, stride: int, padding: int):
    """The adjoint of im2col: scatter-ADD each column back to its window, drop the padding."""
    N, C, H, W = x_shape
    OH = conv_output_size(H, kh, stride, padding)
    OW = conv_output_size(W, kw, stride, padding)
    expected = (C * kh * kw, N * OH * OW)
    if cols.shape != expected:
        raise ValueError(
            f"col2im: cols has shape {cols.shape}, expected {expected} for x_shape "
            f"{tuple(x_shape)}, kernel ({kh}, {kw}), stride {stride}, padding {padding}"
        )
    # Undo the column layout of im2col: (c, a, b) x (n, i, j).
    blocks = cols.reshape(C, kh, kw, N, OH, OW).transpose(
        3, 0, 1, 2, 4, 5
    )  # (N, C, kh, kw, OH, OW)
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    # One vectorised scatter per kernel tap (a, b): tap (a, b) of window (i, j)
    # sits at (i * stride + a, j * stride + b). Within one tap the targets are
    # distinct, so "+=" on the strided slice is exact; across taps they overlap
    # whenever stride < kernel, and the loop ACCUMULATES them. A fancy-indexed
    # xp[rows, cols] += vals would silently drop repeated indices (use np.add.at
    # for that style), and "=" instead of "+=" keeps only the last tap.
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a : a + stride * OH : stride, b : b + stride * OW : stride] += blocks[
                :, :, a, b
            ]
    # Gradients that landed on the zero padding belong to no input: crop them.
    return xp[:, :, padding : padding + H, padding : padding + W]


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """Cross-correlation as one matrix product: w (F, C*KH*KW) @ im2col(x)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    OH, OW = _check_conv_args(x, w, b, stride, padding, "conv2d_forward")
    N = x.shape[0]
    F, _, KH, KW = w.shape
    cols = im2col(x, KH, KW, stride, padding)  # (C KH KW, N OH OW)
    out = w.reshape(F, -1) @ cols + b[:, None]  # (F, N OH OW)
    # The columns are ordered (n, i, j): split them and move F behind N. A bare
    # out.reshape(N, F, OH, OW) has the right shape and the wrong numbers.
    out = out.reshape(F, N, OH, OW).transpose(1, 0, 2, 3)
    # The cache is the same as the naive version's, so conv2d_backward accepts
    # either. Keeping cols instead would save recomputing im2col in the backward
    # pass at k^2 times the activation memory: the classic memory/compute trade.
    return np.ascontiguousarray(out), (x, w, b, stride, padding)


def conv2d_backward(dout: np.ndarray, cache):
    """(dx, dw, db) of conv2d_forward: dw = dout_mat @ cols.T, dx = col2im(w_mat.T @ dout_mat)."""
    x, w, _, stride, padding = cache
    N = x.shape[0]
    F, _, KH, KW = w.shape
    OH = conv_output_size(x.shape[2], KH, stride, padding)
    OW = conv_output_size(x.shape[3], KW, stride, padding)
    if dout.shape != (N, F, OH, OW):
        raise ValueError(
            f"conv2d_backward: dout has shape {dout.shape}, expected (N, F, OH, OW) = "
            f"{(N, F, OH, OW)} for x {x.shape} and w {w.shape}"
        )
    # b[f] is added to every (n, i, j) of channel f: a broadcast forward is a sum
    # backward, over the batch AND both spatial axes (not only axis 0).
    db = dout.sum(axis=(0, 2, 3))
    # The same layout as the forward GEMM: rows f, columns (n, i, j).
    dout_mat = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N OH OW)
    cols = im2col(x, KH, KW, stride, padding)  # (C KH KW, N OH OW)
    # out_mat = w_mat @ cols + b, an affine layer (topic 07) in disguise:
    #   dw_mat = dout_mat @ cols.T   (F, C KH KW): a correlation of x with dout
    #   dcols  = w_mat.T @ dout_mat  (C KH KW, N OH OW): every patch's gradient
    dw = (dout_mat @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T @ dout_mat
    # Each input pixel sits in up to KH * KW patches: col2im sums their
    # gradients. This scatter-add is the "full convolution of dout with the
    # flipped kernel" of the textbook derivation, written as a GEMM plus col2im.
    dx = col2im(dcols, x.shape, KH, KW, stride, padding)
    return dx, dw, db


def _pool_windows(x, size, stride, name):
    """(N, C, OH, OW, size * size) windows of x, row-major within each window."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"{name}: x has shape {x.shape}, expected (N, C, H, W)")
    OH = conv_output_size(x.shape[2], size, stride)
    OW = conv_output_size(x.shape[3], size, stride)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]
    windows = windows[:, :, :OH, :OW]
    return x, windows.reshape(*windows.shape[:4], size * size)


def maxpool2d_forward(x: np.ndarray, size: int, stride: int):
    """Max over each size x size window (no padding, floor mode); cache for the backward."""
    x, windows = _pool_windows(x, size, stride, "maxpool2d_forward")
    # argmax returns the FIRST maximum in the row-major order of the window:
    # on ties exactly one position (the first) will receive the gradient, as in
    # PyTorch. It also returns the first nan if there is one, and max then is
    # nan: PyTorch propagates nan through max pooling too. Never start a running
    # max at 0: an all-negative window would return 0.
    arg = windows.argmax(axis=-1)  # (N, C, OH, OW) flat index within the window
    out = np.take_along_axis(windows, arg[..., None], axis=-1)[..., 0]
    return out, (x.shape, arg, size, stride)


def maxpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Route each dout entry to its window's argmax; overlapping windows accumulate."""
    x_shape, arg, size, stride = cache
    if dout.shape != arg.shape:
        raise ValueError(
            f"maxpool2d_backward: dout has shape {dout.shape}, expected {arg.shape} "
            f"(the pooled output of x {x_shape})"
        )
    OH, OW = arg.shape[2:]
    dx = np.zeros(x_shape)
    # One scatter per window offset (a, b), as in col2im: windows whose argmax
    # is (a, b) send their dout to (i * stride + a, j * stride + b). With
    # stride < size, one pixel can be the max of several windows and must
    # collect all their gradients: "+=", never "=".
    for a in range(size):
        for b in range(size):
            routed = np.where(arg == a * size + b, dout, 0.0)
            dx[:, :, a : a + stride * OH : stride, b : b + stride * OW : stride] += routed
    return dx


def avgpool2d_forward(x: np.ndarray, size: int, stride: int):
    """Mean over each size x size window (no padding, floor mode)."""
    x, windows = _pool_windows(x, size, stride, "avgpool2d_forward")
    return windows.mean(axis=-1), (x.shape, size, stride)


def avgpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Each window spreads dout / size^2 evenly over its cells; overlaps accumulate."""
    x_shape, size, stride = cache
    OH = conv_output_size(x_shape[2], size, stride)
    OW = conv_output_size(x_shape[3], size, stride)
    expected = (x_shape[0], x_shape[1], OH, OW)
    if dout.shape != expected:
        raise ValueError(
            f"avgpool2d_backward: dout has shape {dout.shape}, expected {expected} "
            f"(the pooled output of x {x_shape})"
        )
    dx = np.zeros(x_shape)
    share = dout / (size * size)  # d mean / d x_k = 1 / size^2 for every cell
    for a in range(size):
        for b in range(size):
            dx[:, :, a : a + stride * OH : stride, b : b + stride * OW : stride] += share
    return dx


def receptive_field(layers) -> int:
    """Receptive field of a stack of (kernel, stride) layers: r += (k - 1) * jump; jump *= s."""
    r, jump = 1, 1
    # Walk from the input upwards. "jump" is the distance, in input pixels,
    # between two neighbouring units of the current layer: the product of the
    # strides BELOW it. A layer's k - 1 extra neighbours each add one jump.
    # Iterating over the list never reverses it in place (layers.reverse()
    # would change the caller's list).
    for kernel, stride in layers:
        r += (kernel - 1) * jump
        jump *= stride
    return int(r)


def conv_parameter_count(c_in: int, c_out: int, k, bias: bool = True) -> int:
    """c_out * c_in * kh * kw weights, plus c_out biases if bias."""
    kh, kw = (k, k) if np.ndim(k) == 0 else k
    # One (c_in, kh, kw) filter per output channel, shared by every position:
    # the count does not depend on the image size. One bias per output channel.
    return int(c_out * c_in * kh * kw + (c_out if bias else 0))


def conv_transpose2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """Transposed convolution (torch's conv_transpose2d): conv2d's backward w.r.t. its input."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[0] or b.shape != (w.shape[1],):
        raise ValueError(
            f"conv_transpose2d: x {x.shape}, w {w.shape}, b {b.shape} do not fit "
            "x (N, C_in, H, W), w (C_in, C_out, KH, KW), b (C_out,)"
        )
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    OH = (H - 1) * stride - 2 * padding + KH
    OW = (W - 1) * stride - 2 * padding + KW
    if OH < 1 or OW < 1:
        raise ValueError(f"conv_transpose2d: output size ({OH}, {OW}) for x {x.shape}, w {w.shape}")
    # A conv2d from (C_out, OH, OW) to (C_in, H, W) with weights w has
    # dx = col2im(w_mat.T @ dout_mat). Feeding x as that "dout" is the
    # transposed convolution: every input pixel stamps a scaled copy of the
    # kernel onto the output, stride apart, and overlapping stamps add up.
    x_mat = x.transpose(1, 0, 2, 3).reshape(C_in, -1)  # (C_in, N H W)
    cols = w.reshape(C_in, -1).T @ x_mat  # (C_out KH KW, N H W)
    out = col2im(cols, (N, C_out, OH, OW), KH, KW, stride, padding)
    return out + b[None, :, None, None]


# ---------------------------------------------------------------------------
# Benchmark (python solutions.py --bench): not a test, timings vary by machine
# ---------------------------------------------------------------------------


def _bench(module) -> int:
    """Time conv2d_forward_naive against conv2d_forward on x (8, 16, 32, 32), w (32, 16, 3, 3)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 32, 32))
    w = rng.standard_normal((32, 16, 3, 3))
    b = rng.standard_normal(32)

    def best_of(fn, repeats):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            out, _ = fn(x, w, b, stride=1, padding=1)
            times.append(time.perf_counter() - start)
        return min(times), out

    t_naive, out_naive = best_of(module.conv2d_forward_naive, 1)
    t_fast, out_fast = best_of(module.conv2d_forward, 5)
    err = float(np.max(np.abs(out_naive - out_fast)) / np.max(np.abs(out_naive)))
    print("conv2d on x (8, 16, 32, 32), w (32, 16, 3, 3), stride 1, padding 1")
    print(f"  conv2d_forward_naive  {t_naive * 1e3:9.1f} ms")
    print(f"  conv2d_forward        {t_fast * 1e3:9.1f} ms  (best of 5)")
    print(f"  speed-up              {t_naive / t_fast:9.1f} x  (the bar: at least 10 x)")
    print(f"  max |difference| / max |out| = {err:.1e}")
    return 0 if t_naive >= 10 * t_fast and err < 1e-12 else 1


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if "--bench" in sys.argv[1:]:
        # Handled before pytest sees the arguments: pytest would reject --bench.
        sys.exit(_bench(sys.modules[__name__]))

    import pytest

    exercises = Path(__file__).with_name("exercises.py")
    sys.exit(pytest.main([str(exercises), "--solutions", "-q", "--tb=short", *sys.argv[1:]]))
