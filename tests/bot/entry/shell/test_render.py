"""Block Kit and mrkdwn as terminal text."""

from __future__ import annotations

import io

import pytest

from bot.entry.shell.render import Renderer, Style, display_width, mrkdwn_to_text
from bot.entry.shell.terminal import Terminal, wants_color
from bot.entry.slack_standin.workspace import Workspace
from messages.escape import escape_mrkdwn, link
from messages.format import context, sections
from messages.help_builder import build_usage_error


@pytest.fixture
def names() -> Workspace:
    workspace = Workspace()
    workspace.add_people([("U01PRIYA", "Priya Patel", "priya.patel@example.com", None)])
    workspace.channel("ps_pmo")
    return workspace


@pytest.mark.parametrize(
    ("mrkdwn", "text"),
    [
        ("Thanks <@U01PRIYA>!", "Thanks @Priya Patel!"),
        ("cc <@U09NEW|newbie>", "cc @newbie"),
        ("cc <@U09NEW>", "cc @U09NEW"),
        ("in <#C0PSPMO>", "in #ps_pmo"),
        ("in <#C0OTHER|general>", "in #general"),
        ("<!here> and <!subteam^S1|@pmo>", "@here and @pmo"),
        ("<https://x.example/a?b=1&amp;c=2|RAID log>", "RAID log (https://x.example/a?b=1&c=2)"),
        ("<https://x.example/plain>", "https://x.example/plain"),
        ("<mailto:pat@example.com|pat@example.com>", "pat@example.com"),
        ("&lt;!channel&gt; &amp; &lt;@U01PRIYA&gt;", "<!channel> & <@U01PRIYA>"),
        (
            ":red_circle: :large_yellow_circle: :large_green_circle: :white_check_mark: :warning:",
            "🔴 🟡 🟢 ✅ ⚠️",
        ),
        ("due 16:00: late :not_an_emoji:", "due 16:00: late :not_an_emoji:"),
        ("*Acme* — _late_ ~old~ `/ps notes`", "Acme — late old /ps notes"),
        (
            "<https://x.example/a_b_c|a_b_c> and snake_case_name",
            "a_b_c (https://x.example/a_b_c) and snake_case_name",
        ),
        ("2*3*4 stays", "2*3*4 stays"),
        ("&gt; quoted *text*\nnext", "│ quoted text\nnext"),
        ("```\n*raw* &lt;x&gt;\n```", "*raw* <x>"),
    ],
)
def test_mrkdwn_as_plain_text(names, mrkdwn, text):
    assert mrkdwn_to_text(mrkdwn, names) == text


def test_styles_become_ansi_only_with_colour():
    assert mrkdwn_to_text("*Acme* `code`", style=Style(color=True)) == (
        "\x1b[1mAcme\x1b[22m \x1b[36mcode\x1b[39m"
    )
    assert "\x1b" not in mrkdwn_to_text("*Acme* `code`", style=Style(color=False))


def test_blocks_as_lines_with_numbered_actions(names):
    pressed = []

    def number(element, block):
        pressed.append((element.get("action_id"), block.get("block_id")))
        return len(pressed)

    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Report :white_check_mark:"}},
        {
            "type": "section",
            "block_id": "s1",
            "text": {"type": "mrkdwn", "text": "*Acme* — <@U01PRIYA>"},
            "accessory": {
                "type": "button",
                "action_id": "notes_open",
                "text": {"type": "plain_text", "text": "Update notes"},
                "value": "7",
            },
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "_3 missing_"}]},
        {
            "type": "actions",
            "block_id": "a1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "done",
                    "text": {"type": "plain_text", "text": "Done"},
                },
                {
                    "type": "datepicker",
                    "action_id": "date",
                    "placeholder": {"type": "plain_text", "text": "Meeting date"},
                },
                {
                    "type": "static_select",
                    "action_id": "pick",
                    "initial_option": {
                        "text": {"type": "plain_text", "text": "⭐ Acme"},
                        "value": "1",
                    },
                    "options": [],
                },
            ],
        },
        {"type": "image", "alt_text": "chart", "image_url": "https://x.example/c.png"},
    ]
    lines = Renderer(names, number_action=number).blocks(blocks)
    assert lines == [
        "Report ✅",
        "━━━━━━━━━",
        "*Acme* — @Priya Patel".replace("*", ""),
        "  [1] Update notes",
        "─" * 40,
        "  3 missing",
        "[2] Done   [3] 📅 Meeting date   [4] ▾ ⭐ Acme",
        "[image: chart]",
    ]
    assert pressed == [("notes_open", "s1"), ("done", "a1"), ("date", "a1"), ("pick", "a1")]


def test_a_message_without_blocks_shows_its_text(names):
    assert Renderer(names).message("Hi <@U01PRIYA> :wave:", None) == ["Hi @Priya Patel 👋"]


def test_modal_inputs_are_left_to_the_form(names):
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Weekly note"},
        "blocks": [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "week 2026-W48"}]},
            {
                "type": "input",
                "block_id": "progress",
                "label": {"type": "plain_text", "text": "Progress"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": "On track",
                },
            },
        ],
    }
    renderer = Renderer(names)
    assert renderer.view(view, form=True) == ["Weekly note", "═══════════", "  week 2026-W48"]
    assert renderer.view(view)[-1] == "Progress: On track"


def test_ascii_terminals_get_ascii_rules():
    lines = Renderer(style=Style(unicode=False)).blocks(
        [{"type": "header", "text": {"type": "plain_text", "text": "Hi"}}, {"type": "divider"}]
    )
    assert lines == ["Hi", "===", "-" * 40]


def test_real_builders_render_without_markup(names):
    blocks = [
        *sections([f"*{escape_mrkdwn('R&D <team>')}* — {link('https://x.example', 'RAID')}"]),
        context("`/ps help` for more"),
    ]
    assert Renderer(names).blocks([b.to_dict() for b in blocks]) == [
        "R&D <team> — RAID (https://x.example)",
        "  /ps help for more",
    ]
    _, blocks = build_usage_error("No project matches '<x>'.", "/ps notes [PROJECT]")
    assert Renderer(names).blocks([b.to_dict() for b in blocks]) == [
        "⚠️ No project matches '<x>'.",
        "Usage: /ps notes [PROJECT]",
    ]


def test_display_width_counts_emoji_as_two_columns():
    assert display_width("Report ✅") == 9
    assert display_width("\x1b[1mab\x1b[22m") == 2


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "color"),
    [
        (FakeTty(), {"TERM": "xterm-256color"}, True),
        (FakeTty(), {"TERM": "dumb"}, False),
        (FakeTty(), {}, False),
        (FakeTty(), {"TERM": "xterm", "NO_COLOR": "1"}, False),
        (io.StringIO(), {"TERM": "xterm"}, False),
    ],
)
def test_colours_only_on_a_capable_terminal(stream, environ, color):
    assert wants_color(stream, environ) is color


def test_a_terminal_that_cannot_encode_emoji_gets_replacements():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    terminal = Terminal(io.StringIO(), stream, environ={})
    terminal.print("done ✅")
    assert raw.getvalue() == b"done ?\n"
    assert terminal.style.unicode is False
