"""Lessons learned and customer stories (handbook: "Track internal Project team wins,
lessons learned, and Customer Stories within the Internal Project Retrospective issue"),
each with one of the handbook's labels, recorded idempotently for the retrospective."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.terms import LESSON_LABELS
from bot.pmo.wins import clean_text
from bot.store.models import Lesson

_BY_FOLDED = {label.casefold(): label for label in LESSON_LABELS}
LABELS_LIST = ", ".join(LESSON_LABELS)


def lesson_label(text: str) -> str | None:
    """The handbook label `text` names, in any letter case; None when it names none."""
    return _BY_FOLDED.get(text.strip().casefold())


def parse_label(text: str) -> str:
    """The handbook label `text` names, or a UserError listing them (one line)."""
    label = lesson_label(text)
    if label is None:
        shown = text.strip()[:40] or "(nothing)"
        raise UserError(f"“{shown}” is not a lesson label; use one of {LABELS_LIST}.")
    return label


def describe(label: str) -> str:
    """What a label records, in words: "customer story" or "lesson learned (llProduct)"."""
    return "customer story" if label == "CustomerStory" else f"lesson learned ({label})"


def record_lesson(
    session: Session,
    *,
    project_id: int | None,
    label: str,
    text: str,
    author_id: str,
    now: dt.datetime,
    source_permalink: str = "",
    request_key: str | None = None,
) -> tuple[Lesson, bool]:
    """Store a lesson; (lesson, created) — a replayed submission returns the first."""
    if request_key is not None:
        existing = session.scalar(sa.select(Lesson).where(Lesson.request_key == request_key))
        if existing is not None:
            return existing, False
    lesson = Lesson(
        project_id=project_id,
        label=parse_label(label),
        text=clean_text(text, "what was learned"),
        author_id=author_id,
        source_permalink=source_permalink,
        request_key=request_key,
        created_at=now,
    )
    session.add(lesson)
    session.flush()
    return lesson, True
