"""Tests of the root conftest.py harness itself (run by CI, not by learners).

    pytest -p pytester tools/harness/test_harness.py

Each test builds a miniature curriculum in a temporary folder (the real
conftest.py and pytest settings, one topic with two exercises) and runs pytest
on it in a subprocess, as a learner would.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--import-mode=importlib --doctest-glob=topic.md"
python_files = ["exercises.py"]
python_classes = []
filterwarnings = ["error"]
"""

STUBS = '''
import pytest


def double(x):
    """Return 2 x."""
    raise NotImplementedError


def square(x):
    """Return x squared."""
    raise NotImplementedError


def test_double_of_three(impl):
    assert impl.double(3) == 6, f"double(3) returned {impl.double(3)}, expected 6"


def test_double_of_zero(impl):
    assert impl.double(0) == 0


def test_square_of_three(impl):
    assert impl.square(3) == 9, f"square(3) returned {impl.square(3)}, expected 9"
'''

SOLUTIONS = """
def double(x):
    return 2 * x


def square(x):
    return x * x
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    pytester.makefile(".toml", pyproject=PYPROJECT)
    topic = pytester.mkdir("01-demo")
    (topic / "exercises.py").write_text(STUBS)
    (topic / "solutions.py").write_text(SOLUTIONS)
    return pytester


def write_exercises(project: pytest.Pytester, double: str, square: str) -> None:
    source = STUBS.replace(
        '"""Return 2 x."""\n    raise NotImplementedError', f'"""Return 2 x."""\n    {double}'
    ).replace('"""Return x squared."""\n    raise NotImplementedError', f'"""x^2"""\n    {square}')
    (project.path / "01-demo" / "exercises.py").write_text(source)


def test_stubs_are_not_implemented_and_exit_zero(project):
    result = project.runpytest_subprocess()
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "*[[]TODO[]] double: not implemented yet",
            "*01-demo*0 / 2*Not Started",
            "*3 not implemented yet*",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
    result.stdout.no_fnmatch_line("*NotImplementedError*")


def test_solutions_pass_and_complete_the_topic(project):
    result = project.runpytest_subprocess("--solutions")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*progress (solutions.py)*", "*01-demo*2 / 2*Complete*"])
    result.assert_outcomes(passed=3)


def test_a_wrong_answer_fails_with_its_message(project):
    write_exercises(project, "return 3 * x", "raise NotImplementedError")
    result = project.runpytest_subprocess()
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*[[]FAIL[]] double: 1/2 tests passed",
            "*failed test_double_of_three:",
            "*double(3) returned 9, expected 6*",
            "*[[]TODO[]] square: not implemented yet",
            "*01-demo*0 / 2*In Progress*",
        ]
    )


def test_partial_progress_is_in_progress(project):
    write_exercises(project, "return 2 * x", "raise NotImplementedError")
    result = project.runpytest_subprocess()
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*[[]PASS[]] double*", "*01-demo*1 / 2*In Progress*"])


def test_unfinished_function_fails_under_solutions(project):
    (project.path / "01-demo" / "solutions.py").write_text(
        SOLUTIONS.replace("return x * x", "raise NotImplementedError")
    )
    result = project.runpytest_subprocess("--solutions")
    assert result.ret == 1
    result.assert_outcomes(passed=2, failed=1)


def test_skipped_test_fails_under_solutions(project):
    path = project.path / "01-demo" / "exercises.py"
    path.write_text(path.read_text() + "\n\ndef test_square_skipped(impl):\n    pytest.skip('x')\n")
    result = project.runpytest_subprocess("--solutions")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*--solutions: these tests were skipped*"])


def test_check_stubs_fails_on_a_test_that_passes_against_a_stub(project):
    path = project.path / "01-demo" / "exercises.py"
    path.write_text(path.read_text() + "\n\ndef test_square_tests_nothing(impl):\n    pass\n")
    assert project.runpytest_subprocess().ret == 0
    result = project.runpytest_subprocess("--check-stubs")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*--check-stubs*", "*test_square_tests_nothing (passed)*"])


def test_check_stubs_passes_on_untouched_stubs(project):
    assert project.runpytest_subprocess("--check-stubs").ret == 0


def test_a_test_that_names_no_exercise_is_a_usage_error(project):
    path = project.path / "01-demo" / "exercises.py"
    path.write_text(path.read_text() + "\n\ndef test_cube(impl):\n    impl.double(1)\n")
    result = project.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no exercise owns them*", "*test_cube*"])


def test_keyword_selection_marks_the_table_partial(project):
    result = project.runpytest_subprocess("--solutions", "-k", "square")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*01-demo*1 / 1*", "*only the selected tests ran*"])


def test_topic_md_doctests_run_in_both_modes(project):
    (project.path / "01-demo" / "topic.md").write_text(
        textwrap.dedent(
            """\
            # Demo

            ```python
            >>> print(1 + 1)
            3

            ```
            """
        )
    )
    for args in ((), ("--solutions",)):
        result = project.runpytest_subprocess(*args)
        assert result.ret == 1
        result.stdout.fnmatch_lines(["*FAILED 01-demo/topic.md::topic.md*"])


def test_call_untouched_names_the_argument_changed_in_place(project):
    path = project.path / "01-demo" / "exercises.py"
    path.write_text(
        path.read_text()
        + "\n\ndef normalise(x, weights):\n    '''x / x.sum().'''\n    raise NotImplementedError\n"
        + "\n\ndef test_normalise_leaves_inputs_untouched(impl, call_untouched):\n"
        + "    import numpy as np\n"
        + "    x, ws = np.array([1.0, 3.0]), [np.ones(2), np.zeros((2, 2))]\n"
        + "    call_untouched(impl.normalise, x, ws, what='normalise(x, weights)')\n"
    )
    with open(project.path / "01-demo" / "solutions.py", "a") as solutions:
        solutions.write(
            "\n\ndef normalise(x, weights):\n    weights[1][0, 1] = 7.0\n    return x\n"
        )
    result = project.runpytest_subprocess("--solutions")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*normalise(x, weights) modified its input: weights[[]1[]] was modified in place*"]
    )
    result.stdout.fnmatch_lines(["*first at weights[[]1[]][[]0, 1[]]: 0.0 became 7.0*"])
