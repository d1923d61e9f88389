"""Command line: ``python -m tools.interview --help``."""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import numpy as np

from . import export, schedule
from .bank import BankError, Question, load_bank, resolve_topics, to_terminal

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / ".interview-history.json"
KEYS = {"1": "again", "2": "hard", "3": "good", "4": "easy"} | {r: r for r in schedule.RATINGS}
KEYS |= {r[0]: r for r in schedule.RATINGS}


class Quit(Exception):
    """The learner typed q at a prompt."""


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Countdown:
    """Rewrites one terminal line every second until stopped (TTY only)."""

    def __init__(self, seconds: float, out: TextIO, now: Callable[[], float]) -> None:
        self.deadline = now() + seconds
        self.out, self.now = out, now
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            left = self.deadline - self.now()
            if left <= 0:
                self.out.write("\r  time is up: press Enter for the model answer       ")
                self.out.flush()
                return
            self.out.write(f"\r  {_clock(left)} left: answer out loud, then press Enter ")
            self.out.flush()
            self.stop.wait(min(1.0, left))

    def __enter__(self) -> Countdown:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.out.write("\n")


def run_interview(
    questions: list[Question],
    history: dict,
    history_path: Path,
    *,
    seconds: float,
    ask: Callable[[str], str] | None = None,
    out: TextIO = sys.stdout,
    now: Callable[[], float] = time.time,
    live_countdown: bool = False,
    width: int = 88,
) -> int:
    """Ask each question, reveal its answer, record the rating. Returns an exit code.

    Each rating is saved at once, so Ctrl-C or end of input keeps every rating
    given so far.
    """
    ask = ask or input  # looked up at call time, so tests can replace input()
    rated = 0
    try:
        for index, question in enumerate(questions, 1):
            out.write(f"\n{'=' * width}\nQuestion {index}/{len(questions)} · {question.topic}\n\n")
            out.write(to_terminal(question.text, width) + "\n\n")
            start = now()
            if seconds > 0 and live_countdown:
                with Countdown(seconds, out, now):
                    ask("")
            else:
                limit = f" ({_clock(seconds)} to answer)" if seconds > 0 else ""
                ask(f"Answer out loud{limit}, then press Enter for the model answer. ")
            took = now() - start
            if seconds > 0:
                verdict = "within" if took <= seconds else f"{_clock(took - seconds)} over"
                out.write(f"  you took {_clock(took)}: {verdict} the {_clock(seconds)}\n")
            out.write(f"\n--- model answer {'-' * (width - 17)}\n")
            out.write(to_terminal(question.answer, width) + "\n\n")
            rating = _ask_rating(ask)
            schedule.rate(history, question, rating, now())
            schedule.save_history(history_path, history)
            rated += 1
    except Quit:
        out.write(f"\nStopped. {rated} rating(s) saved to {history_path}.\n")
        return 0
    except EOFError:
        out.write(f"\nEnd of input. {rated} rating(s) saved to {history_path}.\n")
        return 0
    except KeyboardInterrupt:
        out.write(f"\nInterrupted. {rated} rating(s) saved to {history_path}.\n")
        return 130
    out.write(f"\nDone: {rated} question(s) rated, saved to {history_path}.\n")
    return 0


def _ask_rating(ask: Callable[[str], str]) -> str:
    prompt = "How did it go? [1] again  [2] hard  [3] good  [4] easy  (q quits): "
    while True:
        answer = ask(prompt).strip().lower()
        if answer in ("q", "quit"):
            raise Quit
        if answer in KEYS:
            return KEYS[answer]
        prompt = "Please type 1, 2, 3 or 4 (again, hard, good, easy), or q to quit: "


def print_stats(questions: list[Question], history: dict, now: float, out: TextIO) -> None:
    rows = schedule.stats(questions, history, now)
    header = f"{'topic':<28}{'seen':>10}{'due':>6}" + "".join(f"{r:>7}" for r in schedule.RATINGS)
    out.write(header + "\n" + "-" * len(header) + "\n")
    for row in rows:
        given = sum(row[r] for r in schedule.RATINGS)
        weak = (row["again"] + row["hard"]) / given if given else 0.0
        flag = "  <- weak" if given and weak >= 0.5 else ""
        seen = f"{row['seen']}/{row['questions']}"
        out.write(
            f"{row['topic']:<28}{seen:>10}{row['due']:>6}"
            + "".join(f"{row[r]:>7}" for r in schedule.RATINGS)
            + flag
            + "\n"
        )
    out.write(
        "\n'due': rated questions whose next review is now. '<- weak': half or more of the "
        "ratings were again or hard.\n"
    )


def main(argv: list[str] | None = None, *, root: Path = ROOT, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.interview",
        description="A mock interview from the topics' interview questions, "
        "with spaced repetition; or an export of them as flashcards.",
    )
    parser.add_argument("-n", "--questions", type=int, default=5, help="how many (default 5)")
    parser.add_argument("--topics", nargs="+", metavar="T", help="e.g. 07 09 (default: all)")
    parser.add_argument(
        "--time", type=float, default=180, help="seconds per question, 0 for none (default 180)"
    )
    parser.add_argument("--seed", type=int, help="fix the random order among equals")
    parser.add_argument(
        "--history", type=Path, default=None, help="ratings file (default .interview-history.json)"
    )
    parser.add_argument("--stats", action="store_true", help="per-topic summary of your ratings")
    parser.add_argument(
        "--export",
        nargs="?",
        const="auto",
        choices=["auto", "anki", "tsv"],
        help="write flashcards: anki (.apkg, needs genanki), tsv, or auto (default)",
    )
    parser.add_argument("-o", "--output", type=Path, help="file to export to")
    args = parser.parse_args(argv)
    history_path = args.history or root / HISTORY.name

    try:
        topics = resolve_topics(root, args.topics) if args.topics else None
        questions = load_bank(root, topics)
    except BankError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not questions:
        print("error: no interview questions found in the topics named", file=sys.stderr)
        return 2

    if args.export:
        return _export(args.export, args.output, questions, out)

    try:
        history = schedule.load_history(history_path)
    except schedule.HistoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.stats:
        print_stats(questions, history, time.time(), out)
        return 0
    if args.questions < 1 or args.time < 0:
        print("error: -n must be at least 1 and --time at least 0", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    chosen = schedule.draw(questions, history, args.questions, time.time(), rng)
    width = min(shutil.get_terminal_size((88, 24)).columns, 100) - 1
    return run_interview(
        chosen,
        history,
        history_path,
        seconds=args.time,
        out=out,
        live_countdown=sys.stdin.isatty() and out.isatty(),
        width=width,
    )


def _export(kind: str, output: Path | None, questions: list[Question], out: TextIO) -> int:
    if kind == "anki" and not export.have_genanki():
        print(
            'error: the .apkg export needs genanki: pip install -e ".[anki]"\n'
            "(or use --export tsv, which Anki imports as plain text)",
            file=sys.stderr,
        )
        return 2
    if kind == "auto":
        kind = "anki" if export.have_genanki() else "tsv"
        if kind == "tsv":
            out.write(
                "genanki is not installed, so this writes a .tsv; for an Anki deck (.apkg) run\n"
                '  pip install -e ".[anki]"\nthen this command again.\n'
            )
    path = output or Path("ml-interview-cards." + ("apkg" if kind == "anki" else "tsv"))
    count = (export.export_apkg if kind == "anki" else export.export_tsv)(questions, path)
    topics = len({q.topic for q in questions})
    out.write(f"wrote {count} cards from {topics} topics to {path}\n")
    if kind == "tsv":
        out.write("Anki: File > Import, choose the file; fields are Front, Back, Tags.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
