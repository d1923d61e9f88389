"""Topic 02: the chain rule and backpropagation.

Implement each function below (replace ``raise NotImplementedError``), then run

    python exercises.py            # this topic's tests against your code
    python solutions.py            # the same tests against the reference

Read topic.md first: every exercise is derived there. The tests at the bottom
of this file are what "correct" means; you do not need to read them, since a
failure message says what was called, what came back and what was expected.

Suggested order: ``two_path_gradient`` and ``neuron_forward_backward`` (the
chain rule by hand), then ``Value``'s operations, then ``topological_order``,
then ``Value.backward`` (which uses it).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

# ---------------------------------------------------------------------------
# Exercises
# ---------------------------------------------------------------------------


class Value:
    """A scalar node of a computational graph: a tiny reverse-mode autodiff engine.

    Every arithmetic operation on Values returns a new Value that remembers
    its inputs (``_prev``) and a closure (``_backward``) that applies the
    chain rule for that one operation. ``root.backward()`` then visits the
    graph from the root to the leaves and fills ``.grad`` of every node with
    d(root)/d(node).

        a = Value(2.0); b = Value(-3.0)
        L = (a * b + 1.0).tanh()
        L.backward()            # a.grad == (1 - L.data**2) * b.data

    Attributes:
        data (float): the value computed in the forward pass.
        grad (float): d(root)/d(this node) after root.backward(); starts at 0.
        _prev (tuple[Value, ...]): the inputs, in order, repeated when a node
            is used twice (``a * a`` has ``_prev == (a, a)``).
        _op (str): a label for printing ("+", "*", "tanh", ...).
        _backward (callable, no arguments): adds this node's contribution to
            its inputs' ``.grad``; a leaf's does nothing.

    Supported: ``+ - * /`` between Values and with plain Python numbers on
    either side (``2 - v``, ``1 / v``, ``3 * v``), ``v ** n`` for a constant
    number n, unary ``-v``, and ``v.exp()``, ``v.log()``, ``v.tanh()``,
    ``v.relu()``, ``v.sigmoid()``.

    The pattern of every operation (here, multiplication):

        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")
        def _backward():
            self.grad += other.data * out.grad     # local gradient * upstream
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    Use ``+=`` in every ``_backward``, never ``=``: a node used by several
    consumers (or twice by one, as in ``a * a``) must receive the sum of all
    their contributions (the multivariate chain rule).

    The constructor is written for you. Every operation and backward() is
    yours.
    """

    def __init__(self, data: float, _children: tuple = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = lambda: None

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other: Value | float) -> Value:
        """self + other. Local gradients: d/dself = 1, d/dother = 1 (add distributes)."""
        raise NotImplementedError

    def __mul__(self, other: Value | float) -> Value:
        """self * other. Local gradients: d/dself = other, d/dother = self (multiply swaps)."""
        raise NotImplementedError

    def __sub__(self, other: Value | float) -> Value:
        """self - other. Local gradients: +1 and -1."""
        raise NotImplementedError

    def __truediv__(self, other: Value | float) -> Value:
        """self / other. Local gradients: d/dself = 1/other, d/dother = -self / other**2.

        Hint: the second one is not -1 / other**2 (that is only right when self == 1).
        """
        raise NotImplementedError

    def __pow__(self, exponent: float) -> Value:
        """self ** exponent for a constant int or float exponent n: d/dself = n self^(n-1).

        The exponent is a plain number, not a Value (raise TypeError for a
        Value: this engine does not differentiate with respect to exponents).

        At self.data == 0 follow PyTorch: ``x ** 0`` has gradient 0 (it is the
        constant 1), and for 0 < n < 1 the gradient is ``math.inf`` (the slope
        of sqrt at 0). Python raises ZeroDivisionError for ``0.0 ** -0.5``, so
        these two cases need their own branch.
        """
        raise NotImplementedError

    def __radd__(self, other: float) -> Value:
        """other + self, called by Python for ``2 + v`` (int.__add__ gives up)."""
        raise NotImplementedError

    def __rmul__(self, other: float) -> Value:
        """other * self, called for ``3 * v``."""
        raise NotImplementedError

    def __rsub__(self, other: float) -> Value:
        """other - self, called for ``2 - v``. Careful: not self - other."""
        raise NotImplementedError

    def __rtruediv__(self, other: float) -> Value:
        """other / self, called for ``1 / v``. Careful: not self / other."""
        raise NotImplementedError

    def __neg__(self) -> Value:
        """-self. Local gradient -1."""
        raise NotImplementedError

    def exp(self) -> Value:
        """e^self. Local gradient e^self: the output itself (reuse out.data)."""
        raise NotImplementedError

    def log(self) -> Value:
        """Natural log of self (self > 0). Local gradient 1 / self."""
        raise NotImplementedError

    def tanh(self) -> Value:
        """tanh(self). Local gradient 1 - t^2 where t = tanh(self) is the OUTPUT.

        Hint: use ``math.tanh`` (stable for any input) and write the local
        gradient with ``out.data``; ``1 - self.data**2`` is the classic slip.
        """
        raise NotImplementedError

    def relu(self) -> Value:
        """max(0, self). Local gradient 1 where self > 0, else 0 (also at exactly 0, as PyTorch).

        max routes: the upstream gradient goes through only where the input won.
        """
        raise NotImplementedError

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self), stable for inputs like +-1000.

        Local gradient s (1 - s) with s the OUTPUT.

        Hint: ``math.exp(1000)`` raises OverflowError. Exponentiate only
        non-positive numbers: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) for x < 0.
        """
        raise NotImplementedError

    def backward(self) -> None:
        """Fill ``.grad`` of every node of this node's graph with d(self)/d(node).

        1. ``order = topological_order(self)`` (inputs before the nodes that use them).
        2. Seed ``self.grad = 1.0`` (d self / d self); without it every grad stays 0.
        3. Call ``node._backward()`` for each node in ``reversed(order)``: by
           then every consumer of the node has added its share to node.grad.

        Call it once on a freshly built graph: like PyTorch, the leaves'
        grads accumulate across calls (reset them to 0 between steps).
        """
        raise NotImplementedError


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph exactly once, each after all of its inputs.

    The graph is what root was computed from: root, its inputs
    (``root._prev``), their inputs, and so on down to the leaves. Nodes that
    root does not depend on are not included. Since every node is an input
    (directly or not) of root, root comes last.

    Args:
        root: the Value whose graph to sort.

    Returns:
        list[Value]: each node once (by identity), and for every node n,
        every element of ``n._prev`` appears before n.

    Hint: depth-first search that appends a node after all its inputs
    (post-order), with a set of visited node ids so a shared subexpression is
    placed once. Use an explicit stack instead of recursion: a chain of 5000
    nodes must not hit Python's recursion limit (1000 frames). One way: push
    ``(node, False)``; when you pop ``(node, False)`` for an unseen node,
    mark it seen, push ``(node, True)`` and then its inputs; when you pop
    ``(node, True)``, append node to the order.
    """
    raise NotImplementedError


def neuron_forward_backward(x: np.ndarray, w: np.ndarray, b: float):
    """One sigmoid neuron, forward and backward, with gradients derived by hand.

        z = w . x + b,   y = sigmoid(z) = 1 / (1 + e^-z)
        dy/dz = y (1 - y)
        dy/dw = dy/dz * x,   dy/db = dy/dz,   dy/dx = dy/dz * w

    Args:
        x: (n,) the input.
        w: (n,) the weights.
        b: the bias, a scalar.

    Returns:
        (y, dy_dw, dy_db, dy_dx):
            y: float, the output;
            dy_dw: ndarray (n,), float64;
            dy_db: float;
            dy_dx: ndarray (n,), float64.

    Raises:
        ValueError: if x or w is not 1-D or their shapes differ; the message
            names both shapes.

    Do not use Value here: write the chain rule out with NumPy. The sigmoid
    must be finite for |z| = 1000 (no overflow warning either).

    Hint: multiplication swaps: the gradient with respect to w is scaled by x,
    and with respect to x by w.
    """
    raise NotImplementedError


def two_path_gradient(x):
    """f(x) = sin(x) * x^2 + exp(x^2) and df/dx, by the multivariate chain rule.

    x reaches f along several paths: through sin(x), and through s = x^2,
    which itself feeds both the product and the exponential. The derivative
    is the sum over all paths:

        df/dx = cos(x) x^2 + 2x sin(x) + 2x exp(x^2)

    Args:
        x: a float, or an ndarray of any shape (then element-wise).

    Returns:
        (f, df_dx): floats for a scalar x (a Python number or a 0-d array),
        else ndarrays of x's shape (a shape (1,) stays (1,)).

    Hint: name the intermediates (s = x * x, ...), compute df/ds as the sum
    over the consumers of s, then df/dx as the sum over the paths out of x.
    """
    raise NotImplementedError


# ---------------------------------------------------------------------------
# Tests: `python exercises.py` here, or `pytest` at the project root.
# ---------------------------------------------------------------------------

# Inputs of the operation tests: a negative, b positive (b.log() is defined).
_A, _B = -0.8, 1.7


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# (label, the expression on Values, the same expression on floats)
_OPS = [
    ("a + b", lambda a, b: a + b, lambda a, b: a + b),
    ("a - b", lambda a, b: a - b, lambda a, b: a - b),
    ("b - a", lambda a, b: b - a, lambda a, b: b - a),
    ("a * b", lambda a, b: a * b, lambda a, b: a * b),
    ("a / b", lambda a, b: a / b, lambda a, b: a / b),
    ("b / a", lambda a, b: b / a, lambda a, b: b / a),
    ("-a", lambda a, b: -a, lambda a, b: -a),
    ("a ** 3", lambda a, b: a**3, lambda a, b: a**3),
    ("b ** -1.5", lambda a, b: b**-1.5, lambda a, b: b**-1.5),
    ("a.exp()", lambda a, b: a.exp(), lambda a, b: np.exp(a)),
    ("b.log()", lambda a, b: b.log(), lambda a, b: np.log(b)),
    ("a.tanh()", lambda a, b: a.tanh(), lambda a, b: np.tanh(a)),
    ("b.tanh()", lambda a, b: b.tanh(), lambda a, b: np.tanh(b)),
    ("a.relu() (a < 0)", lambda a, b: a.relu(), lambda a, b: max(a, 0.0)),
    ("b.relu() (b > 0)", lambda a, b: b.relu(), lambda a, b: max(b, 0.0)),
    ("a.sigmoid()", lambda a, b: a.sigmoid(), lambda a, b: _np_sigmoid(a)),
    ("b.sigmoid()", lambda a, b: b.sigmoid(), lambda a, b: _np_sigmoid(b)),
]
_OP_IDS = [label for label, _, _ in _OPS]


@pytest.mark.parametrize(("label", "op", "ref"), _OPS, ids=_OP_IDS)
def test_value_forward_matches_float_math(impl, assert_close, label, op, ref):
    out = op(impl.Value(_A), impl.Value(_B))
    assert isinstance(out, impl.Value), f"{label} returned {type(out).__name__}, expected a Value"
    assert_close(out.data, ref(_A, _B), tol=1e-12, what=f"({label}).data at a={_A}, b={_B}")


@pytest.mark.parametrize(("label", "op", "ref"), _OPS, ids=_OP_IDS)
def test_value_gradient_matches_numerical(impl, rng, num_grad, assert_close, label, op, ref):
    # L = op(a, b) * u with a random upstream gradient u: a backward that
    # forgets to multiply by out.grad is right only when out.grad == 1.
    u = float(rng.uniform(0.5, 2.0)) * float(rng.choice([-1.0, 1.0]))
    a, b = impl.Value(_A), impl.Value(_B)
    loss = op(a, b) * u
    loss.backward()
    expected = num_grad(lambda p: ref(p[0], p[1]) * u, np.array([_A, _B]))
    assert_close(
        [a.grad, b.grad],
        expected,
        tol=1e-7,
        what=f"[a.grad, b.grad] after (({label}) * {u:.4f}).backward() at a={_A}, b={_B}",
    )


# Python numbers on the left call the reflected methods (__rsub__, __rtruediv__...).
_MIXED = [
    ("2 + v", lambda v: 2 + v, lambda x: 2 + x),
    ("v + 2.5", lambda v: v + 2.5, lambda x: x + 2.5),
    ("2 - v", lambda v: 2 - v, lambda x: 2 - x),
    ("v - 2", lambda v: v - 2, lambda x: x - 2),
    ("3 * v", lambda v: 3 * v, lambda x: 3 * x),
    ("v * 3", lambda v: v * 3, lambda x: x * 3),
    ("1 / v", lambda v: 1 / v, lambda x: 1 / x),
    ("v / 4", lambda v: v / 4, lambda x: x / 4),
    ("2 * v ** 2 - 1 / v + 3", lambda v: 2 * v**2 - 1 / v + 3, lambda x: 2 * x**2 - 1 / x + 3),
]


@pytest.mark.parametrize(("label", "op", "ref"), _MIXED, ids=[r[0] for r in _MIXED])
def test_value_works_with_python_numbers_on_either_side(
    impl, num_grad, assert_close, label, op, ref
):
    x0 = 1.3
    v = impl.Value(x0)
    out = op(v)
    assert isinstance(out, impl.Value), (
        f"{label} with v = Value({x0}) returned {type(out).__name__}, expected a Value "
        "(define __radd__, __rsub__, __rmul__, __rtruediv__)"
    )
    assert_close(out.data, ref(x0), tol=1e-12, what=f"({label}).data with v = Value({x0})")
    out.backward()
    expected = num_grad(lambda p: ref(p[0]), np.array([x0]))[0]
    assert_close(v.grad, expected, tol=1e-8, what=f"v.grad after ({label}).backward(), v = {x0}")


# Expressions that use the node a more than once.
_REUSE = [
    ("a * a", lambda a: a * a, lambda x: x * x),
    ("a + a", lambda a: a + a, lambda x: x + x),
    ("a - a", lambda a: a - a, lambda x: x - x),
    ("a / a", lambda a: a / a, lambda x: x / x),
    ("a * a * a", lambda a: a * a * a, lambda x: x * x * x),
    ("(a + 1) * a.exp()", lambda a: (a + 1) * a.exp(), lambda x: (x + 1) * np.exp(x)),
]


@pytest.mark.parametrize(("label", "op", "ref"), _REUSE, ids=[r[0] for r in _REUSE])
def test_value_node_used_twice_accumulates(impl, num_grad, assert_close, label, op, ref):
    # a * a has the input a twice: its gradient is a + a = 2a, the sum of both
    # contributions. With `=` instead of `+=` the second overwrites the first.
    x0 = 0.9
    a = impl.Value(x0)
    op(a).backward()
    expected = num_grad(lambda p: ref(p[0]), np.array([x0]))[0]
    assert_close(
        a.grad, expected, tol=1e-8, what=f"a.grad after ({label}).backward() with a = {x0}"
    )


def test_value_diamond_graph_sums_both_paths(impl, num_grad, assert_close):
    # x -> h = tanh(x) -> {p = h * x, q = exp(h)} -> L = p + q: h has two
    # consumers and x reaches L along three paths (via p directly, via h
    # into p, via h into q).
    def ref(x):
        h = np.tanh(x)
        return h * x + np.exp(h)

    x0 = 0.6
    x = impl.Value(x0)
    h = x.tanh()
    loss = h * x + h.exp()
    loss.backward()
    expected_h = x0 + np.exp(np.tanh(x0))  # dL/dh = x + e^h
    assert_close(h.grad, expected_h, tol=1e-12, what="h.grad (dL/dh = x + e^h) in the diamond")
    expected_x = num_grad(lambda p: ref(p[0]), np.array([x0]))[0]
    assert_close(x.grad, expected_x, tol=1e-8, what="x.grad in the diamond x -> tanh -> {*, exp}")


def test_value_backward_waits_for_all_consumers(impl, num_grad, assert_close):
    # h reaches L along a short path (h * 3) and a long one (exp, tanh, * 2).
    # Visiting nodes breadth-first from L (or in any order that is not a
    # reversed topological order) runs h's backward before the long path has
    # delivered its share, and x.grad misses it.
    def ref(x):
        h = x * x
        return np.tanh(np.exp(h)) * 2 + h * 3

    x0 = 0.4
    x = impl.Value(x0)
    h = x * x
    loss = h.exp().tanh() * 2 + h * 3
    loss.backward()
    expected = num_grad(lambda p: ref(p[0]), np.array([x0]))[0]
    assert_close(x.grad, expected, tol=1e-8, what="x.grad for L = 2 tanh(exp(x^2)) + 3 x^2")


def test_value_backward_seeds_root_gradient_with_one(impl, assert_close):
    a, b = impl.Value(2.0), impl.Value(-3.0)
    loss = a * b
    loss.backward()
    assert_close(loss.grad, 1.0, tol=0, what="L.grad after L.backward() (dL/dL)")
    assert_close(
        [a.grad, b.grad], [-3.0, 2.0], tol=1e-12, what="[a.grad, b.grad] for L = a * b, a=2, b=-3"
    )


def test_value_gradient_of_a_neuron_matches_numerical(impl, rng, num_grad, assert_close):
    # tanh(w . x + b) built from Values, every input a leaf with a gradient.
    p0 = rng.standard_normal(7)  # x (3), w (3), b

    def ref(p):
        return np.tanh(p[0] * p[3] + p[1] * p[4] + p[2] * p[5] + p[6])

    leaves = [impl.Value(v) for v in p0]
    xs, ws, bias = leaves[:3], leaves[3:6], leaves[6]
    out = (xs[0] * ws[0] + xs[1] * ws[1] + xs[2] * ws[2] + bias).tanh()
    out.backward()
    assert_close(
        [leaf.grad for leaf in leaves],
        num_grad(ref, p0),
        tol=1e-8,
        what="[x0, x1, x2, w0, w1, w2, b].grad for tanh(w . x + b)",
    )


def test_value_backward_handles_a_deep_chain(impl, assert_close):
    # 5000 multiplications in a row: a recursive topological sort needs 5000
    # nested calls and raises RecursionError (Python's limit is 1000).
    n, c = 5000, 1.0001
    x = impl.Value(0.5)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    assert_close(x.grad, c**n, tol=1e-9, what=f"x.grad for y = x * {c} (applied {n} times)")


@pytest.mark.parametrize("exponent", [2, 3, -1, 0.5, -2.5, 1, 0])
def test_value_pow_takes_a_constant_exponent(impl, assert_close, exponent):
    # d(x^n)/dx = n x^(n-1), with the upstream gradient 1.5 from L = 1.5 * x^n.
    x0 = 1.7
    x = impl.Value(x0)
    out = x**exponent
    assert_close(out.data, x0**exponent, tol=1e-12, what=f"(Value({x0}) ** {exponent!r}).data")
    (out * 1.5).backward()
    expected = 1.5 * exponent * x0 ** (exponent - 1)
    assert_close(
        x.grad,
        expected,
        tol=1e-12,
        what=f"x.grad after (1.5 * x ** {exponent!r}).backward(), x={x0}",
    )


def test_value_pow_zero_exponent_at_zero_has_zero_gradient(impl):
    # x^0 = 1 is constant: its gradient is 0 everywhere, also at x = 0, where
    # the power rule's 0 * 0 ** -1 would divide by zero (PyTorch returns 0).
    x = impl.Value(0.0)
    out = x**0
    out.backward()
    assert out.data == 1.0, f"(Value(0.0) ** 0).data is {out.data!r}, expected 1.0"
    assert x.grad == 0.0, f"x.grad after (Value(0.0) ** 0).backward() is {x.grad!r}, expected 0.0"


@pytest.mark.parametrize(
    ("exponent", "expected"), [(0.5, math.inf), (1, 1.0), (2, 0.0), (1.5, 0.0)]
)
def test_value_pow_at_zero_follows_pytorch(impl, exponent, expected):
    # d(x^n)/dx at x = 0: infinite for 0 < n < 1 (Python's 0.0 ** -0.5 raises
    # ZeroDivisionError, PyTorch returns inf), 1 for n = 1, 0 for n > 1.
    x = impl.Value(0.0)
    (x**exponent).backward()
    assert x.grad == expected, (
        f"x.grad after (Value(0.0) ** {exponent}).backward() is {x.grad!r}, expected {expected!r}"
    )


def test_value_pow_rejects_a_value_exponent(impl):
    # Only constant exponents: d(a^b)/db = a^b log(a) is not part of this engine.
    with pytest.raises(TypeError):
        impl.Value(2.0) ** impl.Value(3.0)


@pytest.mark.parametrize("method", ["sigmoid", "tanh"])
@pytest.mark.parametrize("x0", [1000.0, -1000.0])
def test_value_squashing_is_stable_for_large_inputs(impl, assert_close, method, x0):
    x = impl.Value(x0)
    try:
        out = getattr(x, method)()
        out.backward()
    except OverflowError as error:
        pytest.fail(
            f"Value({x0}).{method}() or its backward() raised OverflowError ({error}): "
            "math.exp of a large positive number overflows; see the method's Hint",
            pytrace=False,
        )
    low = 0.0 if method == "sigmoid" else -1.0
    expected = 1.0 if x0 > 0 else low
    assert_close(out.data, expected, tol=1e-12, what=f"Value({x0}).{method}().data")
    assert_close(x.grad, 0.0, tol=1e-12, what=f"x.grad after Value({x0}).{method}().backward()")


def test_value_relu_gradient_at_zero_is_zero(impl):
    # The kink: PyTorch uses 0 as relu's derivative at exactly 0.
    x = impl.Value(0.0)
    out = x.relu()
    out.backward()
    assert (out.data, x.grad) == (0.0, 0.0), (
        f"Value(0.0).relu() gave data {out.data}, x.grad {x.grad}; expected 0.0 and 0.0"
    )


def _shared_graph(Value):
    """A graph with shared subexpressions; returns (root, nodes, edges, stray)."""
    a, b, c = Value(0.5), Value(-1.2), Value(2.0)
    d = a * b
    e = d + c
    f = d * e  # d used twice
    g = e.tanh()  # e used twice
    h = f + g
    k = h * h  # h used twice by one consumer: k._prev == (h, h)
    root = k * a  # the leaf a used twice
    stray = a * c  # built from a, but root does not depend on it
    nodes = {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "h": h, "k": k, "root": root}
    edges = {"d": "ab", "e": "dc", "f": "de", "g": "e", "h": "fg", "k": "hh", "root": "ka"}
    return root, nodes, edges, stray


def _positions(order, nodes):
    ids = [id(node) for node in order]
    return {name: ids.index(id(node)) for name, node in nodes.items() if id(node) in ids}


def test_topological_order_puts_inputs_first(impl):
    root, nodes, edges, _ = _shared_graph(impl.Value)
    order = list(impl.topological_order(root))
    pos = _positions(order, nodes)
    missing = sorted(set(nodes) - set(pos))
    assert not missing, f"topological_order(root) is missing the nodes {missing}"
    for name, inputs in edges.items():
        for inp in inputs:
            assert pos[inp] < pos[name], (
                f"topological_order(root) puts {name} at position {pos[name]} before its "
                f"input {inp} at position {pos[inp]}; every node must come after its inputs"
            )
    assert pos["root"] == len(order) - 1, (
        f"root is at position {pos['root']} of {len(order)}, expected last"
    )


def test_topological_order_lists_each_node_once(impl):
    # d, e, h and a are used twice: a DFS without a visited set lists them twice,
    # and backward would then run their _backward twice (doubled gradients).
    root, nodes, _, stray = _shared_graph(impl.Value)
    order = list(impl.topological_order(root))
    ids = [id(node) for node in order]
    dupes = sorted({n for n, node in nodes.items() if ids.count(id(node)) > 1})
    assert not dupes, f"topological_order(root) lists {dupes} more than once"
    assert id(stray) not in ids, "topological_order(root) includes a node root does not depend on"
    assert len(order) == len(nodes), (
        f"topological_order(root) returned {len(order)} nodes, expected the {len(nodes)} "
        f"nodes {sorted(nodes)}"
    )


@pytest.mark.parametrize("label", ["d * e", "e * d"])
def test_topological_order_places_an_input_reached_first_from_a_sibling(impl, label):
    # root = d * e with e = d + c: one input of root (e) depends on the other
    # (d). A DFS that marks nodes as seen when it *pushes* them, rather than
    # when it expands them, expands e, finds d already "seen", and places e
    # before its input d; backward then runs d's closure before e has added
    # its share to d.grad. Both operand orders, since the push order matters.
    a, b, c = impl.Value(0.5), impl.Value(-1.2), impl.Value(2.0)
    d = a * b
    e = d + c
    root = d * e if label == "d * e" else e * d
    nodes = {"a": a, "b": b, "c": c, "d": d, "e": e, "root": root}
    order = list(impl.topological_order(root))
    pos = _positions(order, nodes)
    missing = sorted(set(nodes) - set(pos))
    assert not missing, f"topological_order(root = {label}) is missing the nodes {missing}"
    edges = {"d": "ab", "e": "dc", "root": "de"}
    for name, inputs in edges.items():
        for inp in inputs:
            assert pos[inp] < pos[name], (
                f"topological_order(root = {label}, e = d + c, d = a * b) puts {name} at "
                f"position {pos[name]} before its input {inp} at position {pos[inp]}; "
                "mark a node as seen when you expand it, not when you push it"
            )


def test_topological_order_handles_a_deep_chain(impl):
    n = 5000
    x = impl.Value(0.3)
    chain = [x]
    for _ in range(n):
        chain.append(chain[-1].tanh())
    order = list(impl.topological_order(chain[-1]))
    assert [id(v) for v in order] == [id(v) for v in chain], (
        f"topological_order on a chain of {n + 1} nodes must return the chain from the leaf "
        f"to the root; got {len(order)} nodes"
    )


def test_neuron_forward_backward_output_is_sigmoid_of_affine(impl, assert_close):
    # z = 0.5 * 1 + (-0.25) * 2 + 0.1 = 0.1; sigmoid(0.1) = 0.52497918747894...
    y, *_ = impl.neuron_forward_backward(np.array([1.0, 2.0]), np.array([0.5, -0.25]), 0.1)
    assert_close(
        y, 1 / (1 + math.exp(-0.1)), tol=1e-12, what="y for x=[1, 2], w=[0.5, -0.25], b=0.1"
    )


@pytest.mark.parametrize(("which", "index"), [("dy_dw", 1), ("dy_db", 2), ("dy_dx", 3)])
def test_neuron_forward_backward_gradient_matches_numerical(
    impl, rng, num_grad, assert_close, which, index
):
    # x and w differ (and are not symmetric in any way), so swapping them in
    # the backward (dy_dw = s'(z) * w) gives a wrong answer.
    n = 5
    x = rng.standard_normal(n)
    w = rng.standard_normal(n) * 0.7
    b = 0.3

    def y_of(xx, ww, bb):
        return 1.0 / (1.0 + np.exp(-(ww @ xx + bb)))

    numeric = {
        "dy_dw": lambda: num_grad(lambda p: y_of(x, p, b), w, h=1e-5),
        "dy_db": lambda: num_grad(lambda p: y_of(x, w, p[0]), np.array([b]), h=1e-5)[0],
        "dy_dx": lambda: num_grad(lambda p: y_of(p, w, b), x, h=1e-5),
    }[which]()
    got = impl.neuron_forward_backward(x, w, b)[index]
    assert_close(
        got, numeric, tol=1e-8, what=f"{which} of neuron_forward_backward(x (5,), w (5,), b)"
    )


def test_neuron_forward_backward_return_types(impl, rng):
    x, w = rng.standard_normal(4), rng.standard_normal(4)
    y, dy_dw, dy_db, dy_dx = impl.neuron_forward_backward(x, w, 0.2)
    assert isinstance(y, float), f"y is {type(y).__name__}, expected a float"
    assert isinstance(dy_db, float), f"dy_db is {type(dy_db).__name__}, expected a float"
    for name, g in (("dy_dw", dy_dw), ("dy_dx", dy_dx)):
        assert isinstance(g, np.ndarray), f"{name} is {type(g).__name__}, expected an ndarray"
        assert g.shape == (4,), f"{name} has shape {g.shape}, expected (4,)"


@pytest.mark.parametrize("b", [1000.0, -1000.0])
def test_neuron_forward_backward_is_stable_for_large_preactivation(
    impl, assert_close, call_quietly, b
):
    # z = w . x + b is about +-1000: e^1000 overflows (a RuntimeWarning, an
    # error in this test run). The true y is 1 or 0 and every gradient is 0.
    x, w = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -0.25])
    what = f"neuron_forward_backward(x, w, b={b})"
    try:
        y, dy_dw, dy_db, dy_dx = call_quietly(impl.neuron_forward_backward, x, w, b, what=what)
    except OverflowError as error:
        pytest.fail(f"{what} raised OverflowError ({error}): see the Hint", pytrace=False)
    assert_close(y, 1.0 if b > 0 else 0.0, tol=1e-12, what=f"y of {what}")
    assert_close(dy_dw, np.zeros(3), tol=1e-12, what=f"dy_dw of {what}")
    assert_close(dy_db, 0.0, tol=1e-12, what=f"dy_db of {what}")
    assert_close(dy_dx, np.zeros(3), tol=1e-12, what=f"dy_dx of {what}")


def test_neuron_forward_backward_rejects_mismatched_shapes(impl):
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)|\(4,\).*\(3,\)"):
        impl.neuron_forward_backward(np.ones(3), np.ones(4), 0.0)


def test_two_path_gradient_at_one_matches_hand_values(impl, assert_close):
    # f(1) = sin 1 + e = 3.559752813...
    # f'(1) = cos 1 + 2 sin 1 + 2e = 7.659808...
    f, df = impl.two_path_gradient(1.0)
    assert_close(f, math.sin(1) + math.e, tol=1e-12, what="f of two_path_gradient(1.0)")
    expected = math.cos(1) + 2 * math.sin(1) + 2 * math.e
    assert_close(df, expected, tol=1e-12, what="df_dx of two_path_gradient(1.0)")


@pytest.mark.parametrize("x0", [-1.3, 0.4, 2.0])
def test_two_path_gradient_matches_numerical(impl, num_grad, assert_close, x0):
    # Catches a missing path: the 2x of the inner x^2 in exp(x^2), or one of
    # the two product-rule terms of sin(x) * x^2.
    def f(p):
        return np.sin(p[0]) * p[0] ** 2 + np.exp(p[0] ** 2)

    _, df = impl.two_path_gradient(x0)
    expected = num_grad(f, np.array([x0]))[0]
    assert_close(df, expected, tol=1e-8, what=f"df_dx of two_path_gradient({x0})")


def test_two_path_gradient_returns_floats_for_a_scalar(impl):
    f, df = impl.two_path_gradient(0.5)
    for name, got in (("f", f), ("df_dx", df)):
        assert isinstance(got, float), (
            f"{name} of two_path_gradient(0.5) is {type(got).__name__}, expected a float"
        )


def test_two_path_gradient_is_elementwise_on_arrays(impl, rng, num_vjp, assert_close):
    x = rng.uniform(-1.5, 1.5, size=(2, 3))
    f, df = impl.two_path_gradient(x)
    assert_close(
        f, np.sin(x) * x**2 + np.exp(x**2), tol=1e-12, what="f of two_path_gradient(x (2, 3))"
    )
    dout = rng.standard_normal(x.shape)
    expected = num_vjp(lambda p: np.sin(p) * p**2 + np.exp(p**2), x, dout)
    assert_close(df * dout, expected, tol=1e-8, what="df_dx * dout of two_path_gradient(x (2, 3))")


# --- every operation accumulates on a reused node; tails; edges -------------

# Each expression uses a in two places, one of them through the operation
# named first. Reverse topological order runs the outer consumer's backward
# first and the named operation's backward after it, so an `=` in that
# operation's closure overwrites the contribution already in a.grad.
_REUSE_EVERY_OP = [
    ("a ** 2 * a", lambda a: a**2 * a, lambda x: x**2 * x),
    ("a ** 0.5 + a ** 2", lambda a: a**0.5 + a**2, lambda x: x**0.5 + x**2),
    ("a.exp() * a", lambda a: a.exp() * a, lambda x: np.exp(x) * x),
    ("a.log() * a", lambda a: a.log() * a, lambda x: np.log(x) * x),
    ("a.tanh() * a", lambda a: a.tanh() * a, lambda x: np.tanh(x) * x),
    ("a.relu() * a", lambda a: a.relu() * a, lambda x: max(x, 0.0) * x),
    ("a.sigmoid() * a", lambda a: a.sigmoid() * a, lambda x: _np_sigmoid(x) * x),
    ("-a * a", lambda a: -a * a, lambda x: -x * x),
    ("(2 + a) * a", lambda a: (2 + a) * a, lambda x: (2 + x) * x),
    ("(a + 2.5) * a", lambda a: (a + 2.5) * a, lambda x: (x + 2.5) * x),
    ("(2 - a) * a", lambda a: (2 - a) * a, lambda x: (2 - x) * x),
    ("(a - 2) * a", lambda a: (a - 2) * a, lambda x: (x - 2) * x),
    ("(3 * a) * a", lambda a: (3 * a) * a, lambda x: (3 * x) * x),
    ("(a * 3) * a", lambda a: (a * 3) * a, lambda x: (x * 3) * x),
    ("(1 / a) * a ** 3", lambda a: (1 / a) * a**3, lambda x: (1 / x) * x**3),
    ("(a / 4) * a", lambda a: (a / 4) * a, lambda x: (x / 4) * x),
    ("a / (a + 1)", lambda a: a / (a + 1), lambda x: x / (x + 1)),
    ("t = a.tanh(); t * t + t", lambda a: (lambda t: t * t + t)(a.tanh()), None),
    ("e = a.exp(); e * e - e", lambda a: (lambda e: e * e - e)(a.exp()), None),
    ("s = a.sigmoid(); s * (1 - s)", lambda a: (lambda s: s * (1 - s))(a.sigmoid()), None),
    ("g = a.log(); g * g / g ** 3", lambda a: (lambda g: g * g / g**3)(a.log()), None),
    ("r = a.relu(); r * r + 2 * r", lambda a: (lambda r: r * r + 2 * r)(a.relu()), None),
]
_REUSE_FLOAT = {
    "t = a.tanh(); t * t + t": lambda x: np.tanh(x) ** 2 + np.tanh(x),
    "e = a.exp(); e * e - e": lambda x: np.exp(x) ** 2 - np.exp(x),
    "s = a.sigmoid(); s * (1 - s)": lambda x: _np_sigmoid(x) * (1 - _np_sigmoid(x)),
    "g = a.log(); g * g / g ** 3": lambda x: 1.0 / np.log(x),
    "r = a.relu(); r * r + 2 * r": lambda x: max(x, 0.0) ** 2 + 2 * max(x, 0.0),
}


@pytest.mark.parametrize(
    ("label", "op", "ref"), _REUSE_EVERY_OP, ids=[r[0] for r in _REUSE_EVERY_OP]
)
def test_value_every_operation_accumulates_on_a_reused_node(
    impl, num_grad, assert_close, label, op, ref
):
    ref = ref or _REUSE_FLOAT[label]
    x0 = 1.6  # positive: log and ** 0.5 are defined, relu passes
    a = impl.Value(x0)
    out = op(a)
    assert_close(out.data, ref(x0), tol=1e-12, what=f"({label}).data with a = {x0}")
    out.backward()
    expected = num_grad(lambda p: ref(p[0]), np.array([x0]))[0]
    assert_close(a.grad, expected, tol=1e-8, what=f"a.grad after ({label}).backward(), a = {x0}")


def test_value_leaf_used_by_two_separate_unary_operations_gets_both(impl, assert_close):
    # a feeds exp and tanh directly: both closures add to a.grad.
    x0 = 0.3
    a = impl.Value(x0)
    (a.exp() + a.tanh() + a.sigmoid() + a.relu() + (a + 1).log()).backward()
    s = 1.0 / (1.0 + math.exp(-x0))
    expected = math.exp(x0) + (1 - math.tanh(x0) ** 2) + s * (1 - s) + 1.0 + 1 / (x0 + 1)
    assert_close(a.grad, expected, tol=1e-12, what="a.grad for exp + tanh + sigmoid + relu + log")


@pytest.mark.parametrize("x0", [-40.0, -700.0])
def test_value_sigmoid_keeps_relative_precision_in_the_negative_tail(impl, assert_close, x0):
    # sigmoid(-40) = 4.2e-18: computing it as 1 - sigmoid(40) (or
    # 1 - 1 / (1 + e^x)) gives exactly 0. The gradient s (1 - s) is then 0 too.
    x = impl.Value(x0)
    out = x.sigmoid()
    out.backward()
    s = math.exp(x0) / (1.0 + math.exp(x0))
    assert_close(out.data, s, tol=1e-12, what=f"Value({x0}).sigmoid().data", floor=0.0)
    assert_close(
        x.grad, s * (1.0 - s), tol=1e-12, what=f"x.grad after Value({x0}).sigmoid()", floor=0.0
    )


@pytest.mark.parametrize("x0", [1e-9, -3e-6])
def test_value_tanh_keeps_relative_precision_near_zero(impl, assert_close, x0):
    # tanh(x) = x - x^3/3 + ... : (e^2x - 1) / (e^2x + 1) loses about
    # half the digits near 0 (e^2x - 1 cancels).
    x = impl.Value(x0)
    out = x.tanh()
    out.backward()
    assert_close(out.data, x0 - x0**3 / 3, tol=1e-12, what=f"Value({x0}).tanh().data", floor=0.0)
    assert_close(x.grad, 1.0 - x0**2, tol=1e-12, what=f"x.grad after Value({x0}).tanh()", floor=0.0)


@pytest.mark.parametrize("x0", [-700.0, 700.0])
def test_value_exp_keeps_relative_precision_in_both_tails(impl, assert_close, x0):
    x = impl.Value(x0)
    out = x.exp()
    out.backward()
    assert_close(out.data, math.exp(x0), tol=1e-14, what=f"Value({x0}).exp().data", floor=0.0)
    assert_close(x.grad, math.exp(x0), tol=1e-14, what=f"x.grad after Value({x0}).exp()", floor=0.0)


def test_topological_order_of_a_single_leaf_is_the_leaf(impl):
    leaf = impl.Value(1.5)
    order = list(impl.topological_order(leaf))
    assert [id(v) for v in order] == [id(leaf)], (
        f"topological_order(leaf) returned {len(order)} nodes, expected [leaf]"
    )


def test_value_backward_on_a_leaf_sets_its_grad_to_one(impl):
    leaf = impl.Value(1.5)
    leaf.backward()
    assert leaf.grad == 1.0, f"Value(1.5).backward() left grad {leaf.grad!r}, expected 1.0"


def test_neuron_forward_backward_keeps_relative_precision_in_the_negative_tail(impl, assert_close):
    # z = -40: y = 4.2e-18 and dy/dz = y (1 - y). 1 - 1 / (1 + e^z) gives 0.
    x, w = np.array([2.0, -1.0]), np.array([-10.0, 20.0])  # w . x = -40
    y, dy_dw, dy_db, dy_dx = impl.neuron_forward_backward(x, w, 0.0)
    s = math.exp(-40.0) / (1.0 + math.exp(-40.0))
    d = s * (1.0 - s)
    what = "neuron_forward_backward(x, w, 0) with w . x = -40"
    assert_close(y, s, tol=1e-12, what=f"y of {what}", floor=0.0)
    assert_close(dy_dw, d * x, tol=1e-12, what=f"dy_dw of {what}", floor=0.0)
    assert_close(dy_db, d, tol=1e-12, what=f"dy_db of {what}", floor=0.0)
    assert_close(dy_dx, d * w, tol=1e-12, what=f"dy_dx of {what}", floor=0.0)


def test_neuron_forward_backward_with_one_input_keeps_vector_shapes(impl, assert_close):
    # n = 1 and b = 0 (falsy but valid): z = -0.5 * 2 = -1; nothing squeezed.
    y, dy_dw, dy_db, dy_dx = impl.neuron_forward_backward(np.array([2.0]), np.array([-0.5]), 0.0)
    s = 1.0 / (1.0 + math.exp(1.0))
    assert_close(y, s, tol=1e-12, what="y of neuron_forward_backward([2], [-0.5], 0)")
    assert_close(dy_dw, [2.0 * s * (1 - s)], tol=1e-12, what="dy_dw for n = 1")
    assert_close(dy_dx, [-0.5 * s * (1 - s)], tol=1e-12, what="dy_dx for n = 1")
    assert_close(dy_db, s * (1 - s), tol=1e-12, what="dy_db for n = 1")


def test_two_path_gradient_treats_a_0d_array_as_a_scalar(impl, assert_close):
    f, df = impl.two_path_gradient(np.array(1.0))
    for name, got in (("f", f), ("df_dx", df)):
        assert isinstance(got, float), (
            f"{name} of two_path_gradient(np.array(1.0)) is {type(got).__name__}, expected float"
        )
    assert_close(df, math.cos(1) + 2 * math.sin(1) + 2 * math.e, tol=1e-12, what="df_dx at 1")


def test_two_path_gradient_keeps_a_length_one_array(impl, assert_close):
    f, df = impl.two_path_gradient(np.array([0.0]))
    # At 0: f = 0 + e^0 = 1 and every term of df/dx carries a factor x: 0.
    assert_close(f, [1.0], tol=0, what="f of two_path_gradient(np.array([0.0]))")
    assert_close(df, [0.0], tol=0, what="df_dx of two_path_gradient(np.array([0.0]))")


# --- every exercise leaves the caller's arrays untouched ---------------------


def test_neuron_forward_backward_leaves_inputs_untouched(impl, rng, call_untouched):
    x, w = rng.standard_normal(4), rng.standard_normal(4)
    call_untouched(impl.neuron_forward_backward, x, w, 0.3, what="neuron_forward_backward(x, w, b)")


def test_two_path_gradient_leaves_x_untouched(impl, rng, call_untouched):
    call_untouched(impl.two_path_gradient, rng.standard_normal((2, 3)), what="two_path_gradient(x)")


# --- repeated calls: leaves accumulate, no state kept between calls ----------


def test_value_backward_accumulates_leaf_grads_across_graphs(impl, assert_close):
    # Two losses built one after the other from the same leaves (as in
    # gradient accumulation over micro-batches): like PyTorch, the second
    # backward() adds to a.grad and b.grad. A backward() that first resets
    # every grad of its graph to 0 (leaves included) loses the first loss.
    a0, b0 = 0.7, -0.4
    a, b = impl.Value(a0), impl.Value(b0)
    (a * b).tanh().backward()
    (a * (a + b).exp()).backward()
    t = 1.0 - math.tanh(a0 * b0) ** 2  # tanh'(ab)
    e = math.exp(a0 + b0)
    expected = [t * b0 + e * (1.0 + a0), t * a0 + a0 * e]  # d/da, d/db of L1 + L2
    assert_close(
        [a.grad, b.grad],
        expected,
        tol=1e-12,
        what=(
            f"[a.grad, b.grad] after tanh(a*b).backward() then (a * exp(a + b)).backward(), "
            f"a={a0}, b={b0} (leaf grads must accumulate across calls)"
        ),
    )


def test_topological_order_keeps_no_state_between_calls(impl):
    # A visited set that outlives the call (a mutable default argument
    # `seen=set()`, a module-level set, an attribute on the nodes that is
    # never cleared) makes the second call on the same graph skip its nodes.
    root, nodes, _, _ = _shared_graph(impl.Value)
    first = [id(v) for v in impl.topological_order(root)]
    second = [id(v) for v in impl.topological_order(root)]
    assert len(first) == len(nodes), (
        f"topological_order(root) returned {len(first)} nodes, expected {len(nodes)}"
    )
    assert second == first, (
        f"topological_order(root) called twice on the same graph returned {len(first)} "
        f"nodes, then {len(second)} nodes in a different order or number; expected the same "
        "list both times (keep the visited set local to the call)"
    )


def test_value_records_its_inputs_in_order_with_repeats(impl):
    a, b = impl.Value(2.0), impl.Value(-3.0)
    ab, aa = a * b, a * a
    assert [id(v) for v in ab._prev] == [id(a), id(b)], (
        f"(a * b)._prev has {len(ab._prev)} entries, expected (a, b) in that order"
    )
    assert [id(v) for v in aa._prev] == [id(a), id(a)], (
        f"(a * a)._prev has {len(aa._prev)} entries, expected (a, a): a tuple that repeats a, "
        "not a set"
    )


def test_neuron_forward_backward_rejects_matrices(impl):
    # x and w of the same shape (2, 2) are not vectors: the docstring asks for
    # a ValueError, not whatever w @ x or float() happens to raise.
    with pytest.raises(ValueError):
        impl.neuron_forward_backward(np.ones((2, 2)), np.ones((2, 2)), 0.0)


if __name__ == "__main__":
    import sys

    sys.exit(pytest.main([__file__, "-q", "--tb=short", *sys.argv[1:]]))
