"""Flashcards: every question and model answer as an Anki deck, or a TSV file.

The .apkg needs the optional genanki package (``pip install -e ".[anki]"``).
One subdeck per topic; note GUIDs come from the topic and the question text,
so importing a newer export updates the existing cards instead of adding
copies. Without genanki, a tab-separated file that Anki imports as plain text
(File > Import; fields: Front, Back, Tags).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from .bank import Question, to_anki_html

DECK = "ML interview curriculum"
MODEL_ID = 1_607_392_319  # fixed forever: Anki matches note types by id


def stable_id(text: str) -> int:
    """A positive 31-bit id that depends only on text (Anki deck ids)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) & 0x7FFFFFFF


def note_guid(question: Question) -> str:
    """The note's GUID: from the topic and the question, not from its position."""
    return "mlic-" + question.id


def _tag(topic: str) -> str:
    return "topic::" + topic


def export_apkg(questions: list[Question], path: Path) -> int:
    """Write an Anki package; returns the number of notes."""
    import genanki

    model = genanki.Model(
        MODEL_ID,
        "ML interview question",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Topic"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": '<div class="topic">{{Topic}}</div>{{Question}}',
                "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
            }
        ],
        css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }\n"
        ".topic { color: #888; font-size: 13px; }",
    )
    decks = {}
    for question in questions:
        name = f"{DECK}::{question.topic}"
        deck = decks.get(name) or decks.setdefault(name, genanki.Deck(stable_id(name), name))
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[to_anki_html(question.text), to_anki_html(question.answer), question.topic],
                guid=note_guid(question),
                tags=[_tag(question.topic)],
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(path))
    return len(questions)


def export_tsv(questions: list[Question], path: Path) -> int:
    """Write Front<TAB>Back<TAB>Tags lines (HTML fields); returns the number of rows."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write("#separator:tab\n#html:true\n#tags column:3\n")
        writer = csv.writer(file, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        for question in questions:
            writer.writerow(
                [
                    to_anki_html(question.text),
                    to_anki_html(question.answer).replace("\n", ""),
                    _tag(question.topic),
                ]
            )
    return len(questions)


def have_genanki() -> bool:
    try:
        import genanki  # noqa: F401
    except ImportError:
        return False
    return True
