"""Topic 14: the mathematics of convolutional networks.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference
    python exercises.py --bench    # time your conv2d_forward against your naive loops

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Conventions for the whole file (they are PyTorch's):

* images are (N, C, H, W), conv weights (F, C, KH, KW), biases (F,), float64;
* "convolution" means cross-correlation, as in torch.nn.functional.conv2d:
  the kernel is NOT flipped;
* ``stride`` and ``padding`` are ints, the same along H and W; padding adds
  zeros on all four sides; output sizes round DOWN (no ceil mode);
* pooling has no padding and takes the window ``size`` and ``stride``;
* a shape that does not fit raises ``ValueError`` naming the shapes;
* no function may modify the arrays it is given.

Suggested order: conv_output_size, conv2d_forward_naive, im2col,
conv2d_forward, col2im, conv2d_backward, maxpool2d_forward,
maxpool2d_backward, avgpool2d_forward, avgpool2d_backward, receptive_field,
conv_parameter_count, conv_transpose2d.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution (or pooling) along one spatial axis.

        out = floor((n + 2 padding - dilation (kernel - 1) - 1) / stride) + 1

    A dilated kernel spans dilation (kernel - 1) + 1 input positions; the
    windows start at 0, stride, 2 stride, ... and must fit the padded input.

    Args:
        n: input length (H or W).
        kernel: kernel length, >= 1.
        stride: step between windows, >= 1.
        padding: zeros added on EACH side, >= 0.
        dilation: spacing between kernel taps, >= 1 (1 = an ordinary kernel).

    Returns:
        int, >= 1.

    Raises:
        ValueError: if an argument is out of range, or the output would be
        empty (the dilated kernel is longer than the padded input), as PyTorch
        raises for "output size is too small".

    Hint: use Python's floor division //. int(a / b) rounds towards zero,
    which differs from floor for a negative numerator.
    """
    raise NotImplementedError


def conv2d_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """2-D convolution (cross-correlation) with explicit Python loops.

        out[n, f, i, j] = b[f] + sum_{c, a, q} x_pad[n, c, i stride + a, j stride + q] w[f, c, a, q]

    with x_pad the input zero-padded by ``padding`` on each side of H and W.

    Args:
        x: (N, C, H, W) input.
        w: (F, C, KH, KW) filters.
        b: (F,) biases.
        stride, padding: ints (see the module docstring).

    Returns:
        (out, cache): out (N, F, OH, OW) with OH = conv_output_size(H, KH,
        stride, padding) and OW likewise; cache = (x, w, b, stride, padding),
        the same tuple conv2d_forward returns, so conv2d_backward takes either.

    Raises:
        ValueError: naming the shapes, if x or w is not 4-D, x's C differs from
        w's, or b is not (F,); or if the kernel does not fit the padded input.

    Hint: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) returns a padded copy;
    loop over n, f, i, j and sum the window times w[f]. No kernel flip.
    """
    raise NotImplementedError


def im2col(x: np.ndarray, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """Unroll every convolution window of x into a column.

        cols[(c kh + a) kw + q, (n OH + i) OW + j] = x_pad[n, c, i stride + a, j stride + q]

    Rows run over (c, a, q), c slowest: the order of w.reshape(F, C * kh * kw).
    Columns run over (n, i, j), n slowest. Then the convolution is ONE product,
    w.reshape(F, -1) @ cols, of shape (F, N * OH * OW).

    Args:
        x: (N, C, H, W).
        kh, kw: kernel height and width.
        stride, padding: ints.

    Returns:
        cols: (C * kh * kw, N * OH * OW), a new array.

    Raises:
        ValueError: if x is not 4-D (naming its shape) or the kernel does not fit.

    Hint: numpy.lib.stride_tricks.sliding_window_view(x_pad, (kh, kw),
    axis=(2, 3)) is a (N, C, H', W', kh, kw) view of every stride-1 window;
    keep every stride-th start, then transpose to (C, kh, kw, N, OH, OW) and
    reshape. (Index arrays built with np.arange work too.)
    """
    raise NotImplementedError


def col2im(cols: np.ndarray, x_shape, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """The adjoint (transpose) of im2col: add every column back into its window.

        x[n, c, r, t] = sum over all (a, q, i, j) with i stride + a - padding = r
                        and j stride + q - padding = t of cols[(c kh + a) kw + q, (n OH + i) OW + j]

    An input pixel that lies in several windows (stride < kernel) receives the
    SUM of their entries; entries that fall on the padding are dropped. This is
    exactly what conv2d_backward needs to turn patch gradients into dx.

    Args:
        cols: (C * kh * kw, N * OH * OW), laid out as im2col lays it out.
        x_shape: (N, C, H, W), the shape of the image to rebuild.
        kh, kw, stride, padding: as given to im2col.

    Returns:
        (N, C, H, W) array.

    Raises:
        ValueError: naming both shapes, if cols does not have the shape im2col
        would produce for x_shape.

    Hint: loop over the kh * kw kernel taps (a, q) only; for each, one strided
    slice of the padded image receives one (N, C, OH, OW) block, with "+=".
    A fancy-indexed ``xp[idx] += v`` drops repeated indices (np.add.at does not).
    """
    raise NotImplementedError


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """2-D convolution (cross-correlation), vectorised with im2col.

        out_mat = w.reshape(F, C KH KW) @ im2col(x) + b[:, None]     (F, N OH OW)
        out     = out_mat reshaped to (F, N, OH, OW), then transposed to (N, F, OH, OW)

    Same arguments, result, cache and errors as conv2d_forward_naive, and at
    least 10 times faster on x (8, 16, 32, 32), w (32, 16, 3, 3): measure with
    ``python exercises.py --bench``.

    Args:
        x: (N, C, H, W); w: (F, C, KH, KW); b: (F,); stride, padding: ints.

    Returns:
        (out, cache): out (N, F, OH, OW); cache = (x, w, b, stride, padding).

    Raises:
        ValueError: as conv2d_forward_naive.

    Hint: the columns of the product run over (n, i, j) with n slowest, so
    reshape to (F, N, OH, OW) first; out_mat.reshape(N, F, OH, OW) has the
    right shape and scrambled numbers.
    """
    raise NotImplementedError


def conv2d_backward(dout: np.ndarray, cache):
    """Backward pass of conv2d_forward: gradients of x, w and b.

    With dout_mat = dout transposed to (F, N, OH, OW) and reshaped to (F, N OH OW),
    and cols = im2col(x) (C KH KW, N OH OW), the forward is an affine map
    out_mat = w_mat @ cols + b, so (topic 07)

        db    = sum of dout over n, i, j                      (F,)
        dw    = (dout_mat @ cols.T).reshape(w.shape)          (F, C, KH, KW)
        dcols = w_mat.T @ dout_mat                            (C KH KW, N OH OW)
        dx    = col2im(dcols, x.shape, KH, KW, stride, padding)  (N, C, H, W)

    dw is the cross-correlation of the input with dout; dx is the "full"
    convolution of dout (dilated by the stride) with the flipped kernel.

    Args:
        dout: (N, F, OH, OW) upstream gradient.
        cache: (x, w, b, stride, padding) from conv2d_forward or conv2d_forward_naive.

    Returns:
        (dx, dw, db) with the shapes of x, w and b.

    Raises:
        ValueError: naming dout's shape and the expected one, if they differ.

    Hint: every gradient has the shape of its variable. b is broadcast over
    the batch AND both spatial axes, so db sums over three axes.
    """
    raise NotImplementedError


def maxpool2d_forward(x: np.ndarray, size: int, stride: int):
    """Max pooling over size x size windows (no padding; output sizes round down).

        out[n, c, i, j] = max_{a, q < size} x[n, c, i stride + a, j stride + q]

    A nan in a window makes that output nan (as in PyTorch). Which nan then
    receives the gradient is left open (np.argmax picks the first nan; PyTorch's
    CPU kernel picks the last); no test depends on it.

    Args:
        x: (N, C, H, W).
        size: window side; stride: step between windows (stride < size overlaps).

    Returns:
        (out, cache): out (N, C, OH, OW), OH = conv_output_size(H, size, stride);
        cache = whatever maxpool2d_backward needs (e.g. x's shape and the
        position of each window's maximum).

    Raises:
        ValueError: if x is not 4-D (naming its shape) or the window does not fit.

    Hint: never start a running max at 0 (all-negative windows). np.argmax
    over a window flattened in row-major order returns the FIRST maximum.
    """
    raise NotImplementedError


def maxpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Backward pass of max pooling: each dout entry goes to its window's argmax.

        dx[n, c, r, t] = sum over windows (i, j) whose argmax is (r, t) of dout[n, c, i, j]

    Ties: the FIRST maximum in row-major window order takes the whole gradient
    (PyTorch); the other tied cells get 0. Overlapping windows (stride < size)
    that share a maximum ACCUMULATE their gradients there.

    Args:
        dout: (N, C, OH, OW).
        cache: from maxpool2d_forward.

    Returns:
        dx: (N, C, H, W), zero wherever no window took its maximum.

    Raises:
        ValueError: naming the shapes, if dout is not (N, C, OH, OW).

    Hint: a mask (window == window.max()) sends the gradient to EVERY tied
    cell; store the argmax index in the forward pass instead.
    """
    raise NotImplementedError


def avgpool2d_forward(x: np.ndarray, size: int, stride: int):
    """Average pooling over size x size windows (no padding; output sizes round down).

        out[n, c, i, j] = (1 / size^2) sum_{a, q < size} x[n, c, i stride + a, j stride + q]

    Args:
        x: (N, C, H, W); size, stride: ints.

    Returns:
        (out, cache): out (N, C, OH, OW); cache = what avgpool2d_backward needs.

    Raises:
        ValueError: if x is not 4-D (naming its shape) or the window does not fit.

    Hint: the same windows as max pooling, with a mean instead of a max.
    """
    raise NotImplementedError


def avgpool2d_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Backward pass of average pooling: every cell of a window gets dout / size^2.

        dx[n, c, r, t] = sum over windows (i, j) containing (r, t) of dout[n, c, i, j] / size^2

    Args:
        dout: (N, C, OH, OW); cache: from avgpool2d_forward.

    Returns:
        dx: (N, C, H, W); cells in no window (the rounded-down remainder) get 0.

    Raises:
        ValueError: naming the shapes, if dout is not (N, C, OH, OW).

    Hint: loop over the size^2 offsets in the window and add dout / size^2 to
    a strided slice of dx each time; overlapping windows accumulate.
    """
    raise NotImplementedError


def receptive_field(layers) -> int:
    """Receptive field (in input pixels, along one axis) of a stack of layers.

    Layers are applied in list order, first to the input. With r_0 = 1 and
    jump_0 = 1 (the input-pixel distance between neighbouring units):

        r_l    = r_{l-1} + (k_l - 1) jump_{l-1}
        jump_l = jump_{l-1} s_l          (jump_{l-1} = product of the strides below)

    Args:
        layers: a list of (kernel, stride) pairs; pooling counts as a layer,
            and a dilated kernel enters with its span dilation (k - 1) + 1.
            Must not be modified.

    Returns:
        int: the receptive field of one unit of the last layer; 1 for no layers.

    Hint: one pass from the input upwards, keeping r and jump.
    """
    raise NotImplementedError


def conv_parameter_count(c_in: int, c_out: int, k, bias: bool = True) -> int:
    """Number of learnable parameters of a Conv2d(c_in, c_out, k) layer.

        params = c_out c_in kh kw + (c_out if bias else 0)

    Args:
        c_in, c_out: input and output channels.
        k: kernel size, an int (square kernel) or a pair (kh, kw).
        bias: whether the layer has a bias per output channel.

    Returns:
        int. It does not depend on the image size: parameter sharing.

    Hint: one (c_in, kh, kw) filter per output channel.
    """
    raise NotImplementedError


def conv_transpose2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride=1, padding=0):
    """Transposed convolution, torch.nn.functional.conv_transpose2d (no output_padding).

    Each input pixel x[n, ci, i, j] adds x[n, ci, i, j] * w[ci, :, :, :] to the
    output window starting at (i stride - padding, j stride - padding);
    overlapping windows add up; b is added to every output pixel. It is the
    gradient of conv2d with respect to its input: with conv2d weights of
    shape (C_in, C_out, KH, KW), conv_transpose2d(dout, w, 0, s, p) equals
    conv2d_backward's dx.

        OH = (H - 1) stride - 2 padding + KH,   OW = (W - 1) stride - 2 padding + KW

    Args:
        x: (N, C_in, H, W).
        w: (C_in, C_out, KH, KW): note the order, C_in first (PyTorch's layout).
        b: (C_out,).
        stride, padding: ints.

    Returns:
        out: (N, C_out, OH, OW).

    Raises:
        ValueError: naming the shapes, if x, w, b do not fit.

    Hint: cols = w.reshape(C_in, -1).T @ x_mat gives every stamped window;
    col2im adds them up and crops the padding.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Benchmark (python exercises.py --bench): not a test, timings vary by machine
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


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Reference implementations written for the tests, independent of the module:
# plain Python loops over every index (slow, for tiny inputs) and a
# shift-and-add version that loops over kernel taps (fast enough for numerical
# gradients). Neither pads with np.pad nor uses im2col.


def _out_len(n, k, s, p):
    return (n + 2 * p - k) // s + 1


def _conv_loop(x, w, b, s, p):
    """out[n, f, i, j] = b[f] + sum x[n, c, i s + a - p, j s + q - p] w[f, c, a, q], in Python."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    OH, OW = _out_len(H, KH, s, p), _out_len(W, KW, s, p)
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    total = float(b[f])
                    for c in range(C):
                        for a in range(KH):
                            for q in range(KW):
                                r, t = i * s + a - p, j * s + q - p
                                if 0 <= r < H and 0 <= t < W:
                                    total += float(x[n, c, r, t]) * float(w[f, c, a, q])
                    out[n, f, i, j] = total
    return out


def _conv_taps(x, w, b, s, p):
    """The same convolution as a sum over kernel taps (a, q) of shifted, strided inputs."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    OH, OW = _out_len(H, KH, s, p), _out_len(W, KW, s, p)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    xp[:, :, p : p + H, p : p + W] = x
    out = np.zeros((N, F, OH, OW)) + b[None, :, None, None]
    for a in range(KH):
        for q in range(KW):
            shifted = xp[:, :, a : a + s * (OH - 1) + 1 : s, q : q + s * (OW - 1) + 1 : s]
            out += np.einsum("nchw,fc->nfhw", shifted, w[:, :, a, q])
    return out


def _im2col_loop(x, kh, kw, s, p):
    """cols[:, (n OH + i) OW + j] = the padded window at (n, i, j), flattened (c, a, q)."""
    N, C, H, W = x.shape
    OH, OW = _out_len(H, kh, s, p), _out_len(W, kw, s, p)
    cols = np.zeros((C * kh * kw, N * OH * OW))
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                column = []
                for c in range(C):
                    for a in range(kh):
                        for q in range(kw):
                            r, t = i * s + a - p, j * s + q - p
                            inside = 0 <= r < H and 0 <= t < W
                            column.append(float(x[n, c, r, t]) if inside else 0.0)
                cols[:, (n * OH + i) * OW + j] = column
    return cols


def _col2im_loop(cols, x_shape, kh, kw, s, p):
    """Scatter-add every entry of cols to its input pixel; padding entries are dropped."""
    N, C, H, W = x_shape
    OH, OW = _out_len(H, kh, s, p), _out_len(W, kw, s, p)
    x = np.zeros(x_shape)
    for n in range(N):
        for i in range(OH):
            for j in range(OW):
                for c in range(C):
                    for a in range(kh):
                        for q in range(kw):
                            r, t = i * s + a - p, j * s + q - p
                            if 0 <= r < H and 0 <= t < W:
                                x[n, c, r, t] += cols[(c * kh + a) * kw + q, (n * OH + i) * OW + j]
    return x


def _pool_loop(x, size, stride, reduce):
    N, C, H, W = x.shape
    OH, OW = _out_len(H, size, stride, 0), _out_len(W, size, stride, 0)
    out = np.zeros((N, C, OH, OW))
    for n in range(N):
        for c in range(C):
            for i in range(OH):
                for j in range(OW):
                    window = [
                        float(x[n, c, i * stride + a, j * stride + q])
                        for a in range(size)
                        for q in range(size)
                    ]
                    out[n, c, i, j] = reduce(window)
    return out


def _pool_taps(x, size, stride, mode):
    """The same pooling as a max (or mean) over the size^2 shifted, strided copies of x."""
    H, W = x.shape[2:]
    OH, OW = _out_len(H, size, stride, 0), _out_len(W, size, stride, 0)
    taps = [
        x[:, :, a : a + stride * (OH - 1) + 1 : stride, q : q + stride * (OW - 1) + 1 : stride]
        for a in range(size)
        for q in range(size)
    ]
    return np.max(taps, axis=0) if mode == "max" else np.sum(taps, axis=0) / size**2


def _conv_transpose_loop(x, w, b, s, p):
    """Stamp x[n, ci, i, j] * w[ci, co] onto the output at (i s - p, j s - p), in Python."""
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    OH, OW = (H - 1) * s - 2 * p + KH, (W - 1) * s - 2 * p + KW
    out = np.zeros((N, C_out, OH, OW)) + b[None, :, None, None]
    for n in range(N):
        for ci in range(C_in):
            for i in range(H):
                for j in range(W):
                    for co in range(C_out):
                        for a in range(KH):
                            for q in range(KW):
                                r, t = i * s + a - p, j * s + q - p
                                if 0 <= r < OH and 0 <= t < OW:
                                    out[n, co, r, t] += x[n, ci, i, j] * w[ci, co, a, q]
    return out


# Shapes chosen so that nothing is square and several mistakes show: a
# non-square kernel on a non-square image, stride 2 and 3 with a remainder the
# floor drops, padding larger than the stride, a 1 x 1 kernel, and a kernel
# that exactly covers the padded input (one output pixel).
# (x shape, w shape, stride, padding)
CONV_CASES = [
    ((2, 3, 5, 4), (4, 3, 3, 2), 1, 0),
    ((2, 2, 7, 5), (3, 2, 3, 3), 2, 1),
    ((3, 3, 6, 7), (2, 3, 2, 4), 3, 2),
    ((2, 4, 5, 6), (3, 4, 1, 1), 2, 0),
    ((2, 2, 3, 4), (2, 2, 5, 6), 1, 1),
]


def _conv_case(rng, x_shape, w_shape):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return x, w, b


def _case_id(case):
    x_shape, w_shape, s, p = case
    return f"x{x_shape}-w{w_shape}-s{s}-p{p}".replace(" ", "")


# ----- conv_output_size ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((224, 7, 2, 3), 112),  # ResNet stem: (224 + 6 - 6 - 1) // 2 + 1
        ((32, 3, 1, 1), 32),  # "same" padding p = (k - 1) / 2 at stride 1
        ((32, 3, 2, 1), 16),
        ((8, 3, 2, 0), 3),  # (8 - 3) / 2 = 2.5 rounds DOWN to 2, plus 1
        ((28, 5, 1, 0), 24),  # LeNet: 28 - 5 + 1
        ((5, 7, 1, 1), 1),  # the kernel exactly covers the padded input
        ((6, 1, 3, 0), 2),  # 1 x 1 kernel, stride 3: starts 0 and 3
        ((10, 3, 1, 0, 3), 4),  # dilation 3: span 7, starts 0..3
        ((224, 3, 1, 2, 2), 224),  # dilation 2 with padding 2 keeps the size
        ((13, 3, 2, 2, 2), 7),  # (13 + 4 - 4 - 1) // 2 + 1
    ],
)
def test_conv_output_size_hand_computed_cases(impl, args, expected):
    names = ("n", "kernel", "stride", "padding", "dilation")
    call = ", ".join(f"{k}={v}" for k, v in zip(names, args, strict=False))
    got = impl.conv_output_size(*args)
    assert got == expected, (
        f"conv_output_size({call}) = {got!r}, expected {expected} "
        "(floor((n + 2 padding - dilation (kernel - 1) - 1) / stride) + 1)"
    )
    assert isinstance(got, (int, np.integer)), (
        f"conv_output_size({call}) returned {type(got).__name__}, expected an int"
    )


def test_conv_output_size_floors_a_negative_numerator(impl):
    # n = 2, kernel 3, stride 2: (2 - 3) // 2 + 1 = -1 + 1 = 0 outputs, an error.
    # int((2 - 3) / 2) + 1 = 0 + 1 = 1 would claim one window fits.
    with pytest.raises(ValueError, match="2"):
        impl.conv_output_size(2, 3, stride=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 4, "kernel": 5},
        {"n": 4, "kernel": 3, "stride": 1, "padding": 0, "dilation": 2},
        {"n": 4, "kernel": 3, "stride": 0},
        {"n": 4, "kernel": 0},
        {"n": 4, "kernel": 3, "padding": -1},
        {"n": 4, "kernel": 3, "dilation": 0},
    ],
)
def test_conv_output_size_rejects_impossible_arguments(impl, kwargs):
    with pytest.raises(ValueError):  # noqa: PT012
        got = impl.conv_output_size(**kwargs)
        pytest.fail(f"conv_output_size(**{kwargs}) returned {got!r}, expected ValueError")


# ----- conv2d_forward_naive ----------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES[:3], ids=_case_id)
def test_conv2d_forward_naive_matches_loop_reference(impl, rng, assert_close, case):
    x_shape, w_shape, s, p = case
    x, w, b = _conv_case(rng, x_shape, w_shape)
    out, _ = impl.conv2d_forward_naive(x, w, b, stride=s, padding=p)
    assert_close(
        out,
        _conv_loop(x, w, b, s, p),
        tol=1e-10,
        what=f"conv2d_forward_naive(x {x_shape}, w {w_shape}, b, stride={s}, padding={p})",
    )


def test_conv2d_forward_naive_does_not_flip_the_kernel(impl, assert_close):
    # x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w = [[1, 2], [3, 4]]:
    # out[0, 0] = 1*1 + 2*2 + 3*4 + 4*5 = 37, then 47, 67, 77 (cross-correlation).
    # A flipped kernel (true convolution) gives 23, 33, 53, 63.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    out, _ = impl.conv2d_forward_naive(x, w, np.array([0.5]))
    assert_close(
        out,
        [[[[37.5, 47.5], [67.5, 77.5]]]],
        tol=1e-12,
        what="conv2d_forward_naive(x = 1..9 (1, 1, 3, 3), w = [[1, 2], [3, 4]], b = 0.5) "
        "(cross-correlation: no kernel flip)",
    )


def _check_documented_cache(forward, name, rng):
    """Both forwards return cache = (x, w, b, stride, padding), so one backward serves both."""
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 3, 3, 2))
    _, cache = forward(x, w, b, stride=2, padding=1)
    ok = (
        isinstance(cache, tuple)
        and len(cache) == 5
        and np.array_equal(cache[0], x)
        and np.array_equal(cache[1], w)
        and np.array_equal(cache[2], b)
        and cache[3:] == (2, 1)
    )
    got = (
        f"a {type(cache).__name__} of length {len(cache)}"
        if isinstance(cache, tuple | list)
        else type(cache).__name__
    )
    assert ok, (
        f"{name}(x, w, b, stride=2, padding=1) returned as cache {got}; "
        "expected the tuple (x, w, b, stride, padding) with the caller's arrays and 2, 1"
    )


def test_conv2d_forward_naive_returns_the_documented_cache(impl, rng):
    _check_documented_cache(impl.conv2d_forward_naive, "conv2d_forward_naive", rng)


def test_conv2d_forward_naive_leaves_inputs_untouched(impl, rng, call_untouched):
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 3, 3, 2))
    call_untouched(impl.conv2d_forward_naive, x, w, b, 2, 1, what="conv2d_forward_naive(...)")


def test_conv2d_forward_naive_rejects_channel_mismatch(impl, rng):
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 2, 3, 3))
    with pytest.raises(ValueError, match=re.escape(str(w.shape))):
        impl.conv2d_forward_naive(x, w, b)


# ----- im2col ------------------------------------------------------------------


def test_im2col_hand_computed_layout(impl, assert_close):
    # x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], 2 x 2 windows at stride 1:
    # 2 x 3 windows, each flattened row-major into a column, columns in (i, j) order.
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    expected = np.array(
        [
            [0, 1, 2, 4, 5, 6],
            [1, 2, 3, 5, 6, 7],
            [4, 5, 6, 8, 9, 10],
            [5, 6, 7, 9, 10, 11],
        ],
        dtype=np.float64,
    )
    assert_close(
        impl.im2col(x, 2, 2, 1, 0),
        expected,
        tol=0,
        what="im2col(x = 0..11 (1, 1, 3, 4), kh=2, kw=2, stride=1, padding=0)",
    )


@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_im2col_matches_loop_reference(impl, rng, assert_close, case):
    x_shape, w_shape, s, p = case
    x = rng.standard_normal(x_shape)
    kh, kw = w_shape[2:]
    assert_close(
        impl.im2col(x, kh, kw, s, p),
        _im2col_loop(x, kh, kw, s, p),
        tol=0,
        what=f"im2col(x {x_shape}, kh={kh}, kw={kw}, stride={s}, padding={p}) "
        "(rows (c, a, q), columns (n, i, j))",
    )


def test_im2col_accepts_a_non_contiguous_input(impl, rng, assert_close):
    # A transposed view (a channels-last buffer seen as (N, C, H, W)) with no
    # padding: strides computed from the shape (as_strided with C-order
    # strides of x itself) read the wrong memory; x.strides or
    # sliding_window_view read the right one.
    x = rng.standard_normal((2, 5, 4, 3)).transpose(0, 3, 1, 2)  # (2, 3, 5, 4), not C-contiguous
    assert_close(
        impl.im2col(x, 3, 2, 1, 0),
        _im2col_loop(x, 3, 2, 1, 0),
        tol=0,
        what="im2col(x (2, 3, 5, 4) a transposed, non-contiguous view, kh=3, kw=2, stride=1, "
        "padding=0) (use x.strides, or sliding_window_view, never strides built from the shape)",
    )


def test_im2col_leaves_input_untouched(impl, rng, call_untouched):
    call_untouched(impl.im2col, rng.standard_normal((2, 3, 5, 4)), 3, 2, 2, 1)


def test_im2col_rejects_a_3d_input(impl, rng):
    x = rng.standard_normal((3, 5, 4))
    with pytest.raises(ValueError, match=re.escape(str(x.shape))):
        impl.im2col(x, 3, 3, 1, 0)


# ----- conv2d_forward ----------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_conv2d_forward_matches_loop_reference(impl, rng, assert_close, case):
    x_shape, w_shape, s, p = case
    x, w, b = _conv_case(rng, x_shape, w_shape)
    out, _ = impl.conv2d_forward(x, w, b, stride=s, padding=p)
    assert_close(
        out,
        _conv_loop(x, w, b, s, p),
        tol=1e-10,
        what=f"conv2d_forward(x {x_shape}, w {w_shape}, b, stride={s}, padding={p})",
    )


def test_conv2d_forward_hand_computed_padding(impl, assert_close):
    # x = [[1, 2], [3, 4]] padded by 1 is 4 x 4; a 3 x 3 kernel of ones fits at
    # 2 x 2 positions, each covering the whole image: 1 + 2 + 3 + 4 = 10.
    # A second filter [[0,0,0],[0,1,0],[0,0,0]] (centre tap) returns x itself.
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    w = np.stack([np.ones((3, 3)), centre])[:, None]  # (2, 1, 3, 3)
    out, _ = impl.conv2d_forward(x, w, np.array([0.0, -1.0]), stride=1, padding=1)
    assert_close(
        out,
        [[[[10.0, 10.0], [10.0, 10.0]], [[0.0, 1.0], [2.0, 3.0]]]],
        tol=1e-12,
        what="conv2d_forward(x = [[1, 2], [3, 4]], w = [ones 3x3, centre tap], "
        "b = [0, -1], padding=1)",
    )


def test_conv2d_forward_keeps_a_batch_of_one(impl, rng):
    x, w, b = _conv_case(rng, (1, 1, 5, 4), (1, 1, 3, 3))
    out, _ = impl.conv2d_forward(x, w, b)
    assert np.shape(out) == (1, 1, 3, 2), (
        f"conv2d_forward(x (1, 1, 5, 4), w (1, 1, 3, 3)) has shape {np.shape(out)}, "
        "expected (1, 1, 3, 2): never squeeze the batch or channel axis"
    )


def test_conv2d_forward_returns_the_documented_cache(impl, rng):
    _check_documented_cache(impl.conv2d_forward, "conv2d_forward", rng)


def test_conv2d_forward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 3, 3, 2))
    call_untouched(impl.conv2d_forward, x, w, b, 2, 1, what="conv2d_forward(...)")


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape"),
    [
        ((2, 3, 5, 4), (4, 2, 3, 3), (4,)),  # C of x differs from C of w
        ((2, 3, 5, 4), (4, 3, 3, 3), (3,)),  # b is not (F,)
        ((2, 3, 5, 4), (4, 3, 3, 3), (4, 1)),  # b is not (F,)
        ((3, 5, 4), (4, 3, 3, 3), (4,)),  # x is not 4-D
        ((2, 3, 5, 4), (4, 3, 9), (4,)),  # w is not 4-D
    ],
)
def test_conv2d_forward_rejects_mismatched_shapes(impl, rng, x_shape, w_shape, b_shape):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(b_shape)
    with pytest.raises(ValueError) as info:  # noqa: PT012
        impl.conv2d_forward(x, w, b)
        pytest.fail(f"conv2d_forward(x {x_shape}, w {w_shape}, b {b_shape}) raised nothing")
    message = str(info.value)
    named = [str(s) for s in (x_shape, w_shape, b_shape) if str(s) in message]
    assert named, (
        f"conv2d_forward(x {x_shape}, w {w_shape}, b {b_shape}) raised ValueError({message!r}): "
        "name the offending shapes in the message"
    )


def test_conv2d_forward_rejects_a_kernel_larger_than_the_padded_input(impl, rng):
    x, w, b = _conv_case(rng, (2, 3, 4, 6), (2, 3, 5, 3))
    with pytest.raises(ValueError):  # noqa: PT012
        out, _ = impl.conv2d_forward(x, w, b, stride=1, padding=0)
        pytest.fail(f"conv2d_forward(x (2, 3, 4, 6), w (2, 3, 5, 3)) returned {np.shape(out)}")


# ----- col2im ------------------------------------------------------------------


@pytest.mark.parametrize("case", CONV_CASES, ids=_case_id)
def test_col2im_matches_loop_scatter_add(impl, rng, assert_close, case):
    x_shape, w_shape, s, p = case
    kh, kw = w_shape[2:]
    OH, OW = _out_len(x_shape[2], kh, s, p), _out_len(x_shape[3], kw, s, p)
    cols = rng.standard_normal((x_shape[1] * kh * kw, x_shape[0] * OH * OW))
    assert_close(
        impl.col2im(cols, x_shape, kh, kw, s, p),
        _col2im_loop(cols, x_shape, kh, kw, s, p),
        tol=1e-12,
        what=f"col2im(cols {cols.shape}, x_shape={x_shape}, kh={kh}, kw={kw}, "
        f"stride={s}, padding={p})",
    )


@pytest.mark.parametrize(
    ("x_shape", "k", "s", "p", "rows", "columns"),
    [
        # 3-wide windows at stride 1 over 5 rows: starts 0, 1, 2 cover row r
        # min(r + 1, 3, 5 - r) times; over 4 columns, starts 0, 1.
        ((1, 1, 5, 4), 3, 1, 0, [1, 2, 3, 2, 1], [1, 2, 2, 1]),
        # stride 2 < kernel 3: starts 0, 2 overlap only on index 2.
        ((1, 1, 5, 5), 3, 2, 0, [1, 1, 2, 1, 1], [1, 1, 2, 1, 1]),
        # padding 1: counts on the padded 6 are [1, 2, 3, 3, 2, 1]; cropped.
        ((1, 1, 4, 4), 3, 1, 1, [2, 3, 3, 2], [2, 3, 3, 2]),
    ],
)
def test_col2im_of_ones_counts_overlapping_windows(
    impl, assert_close, x_shape, k, s, p, rows, columns
):
    OH, OW = _out_len(x_shape[2], k, s, p), _out_len(x_shape[3], k, s, p)
    cols = np.ones((k * k, OH * OW))
    assert_close(
        impl.col2im(cols, x_shape, k, k, s, p),
        np.outer(rows, columns).reshape(x_shape),
        tol=0,
        what=f"col2im(ones {cols.shape}, x_shape={x_shape}, kernel {k}, stride={s}, padding={p}) "
        "(each pixel counts the windows that contain it: accumulate, do not overwrite)",
    )


def test_col2im_is_the_adjoint_of_im2col(impl, rng, assert_close):
    # <im2col(x), Y> = <x, col2im(Y)> for every x and Y: the definition of a
    # transpose, with the test's own loop im2col.
    x_shape, kh, kw, s, p = (2, 3, 6, 5), 3, 2, 2, 1
    x = rng.standard_normal(x_shape)
    cols = _im2col_loop(x, kh, kw, s, p)
    Y = rng.standard_normal(cols.shape)
    lhs = float(np.sum(cols * Y))
    rhs = float(np.sum(x * impl.col2im(Y, x_shape, kh, kw, s, p)))
    assert_close(
        rhs, lhs, tol=1e-12, what="<x, col2im(Y)> against <im2col(x), Y> (col2im is the adjoint)"
    )


def test_col2im_leaves_cols_untouched(impl, rng, call_untouched):
    cols = rng.standard_normal((3 * 3 * 2, 2 * 3 * 3))
    call_untouched(impl.col2im, cols, (2, 3, 6, 5), 3, 2, 2, 1)


def test_col2im_rejects_cols_of_the_wrong_shape(impl, rng):
    cols = rng.standard_normal((18, 17))  # im2col of (2, 3, 6, 5), 3 x 2, s 2, p 1 is (18, 18)
    with pytest.raises(ValueError, match=re.escape(str(cols.shape))):
        impl.col2im(cols, (2, 3, 6, 5), 3, 2, 2, 1)


# ----- conv2d_backward ---------------------------------------------------------


@pytest.mark.parametrize("wrt", ["x", "w", "b"])
@pytest.mark.parametrize("case", CONV_CASES[:3] + CONV_CASES[4:], ids=_case_id)
def test_conv2d_backward_matches_numerical_vjp(impl, rng, num_vjp, assert_close, case, wrt):
    x_shape, w_shape, s, p = case
    x, w, b = _conv_case(rng, x_shape, w_shape)
    out, cache = impl.conv2d_forward(x, w, b, stride=s, padding=p)
    dout = rng.standard_normal(np.shape(out))
    dx, dw, db = impl.conv2d_backward(dout, cache)
    got = {"x": dx, "w": dw, "b": db}[wrt]
    inputs = {"x": x, "w": w, "b": b}

    def forward(value):
        args = {**inputs, wrt: value}
        return _conv_taps(args["x"], args["w"], args["b"], s, p)

    # The convolution is linear in each argument, so the central difference is
    # exact up to rounding (about 1e-12 with h = 1e-3).
    expected = num_vjp(forward, inputs[wrt], dout, h=1e-3)
    assert_close(
        got,
        expected,
        tol=1e-8,
        what=f"conv2d_backward(dout, cache of x {x_shape}, w {w_shape}, stride={s}, "
        f"padding={p}) -> d{wrt} (a correct backward agrees to ~1e-11)",
    )


def test_conv2d_backward_accepts_the_naive_cache(impl, rng, num_vjp, assert_close):
    x, w, b = _conv_case(rng, (2, 2, 7, 5), (3, 2, 3, 3))
    out, cache = impl.conv2d_forward_naive(x, w, b, stride=2, padding=1)
    dout = rng.standard_normal(np.shape(out))
    dx, _, _ = impl.conv2d_backward(dout, cache)
    expected = num_vjp(lambda z: _conv_taps(z, w, b, 2, 1), x, dout, h=1e-3)
    assert_close(
        dx,
        expected,
        tol=1e-8,
        what="conv2d_backward(dout, cache from conv2d_forward_naive(x (2, 2, 7, 5), "
        "w (3, 2, 3, 3), stride=2, padding=1)) -> dx",
    )


def test_conv2d_backward_hand_computed_single_pixel_gradient(impl, assert_close):
    # A dout that is 1 at output (1, 0) only: dx is the kernel placed on the
    # window of that output, dw is that window of x, db is 1.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    _, cache = impl.conv2d_forward(x, w, np.zeros(1))
    dout = np.array([[[[0.0, 0.0], [1.0, 0.0]]]])
    dx, dw, db = impl.conv2d_backward(dout, cache)
    what = "conv2d_backward(dout = 1 at output (1, 0), x = 1..9 (3 x 3), w = [[1, 2], [3, 4]])"
    assert_close(
        dx, [[[[0, 0, 0], [1, 2, 0], [3, 4, 0]]]], tol=1e-12, what=what + " -> dx (w, unflipped)"
    )
    assert_close(dw, [[[[4.0, 5.0], [7.0, 8.0]]]], tol=1e-12, what=what + " -> dw (x's window)")
    assert_close(db, [1.0], tol=1e-12, what=what + " -> db")


def test_conv2d_backward_keeps_a_batch_of_one(impl, rng):
    x, w, b = _conv_case(rng, (1, 1, 5, 4), (1, 1, 3, 3))
    out, cache = impl.conv2d_forward(x, w, b)
    dx, dw, db = impl.conv2d_backward(rng.standard_normal(np.shape(out)), cache)
    got = (np.shape(dx), np.shape(dw), np.shape(db))
    assert got == (x.shape, w.shape, b.shape), (
        f"conv2d_backward for x (1, 1, 5, 4), w (1, 1, 3, 3): shapes {got}, expected "
        f"{(x.shape, w.shape, b.shape)}"
    )


def test_conv2d_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 3, 3, 2))
    out, cache = impl.conv2d_forward(x, w, b, stride=2, padding=1)
    dout = rng.standard_normal(np.shape(out))
    call_untouched(impl.conv2d_backward, dout, cache, what="conv2d_backward(dout, cache)")


def test_conv2d_backward_rejects_mismatched_dout(impl, rng):
    x, w, b = _conv_case(rng, (2, 3, 5, 4), (4, 3, 3, 2))
    _, cache = impl.conv2d_forward(x, w, b)
    bad = rng.standard_normal((2, 4, 2, 3))  # the output is (2, 4, 3, 3)
    with pytest.raises(ValueError, match=re.escape(str(bad.shape))):
        impl.conv2d_backward(bad, cache)


# ----- maxpool2d ---------------------------------------------------------------

# (x shape, size, stride): non-overlapping, overlapping (stride < size), gaps
# (stride > size), and sizes the floor leaves a remainder of.
POOL_CASES = [
    ((2, 3, 6, 4), 2, 2),
    ((2, 2, 7, 6), 3, 1),
    ((3, 2, 9, 8), 3, 2),
    ((2, 2, 5, 9), 2, 3),
]


def _distinct(rng, shape):
    """Values 0.1 apart in random order: no ties, and h = 1e-3 never swaps a maximum."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 3.0


@pytest.mark.parametrize(("x_shape", "size", "stride"), POOL_CASES)
def test_maxpool2d_forward_matches_loop_reference(impl, rng, assert_close, x_shape, size, stride):
    x = rng.standard_normal(x_shape)
    out, _ = impl.maxpool2d_forward(x, size, stride)
    assert_close(
        out,
        _pool_loop(x, size, stride, max),
        tol=0,
        what=f"maxpool2d_forward(x {x_shape}, size={size}, stride={stride})",
    )


def test_maxpool2d_forward_all_negative_windows(impl, assert_close):
    # A running max started at 0 returns 0 here.
    x = -np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    out, _ = impl.maxpool2d_forward(x, 2, 2)
    assert_close(
        out,
        [[[[-1.0, -3.0], [-9.0, -11.0]]]],
        tol=0,
        what="maxpool2d_forward(x = -1..-16 (1, 1, 4, 4), size=2, stride=2)",
    )


def test_maxpool2d_forward_propagates_nan(impl):
    # PyTorch: a window holding a nan pools to nan. A running max written as
    # "if v > best" skips the nan and hides it.
    x = np.array([[[[1.0, np.nan, 3.0, 0.0], [2.0, 0.5, 1.0, 2.0]]]])
    out, _ = impl.maxpool2d_forward(x, 2, 2)
    got = np.asarray(out, dtype=np.float64)
    ok = got.shape == (1, 1, 1, 2) and np.isnan(got[0, 0, 0, 0]) and got[0, 0, 0, 1] == 3.0
    assert ok, (
        f"maxpool2d_forward([[1, nan, 3, 0], [2, 0.5, 1, 2]], size=2, stride=2) = "
        f"{got.tolist()}, expected [[[[nan, 3.0]]]] (nan propagates, as in PyTorch)"
    )


def test_maxpool2d_forward_accepts_a_non_contiguous_input(impl, rng, assert_close):
    # As for im2col: windows built from strides computed from the shape read
    # the wrong memory of a view such as a transpose.
    x = rng.standard_normal((2, 6, 5, 3)).transpose(0, 3, 1, 2)  # (2, 3, 6, 5), not C-contiguous
    out, _ = impl.maxpool2d_forward(x, 2, 2)
    assert_close(
        out,
        _pool_loop(x, 2, 2, max),
        tol=0,
        what="maxpool2d_forward(x (2, 3, 6, 5) a transposed, non-contiguous view, size=2, "
        "stride=2) (use x.strides, or sliding_window_view)",
    )


def test_maxpool2d_forward_leaves_input_untouched(impl, rng, call_untouched):
    call_untouched(impl.maxpool2d_forward, rng.standard_normal((2, 3, 6, 4)), 3, 1)


def test_maxpool2d_forward_rejects_bad_shapes(impl, rng):
    x = rng.standard_normal((3, 6, 4))
    with pytest.raises(ValueError, match=re.escape(str(x.shape))):
        impl.maxpool2d_forward(x, 2, 2)
    with pytest.raises(ValueError):  # a 5-wide window on a 4-wide image
        impl.maxpool2d_forward(rng.standard_normal((1, 1, 6, 4)), 5, 1)


@pytest.mark.parametrize(("x_shape", "size", "stride"), POOL_CASES)
def test_maxpool2d_backward_matches_numerical_vjp(
    impl, rng, num_vjp, assert_close, x_shape, size, stride
):
    x = _distinct(rng, x_shape)
    out, cache = impl.maxpool2d_forward(x, size, stride)
    dout = rng.standard_normal(np.shape(out))
    got = impl.maxpool2d_backward(dout, cache)
    # Piecewise linear with every maximum 0.1 clear of the runner-up, so the
    # central difference with h = 1e-3 is exact up to rounding.
    expected = num_vjp(lambda z: _pool_taps(z, size, stride, "max"), x, dout, h=1e-3)
    assert_close(
        got,
        expected,
        tol=1e-8,
        what=f"maxpool2d_backward(dout, cache of x {x_shape}, size={size}, stride={stride})",
    )


def test_maxpool2d_backward_first_maximum_takes_the_gradient_on_ties(impl, assert_close):
    # Window [[5, 5], [5, 1]] ties three ways: the first in row-major order,
    # (0, 0), gets all of dout. Window [[0, 7], [7, 7]]: (0, 3) gets it.
    x = np.array([[[[5.0, 5.0, 0.0, 7.0], [5.0, 1.0, 7.0, 7.0]]]])
    _, cache = impl.maxpool2d_forward(x, 2, 2)
    got = impl.maxpool2d_backward(np.array([[[[2.0, 3.0]]]]), cache)
    assert_close(
        got,
        [[[[2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0]]]],
        tol=0,
        what="maxpool2d_backward(dout = [[2, 3]]) for x = [[5, 5, 0, 7], [5, 1, 7, 7]], "
        "size 2, stride 2 (ties: only the FIRST maximum in row-major order, as in PyTorch)",
    )


def test_maxpool2d_backward_overlapping_tied_windows_accumulate(impl, assert_close):
    # size 2, stride 1 on x = [[1, 3, 3], [3, 3, 2], [0, 1, 2]]. First maxima:
    # window (0, 0) [[1, 3], [3, 3]] -> (0, 1); window (0, 1) [[3, 3], [3, 2]] ->
    # (0, 1) too; window (1, 0) [[3, 3], [0, 1]] -> (1, 0); window (1, 1)
    # [[3, 2], [1, 2]] -> (1, 1). With dout [[1, 10], [100, 1000]], pixel
    # (0, 1) collects 1 + 10 = 11. (PyTorch's max_pool2d gives exactly this.)
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, 3.0, 2.0], [0.0, 1.0, 2.0]]]])
    _, cache = impl.maxpool2d_forward(x, 2, 1)
    got = impl.maxpool2d_backward(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), cache)
    assert_close(
        got,
        [[[[0.0, 11.0, 0.0], [100.0, 1000.0, 0.0], [0.0, 0.0, 0.0]]]],
        tol=0,
        what="maxpool2d_backward(dout = [[1, 10], [100, 1000]]) for x = [[1, 3, 3], "
        "[3, 3, 2], [0, 1, 2]], size 2, stride 1 (first maximum per window; a pixel that "
        "is the maximum of two windows sums both gradients)",
    )


def test_maxpool2d_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    x = _distinct(rng, (2, 2, 7, 6))
    out, cache = impl.maxpool2d_forward(x, 3, 1)
    dout = rng.standard_normal(np.shape(out))
    call_untouched(impl.maxpool2d_backward, dout, cache, what="maxpool2d_backward(dout, cache)")


def test_maxpool2d_backward_rejects_mismatched_dout(impl, rng):
    _, cache = impl.maxpool2d_forward(rng.standard_normal((2, 3, 6, 4)), 2, 2)
    bad = rng.standard_normal((2, 3, 2, 3))  # the output is (2, 3, 3, 2)
    with pytest.raises(ValueError, match=re.escape(str(bad.shape))):
        impl.maxpool2d_backward(bad, cache)


# ----- avgpool2d ---------------------------------------------------------------


@pytest.mark.parametrize(("x_shape", "size", "stride"), POOL_CASES)
def test_avgpool2d_forward_matches_loop_reference(impl, rng, assert_close, x_shape, size, stride):
    x = rng.standard_normal(x_shape)
    out, _ = impl.avgpool2d_forward(x, size, stride)
    assert_close(
        out,
        _pool_loop(x, size, stride, lambda v: sum(v) / len(v)),
        tol=1e-12,
        what=f"avgpool2d_forward(x {x_shape}, size={size}, stride={stride})",
    )


def test_avgpool2d_forward_leaves_input_untouched(impl, rng, call_untouched):
    call_untouched(impl.avgpool2d_forward, rng.standard_normal((2, 3, 6, 4)), 2, 2)


def test_avgpool2d_forward_rejects_a_3d_input(impl, rng):
    x = rng.standard_normal((3, 6, 4))
    with pytest.raises(ValueError, match=re.escape(str(x.shape))):
        impl.avgpool2d_forward(x, 2, 2)


@pytest.mark.parametrize(("x_shape", "size", "stride"), POOL_CASES)
def test_avgpool2d_backward_matches_numerical_vjp(
    impl, rng, num_vjp, assert_close, x_shape, size, stride
):
    x = rng.standard_normal(x_shape)
    out, cache = impl.avgpool2d_forward(x, size, stride)
    dout = rng.standard_normal(np.shape(out))
    got = impl.avgpool2d_backward(dout, cache)
    expected = num_vjp(lambda z: _pool_taps(z, size, stride, "mean"), x, dout, h=1e-3)
    assert_close(
        got,
        expected,
        tol=1e-8,
        what=f"avgpool2d_backward(dout, cache of x {x_shape}, size={size}, stride={stride}) "
        "(a correct backward agrees to ~1e-10)",
    )


def test_avgpool2d_backward_overlapping_windows_accumulate(impl, assert_close):
    # size 2, stride 1 on a 3 x 3 image, dout = [[1, 2], [3, 4]]: every window
    # adds dout / 4 to its four cells, so the centre gets (1 + 2 + 3 + 4) / 4.
    _, cache = impl.avgpool2d_forward(np.zeros((1, 1, 3, 3)), 2, 1)
    got = impl.avgpool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = [[[[0.25, 0.75, 0.5], [1.0, 2.5, 1.5], [0.75, 1.75, 1.0]]]]
    assert_close(
        got,
        expected,
        tol=1e-12,
        what="avgpool2d_backward(dout = [[1, 2], [3, 4]]) for a 3 x 3 input, size 2, stride 1 "
        "(dout / size^2 to every cell of each window, summed where windows overlap)",
    )


def test_avgpool2d_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    out, cache = impl.avgpool2d_forward(rng.standard_normal((2, 2, 7, 6)), 3, 1)
    dout = rng.standard_normal(np.shape(out))
    call_untouched(impl.avgpool2d_backward, dout, cache, what="avgpool2d_backward(dout, cache)")


def test_avgpool2d_backward_rejects_mismatched_dout(impl, rng):
    _, cache = impl.avgpool2d_forward(rng.standard_normal((2, 3, 6, 4)), 2, 2)
    bad = rng.standard_normal((2, 3, 2, 3))
    with pytest.raises(ValueError, match=re.escape(str(bad.shape))):
        impl.avgpool2d_backward(bad, cache)


# ----- receptive_field ---------------------------------------------------------


def _brute_force_receptive_field(layers):
    """Follow one top unit down through the layers: the set of input pixels it reads."""
    positions = {0}
    for kernel, stride in reversed(layers):
        positions = {p * stride + t for p in positions for t in range(kernel)}
    return max(positions) - min(positions) + 1


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], 1),  # a pixel sees itself
        ([(3, 1)] * 3, 7),  # three 3 x 3 convs see what one 7 x 7 sees
        ([(3, 1), (2, 2), (3, 1)], 8),  # 3, then 3 + 1 = 4, then 4 + 2 * 2 = 8
        ([(7, 2), (3, 2)], 11),  # ResNet stem conv + max pool: 7, then 7 + 2 * 2
        ([(1, 2), (3, 1)], 5),  # a strided 1 x 1 conv adds nothing but doubles the jump
        ([(2, 2)] * 4, 16),  # four 2 x 2 stride-2 pools tile 16 pixels exactly
    ],
)
def test_receptive_field_hand_computed(impl, layers, expected):
    got = impl.receptive_field(layers)
    assert got == expected, (
        f"receptive_field({layers}) = {got!r}, expected {expected} "
        "(r += (k - 1) * jump, then jump *= s, from the input upwards)"
    )


def test_receptive_field_of_vgg16_is_212(impl):
    # VGG-16 conv1_1 ... pool5: 13 convs (3, 1) and 5 pools (2, 2). Published value: 212.
    c, pool = (3, 1), (2, 2)
    layers = [c, c, pool, c, c, pool, c, c, c, pool, c, c, c, pool, c, c, c, pool]
    got = impl.receptive_field(layers)
    assert got == 212, f"receptive_field(VGG-16 up to pool5) = {got!r}, expected 212"


def test_receptive_field_matches_brute_force(impl):
    rng = np.random.default_rng(14)
    for _ in range(30):
        depth = int(rng.integers(1, 7))
        layers = [(int(rng.integers(1, 6)), int(rng.integers(1, 4))) for _ in range(depth)]
        expected = _brute_force_receptive_field(layers)
        got = impl.receptive_field(layers)
        assert got == expected, (
            f"receptive_field({layers}) = {got!r}; following a top unit down through the "
            f"layers reaches {expected} input pixels"
        )


def test_receptive_field_leaves_the_list_untouched(impl, call_untouched):
    call_untouched(impl.receptive_field, [(3, 1), (2, 2), (5, 1)])


# ----- conv_parameter_count ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((64, 128, 3), 73_856),  # 3 * 3 * 64 * 128 + 128
        ((64, 128, 3, False), 73_728),
        ((3, 64, 7, False), 9_408),  # ResNet conv1
        ((256, 64, 1, True), 16_448),  # a 1 x 1 bottleneck reduction
        ((128, 128, (1, 7)), 114_816),  # a 1 x 7 factorised kernel: 128 * 128 * 7 + 128
        ((1, 1, 1, False), 1),
    ],
)
def test_conv_parameter_count_hand_computed(impl, args, expected):
    got = impl.conv_parameter_count(*args)
    assert got == expected, f"conv_parameter_count{args} = {got!r}, expected {expected}"
    assert isinstance(got, (int, np.integer)), (
        f"conv_parameter_count{args} returned {type(got).__name__}, expected an int"
    )


# ----- conv_transpose2d --------------------------------------------------------


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "s", "p"),
    [
        ((2, 3, 3, 4), (3, 2, 3, 3), 2, 0),
        ((2, 2, 4, 3), (2, 3, 4, 2), 2, 1),
        ((1, 2, 3, 2), (2, 2, 3, 5), 3, 1),
    ],
)
def test_conv_transpose2d_matches_loop_reference(impl, rng, assert_close, x_shape, w_shape, s, p):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[1])
    assert_close(
        impl.conv_transpose2d(x, w, b, stride=s, padding=p),
        _conv_transpose_loop(x, w, b, s, p),
        tol=1e-10,
        what=f"conv_transpose2d(x {x_shape}, w {w_shape}, b, stride={s}, padding={p})",
    )


def test_conv_transpose2d_is_the_adjoint_of_conv2d(impl, rng, assert_close):
    # <conv(y; w), x> = <y, conv_transpose(x; w)> for bias-free layers: the
    # transposed convolution is the transpose of the conv's matrix.
    s, p = 2, 1
    y = rng.standard_normal((2, 3, 7, 6))  # conv input (C_in = 3)
    w = rng.standard_normal((4, 3, 3, 2))  # conv weights (F = 4, C = 3)
    x = rng.standard_normal(_conv_loop(y, w, np.zeros(4), s, p).shape)
    lhs = float(np.sum(_conv_loop(y, w, np.zeros(4), s, p) * x))
    out = impl.conv_transpose2d(x, w, np.zeros(3), stride=s, padding=p)
    assert np.shape(out) == y.shape, (
        f"conv_transpose2d(x {x.shape}, w {w.shape}, stride=2, padding=1) has shape "
        f"{np.shape(out)}, expected {y.shape}"
    )
    assert_close(
        float(np.sum(y * out)),
        lhs,
        tol=1e-12,
        what="<y, conv_transpose2d(x, w)> against <conv2d(y, w), x>",
    )


def test_conv_transpose2d_checkerboard_of_ones(impl, assert_close):
    # Ones through a 3 x 3 kernel of ones at stride 2: stamps start at 0, 2, 4,
    # so along each axis the overlap counts are [1, 1, 2, 1, 2, 1, 1] and the
    # output is their outer product: a checkerboard of 1, 2 and 4.
    out = impl.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), np.zeros(1), 2, 0)
    counts = np.array([1.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0])
    assert_close(
        out,
        np.outer(counts, counts)[None, None],
        tol=0,
        what="conv_transpose2d(ones (1, 1, 3, 3), ones kernel 3 x 3, stride=2) "
        "(overlapping stamps add up)",
    )


def test_conv_transpose2d_leaves_inputs_untouched(impl, rng, call_untouched):
    x = rng.standard_normal((2, 3, 3, 4))
    w = rng.standard_normal((3, 2, 3, 3))
    call_untouched(impl.conv_transpose2d, x, w, rng.standard_normal(2), 2, 1)


def test_conv_transpose2d_rejects_mismatched_shapes(impl, rng):
    x = rng.standard_normal((2, 3, 3, 4))
    w = rng.standard_normal((2, 3, 3, 3))  # C_in of w is 2, x has 3 channels
    with pytest.raises(ValueError, match=re.escape(str(w.shape))):
        impl.conv_transpose2d(x, w, np.zeros(3))


def test_conv_transpose2d_rejects_a_bias_of_the_wrong_length(impl, rng):
    # b is one bias per OUTPUT channel, (C_out,) = (w.shape[1],). A (C_in,) or a
    # (1,) bias must not be broadcast silently.
    x = rng.standard_normal((2, 3, 3, 4))
    w = rng.standard_normal((3, 2, 3, 3))  # C_in = 3, C_out = 2
    for b in (np.zeros(3), np.zeros(1)):
        with pytest.raises(ValueError, match=re.escape(str(b.shape))):  # noqa: PT012
            impl.conv_transpose2d(x, w, b, stride=2, padding=1)
            pytest.fail(
                f"conv_transpose2d(x {x.shape}, w {w.shape}, b {b.shape}) raised nothing: "
                "b must be (C_out,) = (2,)"
            )


if __name__ == "__main__":
    import sys

    if "--bench" in sys.argv[1:]:
        # Handled before pytest sees the arguments: pytest would reject --bench.
        sys.exit(_bench(sys.modules[__name__]))
    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
