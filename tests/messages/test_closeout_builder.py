"""The closeout summary builder: hours once actuals exist, many lessons, Block Kit limits."""

import datetime as dt
from decimal import Decimal

from bot.pmo.closeout import Closeout
from bot.pmo.closure import ProjectInfo
from bot.store.models import Lesson
from messages.closeout_builder import MAX_LESSONS_SHOWN, build_closeout_summary
from tests.messages.test_report_builder import assert_valid

PROJECT = ProjectInfo(1, "SOW-1", "Acme", "Rollout", "FF", "closing", None, None, "Pam")


def report(**overrides) -> Closeout:
    values = {
        "project": PROJECT,
        "estimated_hours": Decimal("400"),
        "actual_hours": None,
        "deliverables_url": "",
        "lessons": [],
        "wins": 3,
        **overrides,
    }
    return Closeout(**values)


def text_of(blocks) -> str:
    return "\n".join(str(block.to_dict()) for block in blocks)


def test_estimated_vs_actual_hours_once_actuals_exist():
    _, blocks = build_closeout_summary(
        report(actual_hours=Decimal("431.5")), shared_by="U0RM", em_group=""
    )
    assert "*Hours:* 400 h estimated (hard-booked in Kantata) · 431.5 h actual" in text_of(blocks)


def test_many_long_lessons_stay_within_block_kit_limits():
    lessons = [
        Lesson(
            label="llSupport", text="x" * 2000, created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        )
        for _ in range(30)
    ]
    text, blocks = build_closeout_summary(
        report(lessons=lessons), shared_by="U0RM", em_group="S0EM"
    )
    assert_valid([(text, blocks)])
    shown = text_of(blocks)
    assert shown.count("• lesson learned (llSupport)") == MAX_LESSONS_SHOWN
    assert f"…and {30 - MAX_LESSONS_SHOWN} more (`/ps wins SOW-1 --format md`)." in shown
    assert "Fixed Fee · PM Pam" in shown
