"""Tests of the mock interview and the flashcard export (run by CI).

pytest -q tools/interview
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tools.interview import __main__ as cli
from tools.interview import export, schedule
from tools.interview.bank import (
    BankError,
    Question,
    interview_section,
    load_bank,
    parse_topic,
    resolve_topics,
    to_anki_html,
    to_terminal,
)

ROOT = Path(__file__).resolve().parents[2]
TOPICS = sorted(p for p in ROOT.glob("[0-9][0-9]-*") if (p / "topic.md").is_file())
DAY = schedule.DAY

SAMPLE = """# 99 · Sample

## Interview questions

1. **What is $`x_1`$?**
   <details><summary>Answer</summary>

   It is the **first** coordinate, $`x_1 = \\langle x, e_1 \\rangle`$.
   </details>

2. **Second question?**
   <details><summary>Answer</summary>

   ```math
   a < b
   ```
   </details>

## Gotchas
"""


def make_questions(n: int, topic: str = "01-a") -> list[Question]:
    return [Question(topic, i + 1, f"question {topic} {i}", f"answer {i}") for i in range(n)]


def scripted(lines):
    """An input() stand-in that replays lines, then raises EOFError."""
    replies = iter(lines)

    def ask(prompt: str = "") -> str:
        try:
            reply = next(replies)
        except StopIteration:
            raise EOFError from None
        if isinstance(reply, BaseException):
            raise reply
        return reply

    return ask


class Clock:
    def __init__(self, start: float = 1_000_000.0, step: float = 10.0) -> None:
        self.t, self.step = start, step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


# --- the question bank: one parser, every topic ----------------------------


@pytest.mark.parametrize("topic", TOPICS, ids=[t.name for t in TOPICS])
def test_every_topic_parses_with_one_answer_per_details_block(topic):
    markdown = (topic / "topic.md").read_text(encoding="utf-8")
    section = interview_section(markdown)
    assert section, f"{topic.name}/topic.md has no '## Interview questions' section"
    questions = parse_topic(markdown, topic.name)
    blocks = section.count("<details>")
    assert len(questions) == blocks, (
        f"{topic.name}: read {len(questions)} questions but the section has {blocks} <details>"
    )
    assert len(questions) >= 10, f"{topic.name}: {len(questions)} questions, the spec asks >= 10"
    for q in questions:
        assert q.text.strip(), f"{topic.name}: question {q.number} is empty"
        assert q.answer.strip(), f"{topic.name}: the answer to question {q.number} is empty"
        assert "<details" not in q.answer
        assert "</details>" not in q.answer
        assert not q.text.startswith(("**", "1.")), f"{topic.name}: markup left in {q.text!r}"
    assert len({q.id for q in questions}) == len(questions), f"{topic.name}: duplicate questions"


def test_parse_topic_reads_question_and_dedented_answer():
    questions = parse_topic(SAMPLE, "99-sample")
    assert [q.text for q in questions] == ["What is $`x_1`$?", "Second question?"]
    assert questions[0].answer.startswith("It is the **first**")
    assert questions[1].answer.startswith("```math")


@pytest.mark.parametrize(
    "broken",
    [
        SAMPLE.replace("<summary>Answer</summary>", "<summary>Model answer</summary>", 1),
        SAMPLE.replace("   </details>\n\n2.", "\n2.", 1),
        SAMPLE.replace("It is the **first** coordinate, $`x_1 = \\langle x, e_1 \\rangle`$.", ""),
        SAMPLE.replace("1. **What is $`x_1`$?**", ""),
    ],
    ids=["summary-renamed", "unclosed-details", "empty-answer", "no-question"],
)
def test_parse_topic_fails_loudly_when_the_format_drifts(broken):
    with pytest.raises(BankError):
        parse_topic(broken, "99-sample")


def test_question_id_depends_on_topic_and_text_not_position():
    a = Question("07-x", 1, "Why  ReLU?", "a")
    assert a.id == Question("07-x", 5, "Why ReLU?", "other answer").id
    assert a.id != Question("08-x", 1, "Why ReLU?", "a").id


@pytest.mark.parametrize(
    ("value", "expected"), [("7", "07-backpropagation"), ("07", "07-backpropagation")]
)
def test_resolve_topics_accepts_numbers_and_names(value, expected):
    assert resolve_topics(ROOT, [value]) == [expected]
    assert resolve_topics(ROOT, [expected, "backpropagation"]) == [expected]


@pytest.mark.parametrize("bad", ["99", "nothing-like-this", "0"])
def test_resolve_topics_names_the_bad_value(bad):
    with pytest.raises(BankError, match=repr(bad)):
        resolve_topics(ROOT, [bad])


def test_main_rejects_bad_topics_with_a_clear_message(capsys):
    assert cli.main(["--topics", "42"], root=ROOT) == 2
    err = capsys.readouterr().err
    assert "'42' matches no topic" in err
    assert "01" in err


# --- Markdown to terminal and Anki ----------------------------------------


def test_to_terminal_strips_html_keeps_tex_and_wraps():
    text = to_terminal("<b>Bold</b> and $`\\sum_i x_i`$ " + "word " * 40, width=40)
    assert "<b>" not in text
    assert "$\\sum_i x_i$" in text
    assert max(len(line) for line in text.splitlines()) <= 40


def test_to_anki_html_uses_mathjax_delimiters():
    html_text = to_anki_html("Here $`a < b`$ and $c$.\n\n```math\nx_1\n```")
    assert "\\(a &lt; b\\)" in html_text
    assert "\\(c\\)" in html_text
    assert "\\[x_1\\]" in html_text
    assert "$" not in html_text


# --- the schedule ---------------------------------------------------------


def test_rate_moves_between_leitner_boxes():
    q, history, now = make_questions(1)[0], {}, 5_000.0
    assert schedule.rate(history, q, "good", now)["box"] == 2
    assert schedule.rate(history, q, "easy", now)["box"] == 4
    assert schedule.rate(history, q, "hard", now)["box"] == 4
    record = schedule.rate(history, q, "again", now)
    assert record["box"] == 1, "again must send a question back to box 1"
    assert record["due"] == now, "again must be due at once"
    assert [r["rating"] for r in record["ratings"]] == ["good", "easy", "hard", "again"]
    with pytest.raises(ValueError):
        schedule.rate(history, q, "perfect", now)


def test_draw_puts_due_and_low_rated_first_then_unseen_then_the_rest():
    qs = make_questions(6)
    now = 100 * DAY
    history = {}
    schedule.rate(history, qs[0], "easy", now - 1)  # box 3, due in 3 days: not due
    schedule.rate(history, qs[1], "good", now - 2 * DAY)  # box 2, due a day ago
    schedule.rate(history, qs[2], "again", now - 10)  # box 1, due now
    drawn = schedule.draw(qs, history, 6, now, np.random.default_rng(0))
    assert drawn[:2] == [qs[2], qs[1]], "due questions, lowest box first"
    assert set(drawn[2:5]) == set(qs[3:6]), "then the unseen ones"
    assert drawn[5] == qs[0], "the question not yet due comes last"


def test_draw_is_fixed_for_a_fixed_seed_and_varies_with_it():
    qs = make_questions(40)
    first = schedule.draw(qs, {}, 5, 0.0, np.random.default_rng(7))
    assert first == schedule.draw(qs, {}, 5, 0.0, np.random.default_rng(7))
    assert first != schedule.draw(qs, {}, 5, 0.0, np.random.default_rng(8))
    assert len(set(first)) == 5


# --- the history file -----------------------------------------------------


def test_history_round_trip(tmp_path):
    path = tmp_path / "h.json"
    history = {}
    schedule.rate(history, make_questions(1)[0], "hard", 42.0)
    schedule.save_history(path, history)
    assert schedule.load_history(path) == history
    assert list(tmp_path.iterdir()) == [path], "no temporary file may be left behind"


def test_missing_history_is_empty(tmp_path):
    assert schedule.load_history(tmp_path / "absent.json") == {}


@pytest.mark.parametrize("content", ['{"questions": {"a": ', "[1, 2]", "\xff\xfe"])
def test_corrupt_history_is_reported_and_left_untouched(tmp_path, content):
    path = tmp_path / "h.json"
    path.write_text(content, encoding="latin-1")
    before = path.read_bytes()
    with pytest.raises(schedule.HistoryError, match="left untouched"):
        schedule.load_history(path)
    assert path.read_bytes() == before


def test_main_reports_a_corrupt_history(tmp_path, capsys):
    path = tmp_path / "h.json"
    path.write_text("{not json")
    assert cli.main(["--topics", "01", "--history", str(path)], root=ROOT) == 2
    assert "cannot read the ratings history" in capsys.readouterr().err


def test_an_interrupted_save_keeps_the_previous_history(tmp_path, monkeypatch):
    path = tmp_path / "h.json"
    old = {}
    schedule.rate(old, make_questions(1)[0], "good", 1.0)
    schedule.save_history(path, old)

    def dump_half_then_die(obj, file, **kwargs):
        file.write('{"version": 1, "questions": {"trunc')
        raise KeyboardInterrupt

    monkeypatch.setattr(schedule.json, "dump", dump_half_then_die)
    with pytest.raises(KeyboardInterrupt):
        schedule.save_history(path, {"new": {}})
    monkeypatch.undo()
    assert schedule.load_history(path) == old
    assert list(tmp_path.iterdir()) == [path]


# --- the interview loop ---------------------------------------------------


def run(tmp_path, qs, lines, seconds=60.0):
    out, history = io.StringIO(), {}
    path = tmp_path / "h.json"
    code = cli.run_interview(
        qs, history, path, seconds=seconds, ask=scripted(lines), out=out, now=Clock()
    )
    return code, out.getvalue(), path


def test_run_interview_shows_question_then_answer_and_saves_ratings(tmp_path):
    qs = make_questions(2)
    code, text, path = run(tmp_path, qs, ["", "3", "", "again"])
    assert code == 0
    assert text.index("question 01-a 0") < text.index("answer 0") < text.index("question 01-a 1")
    saved = schedule.load_history(path)
    assert [saved[q.id]["ratings"][-1]["rating"] for q in qs] == ["good", "again"]
    assert "within the 1:00" in text


def test_run_interview_asks_again_on_an_invalid_rating(tmp_path):
    code, _text, path = run(tmp_path, make_questions(1), ["", "7", "maybe", "e"])
    assert code == 0
    assert next(iter(schedule.load_history(path).values()))["ratings"][0]["rating"] == "easy"


def test_run_interview_keeps_ratings_on_end_of_input(tmp_path):
    qs = make_questions(3)
    code, text, path = run(tmp_path, qs, ["", "2", ""])
    assert code == 0
    assert "1 rating(s) saved" in text
    assert set(schedule.load_history(path)) == {qs[0].id}


def test_run_interview_exits_cleanly_on_ctrl_c(tmp_path):
    qs = make_questions(3)
    code, text, path = run(tmp_path, qs, ["", "4", KeyboardInterrupt()])
    assert code == 130
    assert "Interrupted. 1 rating(s) saved" in text
    assert set(schedule.load_history(path)) == {qs[0].id}


def test_run_interview_quits_on_q(tmp_path):
    code, text, path = run(tmp_path, make_questions(2), ["", "q"])
    assert code == 0
    assert "Stopped. 0 rating(s)" in text
    assert not path.exists()


def test_main_runs_a_whole_interview_without_a_tty(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("builtins.input", scripted(["", "3", "", "1"]))
    path = tmp_path / "h.json"
    args = ["--topics", "01", "02", "-n", "2", "--time", "0", "--seed", "3", "--history", str(path)]
    assert cli.main(args, root=ROOT) == 0
    assert len(schedule.load_history(path)) == 2
    out = io.StringIO()
    cli.print_stats(load_bank(ROOT), schedule.load_history(path), 0.0, out)
    assert "01-derivatives-gradients" in out.getvalue()


# --- the export -----------------------------------------------------------


def test_export_tsv_has_every_question(tmp_path):
    bank = load_bank(ROOT)
    path = tmp_path / "cards.tsv"
    assert export.export_tsv(bank, path) == len(bank)
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    assert len(rows) == len(bank)
    assert all(len(row.split("\t")) == 3 for row in rows)


def _read_apkg(path: Path, tmp_path: Path):
    with zipfile.ZipFile(path) as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        notes = db.execute("select guid, flds from notes").fetchall()
        decks = json.loads(db.execute("select decks from col").fetchone()[0])
    return notes, {d["name"] for d in decks.values()}


def test_export_apkg_has_every_question_in_topic_subdecks(tmp_path):
    pytest.importorskip("genanki")
    bank = load_bank(ROOT)
    path = tmp_path / "deck.apkg"
    export.export_apkg(bank, path)
    notes, decks = _read_apkg(path, tmp_path)
    assert len(notes) == len(bank)
    for topic in {q.topic for q in bank}:
        assert f"{export.DECK}::{topic}" in decks
    fronts = {flds.split("\x1f")[0] for _, flds in notes}
    assert all(to_anki_html(q.text) in fronts for q in bank)


def test_export_apkg_guids_are_stable_across_runs(tmp_path):
    pytest.importorskip("genanki")
    bank = load_bank(ROOT)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    export.export_apkg(bank, first / "deck.apkg")
    export.export_apkg(list(reversed(bank)), second / "deck.apkg")
    a, _ = _read_apkg(first / "deck.apkg", first)
    b, _ = _read_apkg(second / "deck.apkg", second)
    assert {g for g, _ in a} == {g for g, _ in b} == {export.note_guid(q) for q in bank}


def test_export_without_genanki_writes_tsv_and_says_how(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "have_genanki", lambda: False)
    out = io.StringIO()
    target = tmp_path / "cards.tsv"
    assert cli.main(["--export", "-o", str(target)], root=ROOT, out=out) == 0
    assert target.exists()
    assert 'pip install -e ".[anki]"' in out.getvalue()
