"""Ratings history and the Leitner schedule that decides the next draw.

Each question sits in a box from 1 to 5 once rated. "again" sends it back to
box 1, "hard" keeps it where it is, "good" moves it up one box and "easy" two.
A question in box b is due again INTERVAL_DAYS[b] days after its last rating,
so a question rated "again" is due at once. A draw takes, in this order:
due questions (lowest box first, then the longest overdue), questions never
seen (in random order), then the rest (soonest due first).

The history is a JSON file that git ignores. It is written to a temporary file
and renamed over the old one, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .bank import Question

RATINGS = ("again", "hard", "good", "easy")
INTERVAL_DAYS = {1: 0.0, 2: 1.0, 3: 3.0, 4: 7.0, 5: 21.0}
DAY = 86400.0
VERSION = 1


class HistoryError(ValueError):
    """A history file that exists but cannot be read."""


def load_history(path: Path) -> dict:
    """{question id: record}; empty when the file does not exist yet."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HistoryError(
            f"cannot read the ratings history {path}: {error}.\n"
            "It was left untouched. Move it away (or pass --history OTHER_FILE) to start afresh."
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise HistoryError(
            f"{path} is not a ratings history of this tool (no 'questions' table); "
            "it was left untouched. Move it away or pass --history OTHER_FILE."
        )
    return data["questions"]


def save_history(path: Path, history: dict) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump({"version": VERSION, "questions": history}, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rate(history: dict, question: Question, rating: str, now: float) -> dict:
    """Record a rating: move the question between boxes and set when it is due."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, got {rating!r}")
    record = history.get(question.id) or {
        "topic": question.topic,
        "question": question.text,
        "box": 0,
        "ratings": [],
    }
    box = max(record["box"], 1)  # a new question counts as box 1
    record["box"] = min({"again": 1, "hard": box, "good": box + 1, "easy": box + 2}[rating], 5)
    record["due"] = now + INTERVAL_DAYS[record["box"]] * DAY
    record["ratings"].append({"at": now, "rating": rating})
    history[question.id] = record
    return record


def draw(
    questions: Iterable[Question],
    history: dict,
    n: int,
    now: float,
    rng: np.random.Generator,
) -> list[Question]:
    """n questions: due ones (lowest box first), then unseen ones, then the rest."""
    pool = list(questions)
    order = rng.permutation(len(pool))  # random among equals; fixed for a fixed seed

    def key(position: int):
        question = pool[order[position]]
        record = history.get(question.id)
        if record is None:
            return (1, 0, 0.0, position)
        if record["due"] <= now:
            return (0, record["box"], record["due"], position)
        return (2, 0, record["due"], position)

    ranked = sorted(range(len(pool)), key=key)
    return [pool[order[i]] for i in ranked[:n]]


def stats(questions: Iterable[Question], history: dict, now: float) -> list[dict]:
    """Per topic: questions, seen, due now, and how often each rating was given."""
    rows: dict[str, dict] = {}
    for question in questions:
        row = rows.setdefault(
            question.topic,
            {"topic": question.topic, "questions": 0, "seen": 0, "due": 0}
            | {r: 0 for r in RATINGS},
        )
        row["questions"] += 1
        record = history.get(question.id)
        if record is None:
            continue
        row["seen"] += 1
        row["due"] += record["due"] <= now
        for entry in record["ratings"]:
            row[entry["rating"]] += 1
    return list(rows.values())
