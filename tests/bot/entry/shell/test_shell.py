"""`psbot shell --demo` driven through its stdin and stdout, as a user would type."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.settings import load_settings
from bot.entry.shell.start import run_shell
from bot.entry.slack_standin.workspace import TEAM_ID as SHELL_TEAM

ROOT = Path(__file__).resolve().parents[4]


def lines(*typed: str) -> str:
    return "\n".join(typed) + "\n"


def action_number(output: str, label: str) -> int:
    """The number the shell gave the last action shown with `label`."""
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", output)
    assert numbers, f"no [N] {label} in the output"
    return int(numbers[-1])


def test_banner_says_who_where_and_when(shell):
    out = shell(lines(":quit"))
    assert "Database: " in out and "demo portfolio, seeded Tue 2026-11-24" in out
    assert "Clock: Tue 2026-11-24 10:00 EST (America/New_York)" in out
    assert "You are @priya (Priya Patel) in #ps_pmo." in out


def test_help_is_rendered_as_text(shell):
    out = shell(lines("/ps help", ":quit"))
    assert "psbot → #ps_pmo · only visible to you" in out
    assert "psbot — the PMO week in Slack" in out
    assert "/ps notes [PROJECT] — write or edit this week's R-Y-G note" in out
    assert "weekly R-Y-G notes (🔴 🟡 🟢)" in out
    assert "`" not in out.split("/ps help", 1)[1]  # mrkdwn code marks are shown plainly


def test_notes_modal_asks_each_field_and_asks_again_after_a_validation_error(shell):
    out = shell(
        lines(
            "/ps notes SOW-1001",
            "UAT signed off; cut-over booked",  # progress
            "red",  # internal temperature
            "",  # customer: keep Green
            "Firewall change pending. Action: CAB on Thursday",  # issue
            "",  # assistance
            "@dana, leo.rossi@example.com",  # DRI & contributors
            "-",  # RAID link: cleared, which a Red note may not allow
            "-",  # epic link: cleared
            "",  # Work Exception link
            "https://gitlab.example.com/ps/plan/-/issues/41",  # Change Order link
            "",  # Work at Risk link
            "",  # forecast push
            "-",  # upside: cleared
            "https://gitlab.example.com/acme/raid/-/issues/7",  # asked again: RAID
            "https://gitlab.example.com/groups/acme/-/epics/3",  # asked again: epic
            ":quit",
        )
    )
    assert "psbot opened a modal" in out and "Weekly note" in out
    assert "Acme Corp — Platform Rollout (SOW-1001) · week 2026-W48" in out
    assert "now: 🟢 Green" in out  # pre-filled from this week's note
    assert "psbot didn't accept “Weekly note”:" in out
    assert "✖ RAID link: A Yellow or Red project needs its RAID link." in out
    assert out.count("RAID link · optional") == 2  # asked, then asked again
    assert "Submitted “Weekly note”; the modal closed." in out
    confirmation = out.split("psbot → DM with @Priya Patel", 1)[1]
    assert "Acme Corp — Platform Rollout (SOW-1001) 🔴 internal · 🟢 customer" in confirmation
    assert "DRI & contributors: @Dana Kim, @Leo Rossi" in confirmation
    assert "RAID (https://gitlab.example.com/acme/raid/-/issues/7)" in confirmation
    assert "Change Order (https://gitlab.example.com/ps/plan/-/issues/41)" in confirmation
    assert "Upside:" not in confirmation
    assert re.search(r"\[\d+\] Edit", confirmation)


def test_notes_without_a_project_starts_with_the_picker(shell):
    out = shell(lines("/ps notes", "", "Platform Rollout", ":cancel", ":quit"))
    assert "[1] ▾ Type a SOW, customer or project" in out
    assert "Your projects" in out and "⭐ Acme Corp — Data Migration (SOW-1002)" in out
    # Picking a project updates the modal to that project's form.
    assert "Acme Corp — Platform Rollout (SOW-1001) · week 2026-W48" in out
    assert "One-line progress update · required" in out
    assert "Closed “Weekly note”; nothing was submitted." in out


def test_the_notes_picker_searches_as_slack_does(shell):
    out = shell(lines("/ps notes", "sow-1002", "1", ":cancel", ":quit"))
    assert "1) ⭐ Acme Corp — Data Migration (SOW-1002)" in out
    assert "    2) " not in out.split("search (Enter for all)>", 1)[1].split("Weekly note")[0]
    assert "Acme Corp — Data Migration (SOW-1002) · week 2026-W48" in out

    out = shell(lines("/ps notes", "no such thing", ":cancel", ":quit"))
    assert "Nothing matches that." in out


def test_app_home_quick_actions_open_their_modals(shell):
    out = shell(lines(":home", ":quit"))
    assert re.search(r"\[\d+\] Write a weekly note   \[\d+\] Record a ProjectWin", out)
    thank = action_number(out, "Thank someone")
    out = shell(lines(":home", f":click {thank}", ":cancel", ":quit"))
    assert "Who are you thanking? · required" in out
    assert "Closed “Thanks”; nothing was submitted." in out


def test_run_top_customer_report_posts_the_compiled_report(shell):
    out = shell(lines(":run top_customer_report", ":quit"))
    report = out.split("psbot → #ps_pmo", 1)[1]
    assert "Top Customer report — 2026-W48" in report
    assert "Wayne Enterprises — Compliance Pipeline (SOW-1008) 🔴 internal · 🟡 customer" in report
    assert "Missing notes · 4" in report
    assert "top_customer_report ran as if at Tue 2026-11-24 10:00 EST" in out
    assert ": sent (1 post)" in out


def test_a_job_can_run_again_in_the_same_session(shell):
    out = shell(lines(":run forecast_prep", ":run forecast_prep", ":run nope", ":quit"))
    assert out.count("forecast_prep ran as if at") == 2
    assert "already" not in out
    assert "There is no job 'nope'; jobs are: kantata_sync, forecast_prep" in out


def test_bookings_show_the_planted_rule_breaks(shell):
    out = shell(lines("/ps bookings SOW-1005", "/ps bookings @ben", ":quit"))
    assert "Bookings: Umbrella Health — Cloud Cutover" in out
    assert "has 35 h soft-booked in Nov 2026" in out
    assert "Allocation: Ben Carter" in out and "24 h hard + 8 h soft of 40 h" in out


def test_bookings_without_arguments_for_a_pm_with_problems(shell):
    out = shell(lines("/ps bookings", ":quit"), as_user="marcus.chen@example.com")
    assert "Soft vs hard bookings" in out
    assert "is not hard-booked 2 months out: TA in Jan 2027" in out
    assert "Security Hardening (SOW-1006) is Fixed Fee with no milestone dates" in out


def test_win_through_the_modal_is_posted_pinned_and_confirmed(shell):
    out = shell(
        lines("/ps win", "Platform Rollout", "Go-live done, zero incidents", "@dana", ":quit")
    )
    assert "ProjectWin" in out and "Your projects" in out
    post = out.split("psbot → #ps-internal", 1)[1]
    assert "🏆 ProjectWin · Acme Corp — Platform Rollout (SOW-1001)" in post
    assert "│ Go-live done, zero incidents" in post
    assert "🙌 Made happen by @Dana Kim" in post
    assert "📌 psbot pinned its message in #ps-internal" in out
    assert "🎉 Your ProjectWin is recorded and shared. See the post (https://" in out


def test_thanks_turns_typed_mentions_into_slack_mentions(shell):
    out = shell(lines("/ps thanks @leo for the DNS plan", ":quit"), as_user="@marcus")
    assert "🙏 @Marcus Chen thanks @Leo Rossi" in out
    assert "psbot → DM with @Leo Rossi" in out


def test_closure_and_home_answer_without_a_traceback(shell):
    out = shell(lines("/ps closure", "/ps closure SOW-1007", ":home", "/ps help", ":quit"))
    assert "Traceback" not in out
    assert out.count("psbot → #ps_pmo · only visible to you") >= 3
    assert "App Home is not available yet" in out or "App Home of @priya" in out
    assert "psbot — the PMO week in Slack" in out  # the shell carried on


def test_as_switches_user_and_time_moves_the_clock(shell):
    out = shell(
        lines(
            ":as marcus",
            ":as nobody-here",
            ":time 2026-12-01 12:00",
            ":time next tuesday",
            ":run top_customer_open",
            ":quit",
        )
    )
    assert "You are now @marcus (Marcus Chen, marcus.chen@example.com)." in out
    assert "marcus> :time 2026-12-01 12:00" in out
    assert "Nobody here is called 'nobody-here'" in out
    assert "The clock says Tue 2026-12-01 12:00 EST (America/New_York)." in out
    assert "Say when as YYYY-MM-DD HH:MM" in out
    assert "Top Customer notes — 2026-W49" in out


def test_click_presses_a_button_and_old_buttons_go_stale(shell):
    first = shell(lines(":run top_customer_open", ":quit"))
    number = action_number(first, "Update notes")
    out = shell(
        lines(
            ":run top_customer_open",
            f":click {number}",  # Sofia's Soylent project: as Priya, not allowed
            ":as olivia",
            f":click {number}",  # an admin may: the modal opens for that project
            ":cancel",
            ":click 999",
            ":quit",
        )
    )
    assert "Only the project's PM, the DRI and contributors" in out
    assert "Soylent — Onboarding Accelerator (SOW-1010) · week 2026-W48" in out
    assert "Closed “Weekly note”; nothing was submitted." in out
    assert "There is no action [999]." in out


def test_buttons_of_a_closed_modal_cannot_be_pressed(shell):
    out = shell(lines("/ps notes SOW-1001", ":cancel", ":click 1", ":quit"))
    assert "[1] ▾ ⭐ Acme Corp — Platform Rollout (SOW-1001)" in out
    assert "[1] was on a message or view that has changed since." in out


def test_wins_export_prints_the_file(shell):
    out = shell(lines("/ps wins --format md", ":quit"))
    assert "psbot → DM with @Priya Patel: 📄 wins-everyone.md" in out
    assert "│ # Wins and thanks: everyone" in out
    assert "Pilot signed off by the customer's CTO" in out


def test_quit_stops_reading(shell):
    out = shell(lines(":quit", "/ps help"))
    assert out.rstrip().endswith("Bye.")
    assert "psbot — the PMO week in Slack" not in out


def test_end_of_input_is_ctrl_d(shell):
    out = shell(lines("/ps projects"))
    assert "Acme Corp — Platform Rollout (SOW-1001)" in out
    assert out.rstrip().endswith("Bye.")


def test_end_of_input_inside_a_modal_ends_cleanly(shell):
    out = shell(lines("/ps win", "2"))
    assert "What happened?" in out
    assert out.rstrip().endswith("Bye.")


def test_ctrl_c_exits_cleanly(tmp_path, demo_template, shell_settings):
    from bot.entry.shell.start import DEMO_FILE, copy_database

    class Interrupted(io.StringIO):
        def readline(self, *args):
            raise KeyboardInterrupt

    copy_database(demo_template, tmp_path / DEMO_FILE)
    out = io.StringIO()
    status = run_shell(
        shell_settings,
        demo_mode=True,
        stdin=Interrupted(),
        stdout=out,
        folder=tmp_path,
        environ={},
        history=None,
    )
    assert status == 0 and out.getvalue().rstrip().endswith("Bye.")


def test_unknown_input_gets_a_hint(shell):
    out = shell(lines("hello", ":frobnicate", "/deploy now", ":help", ":quit"))
    assert "psbot listens to /ps commands here." in out
    assert "Unknown shell command :frobnicate." in out
    assert "/deploy is not a command of this app" in out
    assert ":click N            press button or menu [N]" in out


def test_without_demo_it_uses_database_url(tmp_path):
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'mine.db'}"}, dotenv_path=None
    )
    out = io.StringIO()
    status = run_shell(
        settings,
        stdin=io.StringIO(lines("/ps projects", ":quit")),
        stdout=out,
        environ={},
        history=None,
    )
    text = out.getvalue()
    assert status == 0
    assert f"Database: sqlite:///{tmp_path / 'mine.db'}" in text
    assert "You are @you (You)" in text
    assert "psbot → #ps_pmo · only visible to you" in text
    assert (tmp_path / "mine.db").exists() and not (tmp_path / "psbot-demo.db").exists()


def test_psbot_shell_demo_runs_from_the_command_line_with_no_environment(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.entry.cli",
            "shell",
            "--demo",
            "--as",
            "sofia.alvarez@example.com",
        ],
        input=lines("/ps projects --mine", ":quit"),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "You are @sofia (Sofia Alvarez) in #ps_pmo." in result.stdout
    assert "Cyberdyne — Self-Managed Upgrade (SOW-1011)" in result.stdout
    assert "\x1b[" not in result.stdout
    assert (tmp_path / "psbot-demo.db").exists()


def test_an_unknown_starting_user_is_a_one_line_error(tmp_path):
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "shell", "--demo", "--as", "nobody@example.com"],
        input="",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "psbot: Nobody here is called 'nobody@example.com'. :users lists everyone."
    ]


@pytest.mark.parametrize("secret_matches", [True, False])
def test_requests_are_signed_with_the_sessions_secret(ctx, fake_slack, secret_matches):
    from bot.entry.app import create_app
    from bot.entry.slack_standin.slack_requests import SlackRequests
    from bot.entry.slack_standin.workspace import User

    # The shell speaks for its own workspace; the app learns its team from auth.test.
    fake_slack.answer(
        "auth.test", lambda params: {"ok": True, "team_id": SHELL_TEAM, "user_id": "U0BOT"}
    )
    app = create_app(ctx)
    secret = ctx.settings.slack_signing_secret if secret_matches else "some-other-secret"
    response = SlackRequests(app, secret).slash_command(
        "/ps", "help", User("U0PM", "pam", "Pam"), "C0PMO", "ps_pmo", fake_slack.response_url()
    )
    assert response.status == (200 if secret_matches else 401)
    if secret_matches:
        assert "psbot" in fake_slack.wait_for("/response/cmd")[-1].params["text"]


def test_the_demo_shows_accuracy_and_writes_the_chart_where_it_says(shell, tmp_path):
    out = shell(":time 2026-12-01 10:00\n/ps accuracy\n:run forecast_accuracy\n")
    assert "Forecast accuracy — " in out
    assert "How the assumptions held" in out
    written = [
        line.split("chart written to ", 1)[1]
        for line in out.splitlines()
        if "chart written to" in line
    ]
    assert written and all(Path(path).read_bytes().startswith(b"\x89PNG") for path in written)
