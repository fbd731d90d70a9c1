import json

from commands.catalog import SUBCOMMANDS


def test_help_lists_every_subcommand_ephemerally(slack):
    reply = slack.ask("help")
    assert reply["response_type"] == "ephemeral"
    text = json.dumps(reply["blocks"])
    for sub in SUBCOMMANDS:
        assert sub.usage in text
    assert reply["text"].startswith("psbot help")


def test_bare_ps_shows_help(slack):
    assert "/ps forecast" in json.dumps(slack.ask("")["blocks"])


def test_help_has_one_line_per_command(slack):
    text = "\n".join(
        b["text"]["text"] for b in slack.ask("help")["blocks"] if b["type"] == "section"
    )
    assert "`/ps help` — what psbot does and every command\n" in text
    assert "`/ps closure [PROJECT]` — the Deploy &amp; Close checklist\n" in text
    assert "coming soon" not in text
    assert "`/ps forecast [--quarter 2026-Q4]` — hard forecast and upside by month\n" in text


def test_help_says_when_win_and_thanks_text_starts_with_a_project(slack):
    footnote = json.dumps(slack.ask("help")["blocks"][-1])
    assert (
        "In `/ps win` and `/ps thanks` it is a SOW number or a customer/project name written "
        "in full; otherwise the words are the text."
    ) in footnote


def test_unknown_subcommand_suggests_closest_and_shows_usage(slack):
    reply = slack.ask("forcast")
    assert reply["response_type"] == "ephemeral"
    assert "Unknown command 'forcast'" in reply["text"]
    assert "Did you mean `/ps forecast`?" in reply["text"]
    assert "Usage: `/ps help |" in reply["text"]


def test_unknown_subcommand_text_is_escaped(slack):
    reply = slack.ask("<!channel>")
    assert "<!channel>" not in reply["text"]
    assert "&lt;!channel&gt;" in reply["text"]


def test_subcommand_is_case_insensitive(slack):
    assert "/ps forecast" in json.dumps(slack.ask("HELP")["blocks"])


def test_help_ack_is_immediate_and_empty(slack, fake_slack):
    response = slack.command("help")
    assert response.status == 200
    assert response.body == ""
