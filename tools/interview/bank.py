"""The question bank: every interview question and model answer in the topics.

A topic.md holds its questions in a section headed "Interview questions", each
a numbered bold question followed by its model answer in a
``<details><summary>Answer</summary> ... </details>`` block. This module reads
them (one parser for the mock interview, the export and the format test) and
turns their Markdown into terminal text or Anki HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

TOPIC_DIR = re.compile(r"^(\d\d)-[a-z0-9-]+$")
SECTION = re.compile(r"^##\s+(?:\d+\.\s*)?Interview questions\s*$", re.MULTILINE | re.IGNORECASE)
NEXT_SECTION = re.compile(r"^##\s", re.MULTILINE)
DETAILS = re.compile(
    r"<details>\s*<summary>\s*Answer\s*</summary>(?P<answer>.*?)</details>", re.DOTALL
)
NUMBERED = re.compile(r"^\s*\d+\.\s+")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*(\w*)\s*$")


class BankError(ValueError):
    """A topic.md whose questions cannot be read as the format says."""


@dataclass(frozen=True)
class Question:
    topic: str  # folder name, e.g. "07-backpropagation"
    number: int  # 1-based position in the topic's list
    text: str  # the question, Markdown
    answer: str  # the model answer, Markdown, dedented

    @property
    def id(self) -> str:
        """Stable id from the topic and the question's text (not its position)."""
        key = f"{self.topic}\n{' '.join(self.text.split())}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def interview_section(markdown: str) -> str:
    """The text of the "Interview questions" section ('' when there is none)."""
    start = SECTION.search(markdown)
    if start is None:
        return ""
    end = NEXT_SECTION.search(markdown, start.end())
    return markdown[start.end() : end.start() if end else len(markdown)]


def parse_topic(markdown: str, topic: str) -> list[Question]:
    """Every question of one topic.md, in order; BankError when the format drifts."""
    section = interview_section(markdown)
    questions = []
    cursor = 0
    for match in DETAILS.finditer(section):
        head = section[cursor : match.start()]
        cursor = match.end()
        # Both "1. **Question**" and "**1. Question**" occur.
        text = _unbold(NUMBERED.sub("", _unbold(head.strip()), count=1))
        answer = textwrap.dedent(match.group("answer").strip("\n")).strip()
        number = len(questions) + 1
        if not text:
            raise BankError(f"{topic}/topic.md: answer {number} has no question before it")
        if not answer:
            raise BankError(f"{topic}/topic.md: question {number} ({text[:60]!r}) has no answer")
        if "<details" in answer or "<details" in text:
            raise BankError(f"{topic}/topic.md: question {number} holds a nested <details>")
        questions.append(Question(topic, number, " ".join(text.split()), answer))
    opened = section.count("<details>")
    if opened != len(questions) or section.count("</details>") != len(questions):
        raise BankError(
            f"{topic}/topic.md: the Interview questions section has {opened} <details> blocks "
            f"but {len(questions)} question/answer pairs were read"
        )
    return questions


def _unbold(text: str) -> str:
    return re.sub(r"^\*\*(.*)\*\*$", r"\1", text.strip(), flags=re.DOTALL).strip()


def topic_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and TOPIC_DIR.match(p.name))


def load_bank(root: Path, topics: list[str] | None = None) -> list[Question]:
    """Questions of the named topic folders (all present when None)."""
    dirs = {d.name: d for d in topic_dirs(root)}
    names = topics if topics is not None else list(dirs)
    questions = []
    for name in names:
        path = dirs[name] / "topic.md"
        if path.is_file():
            questions += parse_topic(path.read_text(encoding="utf-8"), name)
    return questions


def resolve_topics(root: Path, wanted: list[str]) -> list[str]:
    """Map "7", "07", "07-backpropagation" or "backprop" to folder names.

    Raises BankError naming the value that matches no topic (or several).
    """
    names = [d.name for d in topic_dirs(root)]
    resolved = []
    for raw in wanted:
        value = raw.strip().lower()
        if value.isdigit():
            matches = [n for n in names if n[:2] == value.zfill(2)]
        else:
            matches = [n for n in names if n == value] or [n for n in names if value in n]
        if len(matches) != 1:
            listed = ", ".join(n[:2] for n in names)
            why = "matches no topic" if not matches else f"matches {', '.join(matches)}"
            raise BankError(f"--topics {raw!r} {why}; topics present: {listed}")
        if matches[0] not in resolved:
            resolved.append(matches[0])
    return resolved


# --------------------------------------------------------------------------
# Markdown to terminal text and to Anki HTML
# --------------------------------------------------------------------------

INLINE_MATH = re.compile(r"\$`(.+?)`\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _blocks(markdown: str):
    """Split Markdown into ("code", lines) and ("text", lines) blocks."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence:
            closing, body = fence.group(2), []
            lang = fence.group(3)
            i += 1
            while i < len(lines) and lines[i].strip() != closing:
                body.append(lines[i])
                i += 1
            i += 1
            yield ("math" if lang == "math" else "code"), textwrap.dedent("\n".join(body))
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not FENCE.match(lines[i]):
            para.append(lines[i])
            i += 1
        if para:
            yield "text", "\n".join(para)
        while i < len(lines) and not lines[i].strip():
            i += 1


def to_terminal(markdown: str, width: int = 88) -> str:
    """Plain text: HTML stripped, math left as TeX ($...$), wrapped to width."""
    out = []
    for kind, body in _blocks(markdown):
        if kind in ("math", "code"):
            out.append(textwrap.indent(body, "    "))
            continue
        text = TAG.sub("", body)
        text = INLINE_MATH.sub(lambda m: f"${m.group(1) or m.group(2)}$", text)
        text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
        items = re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", text)
        for item in items:
            bullet = re.match(r"\s*((?:[-*+]|\d+\.)\s+)", item)
            lead = bullet.group(1) if bullet else ""
            words = " ".join(item[bullet.end() if bullet else 0 :].split())
            out.append(
                textwrap.fill(
                    words,
                    width=width,
                    initial_indent=lead,
                    subsequent_indent=" " * len(lead),
                    break_on_hyphens=False,
                )
            )
    return "\n\n".join(part for part in out if part.strip())


def to_anki_html(markdown: str) -> str:
    """HTML for an Anki field: math in MathJax's \\(...\\) and \\[...\\] delimiters."""
    parts = []
    for kind, body in _blocks(markdown):
        if kind == "math":
            parts.append(f"<div>\\[{html.escape(body.strip(), quote=False)}\\]</div>")
        elif kind == "code":
            parts.append(f"<pre><code>{html.escape(body, quote=False)}</code></pre>")
        else:
            # Soft line breaks become spaces; a list item starts a new line.
            text = re.sub(r"\n(?!\s*(?:[-*+]|\d+\.)\s)", " ", TAG.sub("", body))
            parts.append(f"<div>{_inline_html(text)}</div>")
    return "\n".join(parts)


def _inline_html(text: str) -> str:
    pieces, last = [], 0
    for m in INLINE_MATH.finditer(text):
        pieces.append(_markup(text[last : m.start()]))
        pieces.append(f"\\({html.escape(m.group(1) or m.group(2), quote=False)}\\)")
        last = m.end()
    pieces.append(_markup(text[last:]))
    return "".join(pieces)


def _markup(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return text.replace("\n", "<br>")
