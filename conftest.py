"""Test harness shared by every topic.

Each topic folder ``NN-name/`` holds ``exercises.py`` (the learner's stubs, with
the topic's tests below them) and ``solutions.py`` (the reference). The tests
never import either file themselves: they receive the module under test
through the ``impl`` fixture, which is the learner's ``exercises.py`` by
default and the sibling ``solutions.py`` under ``pytest --solutions``.

Outcomes, per test:

* passed / failed as usual;
* "not implemented yet" when the learner's code raised ``NotImplementedError``
  (the untouched stub). That is not a failure: such a test is reported as
  skipped, with no traceback. Under ``--solutions`` it *is* a failure.

Every test belongs to one exercise: the public function or class of
``exercises.py`` whose name starts the test's name (``test_softmax_is_stable``
belongs to ``softmax``; the longest matching name wins, case-insensitively, so
``test_value_add`` belongs to ``Value``). At the end of a run a progress table
shows, per topic, how many exercises pass and which status box the README's
Progress Tracker should show; a run of a single topic (``python exercises.py``)
also lists every exercise.

The fixtures at the bottom (``rng``, ``num_grad``, ``num_vjp``, ``rel_error``,
``assert_close``, ``call_quietly``, ``call_untouched``) are trusted helpers for the tests: none of
them computes an expected value from learner code, so a test's expected value
cannot inherit a learner's bug. ``call_untouched`` is the harness's check that an
exercise leaves the caller's arrays bit-for-bit as they were.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import sys
import warnings
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

# Figures are drawn off-screen in every run: no window ever opens, and tests
# work on machines with no display. Set before anything imports matplotlib.
os.environ["MPLBACKEND"] = "Agg"

TOPIC_DIR = re.compile(r"^\d\d-[a-z0-9-]+$")
NOT_STARTED, IN_PROGRESS, COMPLETE = "⬜ Not Started", "🟨 In Progress", "✅ Complete"


# --------------------------------------------------------------------------
# Options and the module under test
# --------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("curriculum")
    group.addoption(
        "--solutions",
        action="store_true",
        help="run every topic's tests against solutions.py instead of exercises.py",
    )
    group.addoption(
        "--check-stubs",
        action="store_true",
        help="(CI) fail unless every exercise test reports 'not implemented yet'; "
        "a test that passes or fails against an untouched stub tests nothing",
    )


@cache
def _load_solutions(path: Path):
    """Import a topic's solutions.py by path, once per run."""
    name = "solutions_" + re.sub(r"\W", "_", path.parent.name)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def impl(request: pytest.FixtureRequest):
    """The module under test: the learner's exercises.py, or solutions.py."""
    if request.config.getoption("solutions"):
        return _load_solutions(Path(request.node.path).with_name("solutions.py"))
    return request.module


def _topic_of(item: pytest.Item) -> str | None:
    path = Path(item.path)
    if path.name == "exercises.py" and TOPIC_DIR.match(path.parent.name):
        return path.parent.name
    return None


# --------------------------------------------------------------------------
# Which exercise does each test belong to?
# --------------------------------------------------------------------------


def _exercise_names(module) -> list[str]:
    """Public functions and classes defined in a topic's exercises.py."""
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith(("_", "test"))
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


def _exercise_for(test_name: str, exercises: list[str]) -> str | None:
    stem = test_name.removeprefix("test_").lower()
    matches = [e for e in exercises if stem == e.lower() or stem.startswith(e.lower() + "_")]
    return max(matches, key=len) if matches else None


# --------------------------------------------------------------------------
# Outcomes: "not implemented yet" is not a failure
# --------------------------------------------------------------------------


def _is_not_implemented(item: pytest.Item, call: pytest.CallInfo) -> bool:
    return (
        call.excinfo is not None
        and call.excinfo.errisinstance(NotImplementedError)
        and not item.config.getoption("solutions")
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Report a stub's NotImplementedError as "not implemented yet".

    The report is built here, before pytest's own hook would render a full
    traceback (source lines for every frame) that nobody reads: with hundreds
    of stubs that rendering dominates the run time.
    """
    if call.when != "call" or not _is_not_implemented(item, call):
        return None
    report = pytest.TestReport(
        nodeid=item.nodeid,
        location=item.location,
        keywords={name: 1 for name in item.keywords},
        outcome="skipped",
        longrepr=(str(item.path), (item.location[1] or 0) + 1, "not implemented yet"),
        when="call",
        sections=[],
        duration=call.duration,
        user_properties=item.user_properties,
    )
    report.not_implemented = True
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if getattr(report, "not_implemented", False):
        return "not implemented yet", "n", ("NOT IMPLEMENTED YET", {"yellow": True})
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Progress(config), "curriculum-progress")


# --------------------------------------------------------------------------
# The progress report
# --------------------------------------------------------------------------


def _exercise_status(outcomes: list[str]) -> str:
    if "failed" in outcomes:
        return "failed"
    if all(o == "passed" for o in outcomes):
        return "passed"
    if all(o == "not implemented" for o in outcomes):
        return "not implemented"
    return "incomplete"


def _topic_status(statuses: list[str]) -> str:
    if statuses and all(s == "passed" for s in statuses):
        return COMPLETE
    if all(s == "not implemented" for s in statuses):
        return NOT_STARTED
    return IN_PROGRESS


_SYMBOL = {"passed": "PASS", "failed": "FAIL", "not implemented": "TODO", "incomplete": "PART"}


def _indent(text: str, prefix: str = "           ", max_lines: int = 20) -> str:
    lines = text.splitlines() or [""]
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more lines)"]
    return "\n".join(prefix + line for line in lines)


def _failure_message(report: pytest.TestReport) -> str:
    """The test's own failure message, without the traceback.

    pytest.fail(...) messages lose their "Failed: " prefix, and a plain
    ``assert cond, "message"`` keeps its message but not pytest's
    re-evaluation of the expression (the "assert ... + where ..." lines).
    """
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else str(report.longrepr)
    message = message.removeprefix("Failed: ")
    if message.startswith("AssertionError: ") and "\nassert " in message:
        message = message.split("\nassert ", 1)[0]
    return message


class _Progress:
    """Records each exercise test's outcome and writes the reports."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.solutions = config.getoption("solutions")
        self.exercise_of: dict[str, tuple[str, str]] = {}
        # (topic, exercise) -> [(test name, outcome, message)], in run order
        self.results: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        self.skipped: list[str] = []
        self.partial = False

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        unowned = []
        for item in items:
            topic = _topic_of(item)
            if topic is None or not isinstance(item, pytest.Function):
                continue
            exercise = _exercise_for(item.originalname, _exercise_names(item.module))
            if exercise is None:
                unowned.append(item.nodeid)
            self.exercise_of[item.nodeid] = (topic, exercise)
        if unowned:
            raise pytest.UsageError(
                "these tests do not start with test_<exercise>, so no exercise owns them:\n  "
                + "\n  ".join(unowned)
            )

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.partial = True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        not_implemented = getattr(report, "not_implemented", False)
        if report.skipped and not not_implemented:
            self.skipped.append(report.nodeid)
        key = self.exercise_of.get(report.nodeid)
        if key is None:
            return
        name = report.nodeid.split("::")[-1]
        if not_implemented:
            self.results[key].append((name, "not implemented", ""))
        elif report.failed:
            self.results[key].append((name, "failed", _failure_message(report)))
        elif report.skipped:
            self.results[key].append((name, "skipped", str(report.longrepr)))
        elif report.when == "call":
            self.results[key].append((name, "passed", ""))

    def by_topic(self) -> dict[str, dict[str, list]]:
        topics: dict[str, dict[str, list]] = defaultdict(dict)
        for (topic, exercise), results in self.results.items():
            topics[topic][exercise] = results
        return topics

    def errors(self) -> list[str]:
        """What makes this run fail beyond ordinary test failures."""
        errors = []
        if self.solutions and self.skipped:
            errors.append(
                "--solutions: these tests were skipped, and every test must run against "
                "the reference solutions:\n  " + "\n  ".join(self.skipped)
            )
        if self.config.getoption("check_stubs") and not self.solutions:
            ran = [
                f"{name} ({outcome})"
                for results in self.results.values()
                for name, outcome, _ in results
                if outcome != "not implemented"
            ]
            if ran:
                errors.append(
                    "--check-stubs: these exercise tests did not stop at a stub's "
                    "NotImplementedError, so they test nothing:\n  " + "\n  ".join(ran)
                )
            if not self.results:
                errors.append("--check-stubs: no exercise test ran")
        return errors

    def pytest_terminal_summary(self, terminalreporter) -> None:
        tr = terminalreporter
        topics = self.by_topic()
        if topics:
            if len(topics) == 1 or self.config.getoption("verbose") > 0:
                for topic in sorted(topics):
                    self.write_exercises(tr, topic, topics[topic])
            self.write_table(tr, topics)
        for line in self.errors():
            tr.write_line(line, red=True)

    def write_exercises(self, tr, topic: str, exercises: dict[str, list]) -> None:
        tr.write_sep("-", f"{topic}: exercises")
        for exercise, results in exercises.items():
            outcomes = [o for _, o, _ in results]
            status = _exercise_status(outcomes)
            n_passed = outcomes.count("passed")
            if status == "not implemented":
                detail = "not implemented yet"
            elif status == "passed":
                detail = f"passed ({n_passed}/{len(results)} tests)"
            else:
                detail = f"{n_passed}/{len(results)} tests passed"
            tr.write_line(f"  [{_SYMBOL[status]}] {exercise}: {detail}")
            for name, outcome, message in results:
                if outcome == "failed":
                    tr.write_line(f"         failed {name}:")
                    tr.write_line(_indent(message))
                elif outcome == "not implemented" and status != "not implemented":
                    tr.write_line(f"         {name}: stopped at code that is not implemented yet")

    def write_table(self, tr, topics: dict[str, dict[str, list]]) -> None:
        mode = "solutions.py" if self.solutions else "exercises.py"
        tr.write_sep("=", f"progress ({mode})")
        width = max(len("all topics run"), *(len(t) for t in topics))
        tr.write_line(f"  {'topic':<{width}}  exercises passing  README status")
        total_done = total = 0
        for topic in sorted(topics):
            statuses = [_exercise_status([o for _, o, _ in r]) for r in topics[topic].values()]
            done = statuses.count("passed")
            total_done += done
            total += len(statuses)
            count = f"{done} / {len(statuses)}"
            tr.write_line(f"  {topic:<{width}}  {count:>17}  {_topic_status(statuses)}")
        tr.write_line(f"  {'all topics run':<{width}}  {f'{total_done} / {total}':>17}")
        if self.partial or self.config.getoption("keyword") or self.config.getoption("markexpr"):
            tr.write_line("  (only the selected tests ran: the counts cover those tests alone)")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if session.shouldfail or session.shouldstop:
            self.partial = True
        if self.errors() and session.exitstatus == 0:
            session.exitstatus = 1


# --------------------------------------------------------------------------
# Trusted helpers for the tests
# --------------------------------------------------------------------------


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded generator: every test sees the same numbers on every run."""
    return np.random.default_rng(20261125)


def _fmt(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(array.item())
    return np.array2string(array, precision=6, threshold=30, edgeitems=3, max_line_width=88)


def rel_error(a, b, floor: float = 1e-8) -> float:
    """max |a - b| / max(floor, |a| + |b|), element-wise ratio then the max (CS231n).

    The floor keeps entries that are both (nearly) zero from dividing 0 by 0,
    and makes values below about floor * tol count as agreeing. A test of
    accuracy in a far tail (sigmoid(-700) is 1e-304) passes ``floor=0.0``:
    every entry is then measured against its own size (two exact zeros agree).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = np.abs(a - b)
    denominator = np.maximum(floor, np.abs(a) + np.abs(b))
    ratio = np.divide(diff, denominator, out=np.zeros_like(diff), where=denominator > 0)
    return float(np.max(ratio, initial=0.0))


def assert_close(
    actual, expected, *, tol: float = 1e-9, what: str = "the result", floor: float = 1e-8
) -> None:
    """Fail with the call, the expected and the actual value unless they agree.

    Shapes must match exactly (no broadcasting), every actual entry must be
    finite where the expected one is, and the relative error (``rel_error``
    with the given floor) must be <= tol.
    """
    actual_arr = np.asarray(actual, dtype=np.float64)
    expected_arr = np.asarray(expected, dtype=np.float64)
    if actual_arr.shape != expected_arr.shape:
        pytest.fail(
            f"{what} has shape {actual_arr.shape}, expected shape {expected_arr.shape}\n"
            f"  actual:   {_fmt(actual_arr)}\n  expected: {_fmt(expected_arr)}",
            pytrace=False,
        )
    bad = np.isfinite(expected_arr) & ~np.isfinite(actual_arr)
    if np.any(bad):
        pytest.fail(
            f"{what} contains nan or inf where a finite value was expected "
            f"(an overflow, a log of 0, or a division by 0?)\n"
            f"  actual:   {_fmt(actual_arr)}\n  expected: {_fmt(expected_arr)}",
            pytrace=False,
        )
    finite = np.isfinite(expected_arr)
    if np.any(~finite & (actual_arr != expected_arr)):
        pytest.fail(
            f"{what} differs from the expected non-finite entries\n"
            f"  actual:   {_fmt(actual_arr)}\n  expected: {_fmt(expected_arr)}",
            pytrace=False,
        )
    err = rel_error(actual_arr[finite], expected_arr[finite], floor)
    if err > tol:
        floor_note = " (no floor: each entry against its own size)" if floor == 0 else ""
        pytest.fail(
            f"{what} is wrong: max relative error {err:.1e} > tolerance {tol:.0e}{floor_note}\n"
            f"  actual:   {_fmt(actual_arr)}\n  expected: {_fmt(expected_arr)}"
            + (f"\n  (shape {actual_arr.shape})" if actual_arr.ndim else ""),
            pytrace=False,
        )


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function f at x (any shape).

    f receives a float64 copy of x, perturbed one entry at a time; the
    caller's array is never modified. Error O(h^2) from truncation plus about
    eps * |f| / h from rounding: near 1e-10 for well-scaled f in float64.
    """
    point = np.array(x, dtype=np.float64)
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + h
        f_plus = float(f(point))
        point[index] = original - h
        f_minus = float(f(point))
        point[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad


def numerical_vjp(f: Callable[[np.ndarray], np.ndarray], x, dout, h: float = 1e-6) -> np.ndarray:
    """Numerical vector-Jacobian product: the gradient of sum(f(x) * dout) at x.

    This is what a layer's backward must return for input x given the
    upstream gradient dout. Use a random dout: with ones, a backward that is
    wrong in a way that sums to zero (softmax, batch norm) would still pass.
    """
    dout = np.asarray(dout, dtype=np.float64)
    return numerical_gradient(lambda point: np.sum(np.asarray(f(point)) * dout), x, h)


def call_quietly(fn: Callable, *args, what: str, **kwargs):
    """Call fn(*args, **kwargs); a RuntimeWarning becomes a clear test failure.

    NumPy warns, rather than raises, when an exp overflows or a log meets 0,
    and the result is then inf or nan. A stable implementation raises no
    warning at all, so any warning fails the test, with a message that names
    the call instead of a traceback deep inside NumPy.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return fn(*args, **kwargs)
        except RuntimeWarning as warning:
            pytest.fail(
                f"{what} raised RuntimeWarning: {warning}\n"
                "  an exp overflowed, or a log or a division met 0: see the function's Hint",
                pytrace=False,
            )


def _snapshot(value):
    """A deep copy of the array data in value (arrays, lists, tuples, dicts), or None."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (int, float, complex, str, bytes, bool, type(None), np.generic)):
        return value
    return None  # callables, generators, other objects: not compared


def _changed(before, after, path: str) -> str | None:
    """Where after differs from the snapshot before (bit for bit), or None."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray):
            return f"{path} was replaced by a {type(after).__name__}"
        if before.shape != after.shape or before.dtype != after.dtype:
            return f"{path} changed from {before.dtype}{before.shape} to {after.dtype}{after.shape}"
        if before.tobytes() != after.tobytes():
            where = np.argwhere(~((before == after) | ((before != before) & (after != after))))
            first = tuple(int(i) for i in where[0]) if len(where) else ()
            index = f"[{', '.join(map(str, first))}]" if first else ""
            detail = (
                f" (first at {path}{index}: {_fmt(before[first])} became {_fmt(after[first])})"
                if len(where)
                else ""
            )
            return f"{path} was modified in place{detail}"
        return None
    if isinstance(before, (list, tuple)):
        if not isinstance(after, (list, tuple)) or len(before) != len(after):
            return f"{path} changed length or type (an append, pop or reassignment?)"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            found = _changed(b, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(before) != set(after):
            return f"{path} gained or lost keys: {sorted(map(str, before))} -> " + (
                f"{sorted(map(str, after))}" if isinstance(after, dict) else type(after).__name__
            )
        for key in before:
            found = _changed(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if before is None:
        return None
    same = before == after or (before != before and after != after)
    return None if same else f"{path} changed from {before!r} to {after!r}"


def call_untouched(fn: Callable, *args, what: str | None = None, mutable=(), **kwargs):
    """Call fn(*args, **kwargs) and fail if it modified any argument in place.

    Every array argument, and every array inside a list, tuple or dict
    argument, must be bit-for-bit the same after the call: an in-place
    normalisation, shift, clamp or mask of the caller's data is a bug that a
    value check cannot see (the returned value is right; the caller's array is
    not). Arguments named in ``mutable`` (such as a ``bn_param`` dict whose
    running statistics a function must update) are not checked. Returns fn's
    result.
    """
    try:
        bound = inspect.signature(fn).bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        bound = {f"argument {i}": a for i, a in enumerate(args)} | kwargs
    names = {id(v): n for n, v in bound.items()}
    watched = [
        (names.get(id(value), "an argument"), value, _snapshot(value))
        for value in [*args, *kwargs.values()]
        if names.get(id(value)) not in mutable
    ]
    result = fn(*args, **kwargs)
    call = what or f"{getattr(fn, '__name__', 'the function')}(...)"
    for name, value, before in watched:
        found = _changed(before, value, name)
        if found:
            pytest.fail(
                f"{call} modified its input: {found}\n"
                "  the caller's arrays must come back untouched: work on a copy "
                "(x = x.copy(), or x = x - shift instead of x -= shift)",
                pytrace=False,
            )
    return result


@pytest.fixture
def num_grad() -> Callable:
    """numerical_gradient(f, x, h=1e-6): trusted central-difference gradient."""
    return numerical_gradient


@pytest.fixture
def num_vjp() -> Callable:
    """numerical_vjp(f, x, dout, h=1e-6): gradient of sum(f(x) * dout) at x."""
    return numerical_vjp


@pytest.fixture(name="rel_error")
def rel_error_fixture() -> Callable:
    """rel_error(a, b, floor=1e-8): the CS231n relative error, max over elements."""
    return rel_error


@pytest.fixture(name="call_quietly")
def call_quietly_fixture() -> Callable:
    """call_quietly(fn, *args, what=..., **kwargs): fail on any RuntimeWarning."""
    return call_quietly


@pytest.fixture(name="call_untouched")
def call_untouched_fixture() -> Callable:
    """call_untouched(fn, *args, what=None, mutable=(), **kwargs): fail if fn changes an input."""
    return call_untouched


@pytest.fixture(name="assert_close")
def assert_close_fixture() -> Callable:
    """assert_close(actual, expected, *, tol=1e-9, what=..., floor=1e-8): shape + relative error."""
    return assert_close


@pytest.fixture(autouse=True)
def _close_figures():
    """Free every matplotlib figure a test made (plot tests build real figures)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
