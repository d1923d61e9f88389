"""Drill the curriculum's interview questions: a mock interview and flashcards.

    python -m tools.interview                     # 5 questions, 3 minutes each
    python -m tools.interview --topics 07 09 -n 3 # only some topics
    python -m tools.interview --stats             # how each topic went so far
    python -m tools.interview --export            # Anki deck (.apkg) or a .tsv

Every question and model answer comes from the "Interview questions" section
of a topic.md (``bank``). Ratings go to a git-ignored history file
(``schedule``), which decides what comes next: Leitner boxes, due and
low-rated questions first.
"""
