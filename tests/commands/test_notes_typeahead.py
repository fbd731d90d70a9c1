"""The notes picker at 1,000 projects: Slack asks psbot for options as the user types
(signed block_suggestion requests), and any project is found in two keystrokes."""

import itertools
import json
import random

import pytest

from bot.store.models import Person, Project
from messages import ids
from tests.commands.test_notes import opened_view, picker_groups, suggested
from tests.conftest import ADMIN_ID

COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Soylent", "Tyrell",
    "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Vandelay", "Dunder", "Pied", "Aperture",
    "Massive", "Virtucon", "Monarch",
]  # fmt: skip
SUFFIXES = ["Bank", "Health", "Retail", "Labs", "Energy", "Logistics", "Media", "Foods", "Air",
            "Motors"]  # fmt: skip
WORK = ["Rollout", "Migration", "Platform Upgrade", "Audit", "Data Lake"]


@pytest.fixture
def thousand(ctx):
    """1,000 open projects of 200 customers, a fifth of them Top Customer (owing a note),
    SOW numbers shuffled; Pam runs 40 of them."""
    rng = random.Random(25)
    numbers = rng.sample(range(10_000, 100_000), 1000)
    customers = [f"{c} {s}" for c, s in itertools.product(COMPANIES, SUFFIXES)]
    with ctx.session_factory.begin() as session:
        pam = Person(name="Pam Manager", email="pam@example.com", slack_user_id="U0PM")
        session.add(pam)
        session.flush()
        projects = [
            Project(
                sow=f"SOW-{numbers[n]}",
                customer=customers[n // 5],
                name=WORK[n % 5],
                type="T&M",
                status="active",
                pm_id=pam.id if n % 25 == 0 else None,
                top_customer=n % 5 == 0,
            )
            for n in range(1000)
        ]
        session.add_all(projects)
    return [(p.sow, p.customer, p.name, p.top_customer) for p in projects]


def label(sow, customer, name, top):
    return ("⭐ " if top else "") + f"{customer} — {name} ({sow})"


def test_any_of_1000_projects_is_found_in_two_keystrokes(slack, fake_slack, thousand):
    slack.command("notes", user_id=ADMIN_ID)
    _, view = opened_view(fake_slack)
    picker = view["blocks"][0]["accessory"]
    assert picker["action_id"] == ids.NOTES_PICK_PROJECT and picker["min_query_length"] == 0
    assert "Showing" not in json.dumps(view)

    found = set()
    for typed in (f"{a}{b}" for a in "0123456789" for b in "0123456789"):
        groups = picker_groups(slack, view, typed, ADMIN_ID)
        found.update(option for options in groups.values() for option in options)
    assert found == {label(*project) for project in thousand}


def test_with_nothing_typed_projects_owing_a_note_come_first(slack, fake_slack, thousand):
    slack.command("notes", user_id=ADMIN_ID)
    _, view = opened_view(fake_slack)
    (offered,) = picker_groups(slack, view, "", ADMIN_ID).values()
    assert len(offered) == 100  # Slack's limit for one answer
    assert all(option.startswith("⭐") for option in offered)  # 200 owe a note


def test_typing_a_customer_or_a_sow_narrows_it_down(slack, fake_slack, thousand):
    slack.command("notes", user_id=ADMIN_ID)
    _, view = opened_view(fake_slack)
    groups = picker_groups(slack, view, "  WONKA   he", ADMIN_ID)
    (offered,) = groups.values()
    assert offered[0] == label(*thousand[[p[1] for p in thousand].index("Wonka Health")])
    assert {o.split(" — ")[0].removeprefix("⭐ ") for o in offered} == {"Wonka Health"}
    assert [o.startswith("⭐") for o in offered] == [True, False, False, False, False]
    sow, customer, name, top = thousand[417]
    assert picker_groups(slack, view, sow.lower(), ADMIN_ID) == {
        "Other projects (as admin)": [label(sow, customer, name, top)]
    }


def test_a_pm_sees_their_own_projects_first_then_nothing_else(slack, fake_slack, thousand):
    slack.command("notes")
    _, view = opened_view(fake_slack)
    groups = picker_groups(slack, view)
    assert list(groups) == ["Your projects"] and len(groups["Your projects"]) == 40
    assert picker_groups(slack, view, "zzz") == {}


@pytest.mark.parametrize(
    "typed", ["<!channel>", "%", "_", "'; drop table projects; --", "é" * 5000, "\u0000x"]
)
def test_odd_typing_gets_an_answer_never_a_failure(slack, fake_slack, portfolio, typed):
    slack.command("notes")
    _, view = opened_view(fake_slack)
    answer = suggested(slack, view, typed)
    assert answer in ({"options": []}, {"option_groups": answer.get("option_groups")})
    assert not fake_slack.calls_to("chat.postMessage")


def test_the_manifest_has_an_options_load_url():
    with open("manifest.json", encoding="utf-8") as manifest:
        interactivity = json.load(manifest)["settings"]["interactivity"]
    assert interactivity["message_menu_options_url"].endswith("/slack/events")
