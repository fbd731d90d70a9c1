import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.catalog import BY_NAME, SUBCOMMANDS


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
    assert (
        "`/ps help [TOPIC]` — what psbot does and every command; with a TOPIC, one command\n"
        in text
    )
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


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda sub: sub.name)
def test_help_topic_answers_about_that_one_command(slack, sub):
    reply = slack.ask(f"help {sub.name.upper()}")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == f"{sub.usage} — {sub.summary}"
    text = "\n".join(
        b["elements"][0]["text"] if b["type"] == "context" else b["text"]["text"]
        for b in reply["blocks"]
    )
    assert sub.details and sub.details.split("\n")[0][:40].replace("&", "&amp;") in text
    others = [o.usage for o in SUBCOMMANDS if o.name != sub.name and o.usage not in sub.usage]
    assert not [usage for usage in others if f"`{usage}`" in text]  # one command, not all
    assert "`/ps help` lists every command." in text


@pytest.mark.parametrize(
    ("typed", "usage"),
    [
        ("help forecast", "/ps forecast [--quarter 2026-Q4]"),
        ("help /ps notes", "/ps notes [PROJECT]"),
        ("help  Closure ", "/ps closure [PROJECT]"),
        ("help help", "/ps help [TOPIC]"),
    ],
)
def test_help_topic_table(slack, typed, usage):
    assert slack.ask(typed)["text"].startswith(f"{usage} — ")


def test_unknown_topic_is_one_line_listing_the_topics(slack):
    reply = slack.ask("help forcast")
    assert reply["response_type"] == "ephemeral"
    assert "\n" not in reply["text"] and not reply.get("blocks")
    assert reply["text"].startswith(":warning: No help on 'forcast'. Did you mean `forecast`?")
    assert reply["text"].endswith(", ".join(f"`{sub.name}`" for sub in SUBCOMMANDS))


TOPIC_WORDS = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=200
).filter(lambda word: word.lower() not in {*BY_NAME, "/ps"})


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TOPIC_WORDS, min_size=1, max_size=3).map(" ".join))
def test_any_other_topic_gets_one_escaped_line(slack, topic):
    line = slack.ask(f"help {topic}")["text"]
    assert line.startswith(":warning: No help on '")
    assert "\n" not in line
    quoted = line.split("'", 1)[1].rsplit("'.", 1)[0]
    assert "<" not in quoted and ">" not in quoted and len(line) < 500
    assert line.endswith("Topics: " + ", ".join(f"`{sub.name}`" for sub in SUBCOMMANDS))


def test_the_manifests_usage_hint_names_every_subcommand():
    manifest = json.loads((Path(__file__).parents[2] / "manifest.json").read_text())
    (command,) = manifest["features"]["slash_commands"]
    assert command["usage_hint"].split(" | ") == [sub.name for sub in SUBCOMMANDS]
