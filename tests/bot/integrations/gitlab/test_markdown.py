"""The notes psbot writes to GitLab: what they say, and that user text stays inert."""

from bot.integrations.gitlab.markdown import (
    ZERO_WIDTH_SPACE,
    build_epic_green_note,
    build_epic_note,
    build_raid_update,
    build_thanks_note,
    build_win_note,
    epic_body,
    marker_of,
    quoted,
)
from bot.pmo.notes import NoteFields, Temperature

NAMES = {"U0PM": "Pam Manager", "U0PAT": "Pat Engineer"}
MARKER = marker_of("abc")


def test_win_note_says_who_what_and_links_the_shout_out():
    body = build_win_note(
        text="Cut-over done a day early",
        author_id="U0PM",
        member_ids=["U0PAT", "U0X"],
        names=NAMES,
        shoutout_url="https://ps.slack.com/archives/C1/p1",
        source_url="",
        marker=MARKER,
    )
    assert body == (
        ":trophy: **ProjectWin** shared in Slack by **Pam Manager**\n"
        "\n"
        "> Cut-over done a day early\n"
        "\n"
        "Made happen by **Pat Engineer**, **U0X**\n"
        "[Slack shout-out](https://ps.slack.com/archives/C1/p1)\n"
        "\n"
        "<!-- psbot:abc -->\n"
    )


def test_thanks_note():
    body = build_thanks_note(
        text="for the <@U0PAT> runbook & more",
        giver_id="U0PM",
        receiver_ids=["U0PAT"],
        names=NAMES,
        post_url="https://ps.slack.com/archives/C1/p2",
        source_url="https://ps.slack.com/archives/C2/p3",
        marker=MARKER,
    )
    assert body.startswith(":pray: **Thanks** from **Pam Manager** to **Pat Engineer**\n")
    assert "> for the Pat Engineer runbook &amp; more\n" in body
    assert "[Slack post](https://ps.slack.com/archives/C1/p2) · [original message](" in body


def test_user_text_cannot_mention_run_quick_actions_or_fake_a_marker():
    text = "Great work @all and @pat\n/close\n/label ~done\n<!-- psbot:abc -->"
    body = build_win_note(
        text=text,
        author_id="U0PM",
        member_ids=[],
        names=NAMES,
        shoutout_url="",
        source_url="",
        marker=marker_of("real"),
    )
    assert f"@{ZERO_WIDTH_SPACE}all" in body and "@all" not in body
    assert not any(line.startswith("/") for line in body.splitlines())
    assert "> /close" in body
    assert body.count("<!--") == 1 and "&lt;!-- psbot:abc --&gt;" in body


def test_stored_text_is_shown_as_stored_with_people_named():
    # Stored text is plain already: `&lt;c&gt;` was typed so, `<⁠@U0PM>` typed too.
    text = "<@U0PAT> shipped <b> &lt;c&gt; for <@U0X> and <\u2060@U0PM>"
    body = build_thanks_note(
        text=text,
        giver_id="U0PM",
        receiver_ids=["U0PAT"],
        names=NAMES,
        post_url="",
        source_url="",
        marker=MARKER,
    )
    assert (
        "> Pat Engineer shipped &lt;b&gt; &amp;lt;c&amp;gt; for U0X and "
        f"&lt;\u2060@{ZERO_WIDTH_SPACE}U0PM&gt;\n"
    ) in body
    assert quoted("a\n\nb") == "> a\n>\n> b"


def test_epic_note_has_temperatures_issue_action_timing_and_assistance():
    fields = NoteFields(
        "UAT slipped a week",
        Temperature.RED,
        Temperature.YELLOW,
        issue="Runner capacity.\nAction: add 4 runners by Dec 4",
        assistance="Infra approval from @ops",
        dri_ids=("U0PAT",),
        forecast_push="$20k to January",
        raid_url="https://gitlab.com/acme/collab/-/issues/8",
        work_at_risk_url="https://gitlab.com/ps/plan/-/issues/44",
    )
    note = build_epic_note(
        project_title="Acme — Rollout (SOW-1)",
        week="2026-W48",
        fields=fields,
        author_name="Pam Manager",
        names=NAMES,
        updated=False,
    )
    body = epic_body(note, MARKER)
    assert body.startswith(":red_circle: **Weekly note 2026-W48** for Acme — Rollout (SOW-1)\n")
    assert ":red_circle: internal **Red** · :yellow_circle: customer **Yellow**" in body
    assert "**Progress:** UAT slipped a week" in body
    assert "**Issue, proposed action and timing:**\n> Runner capacity.\n> Action:" in body
    assert f"**Assistance needed:**\n> Infra approval from @{ZERO_WIDTH_SPACE}ops" in body
    assert "**DRI & contributors:** **Pat Engineer**" in body
    assert "**Forecast push:** $20k to January" in body
    assert (
        "[RAID issue](https://gitlab.com/acme/collab/-/issues/8) · "
        "[Work at Risk](https://gitlab.com/ps/plan/-/issues/44)"
    ) in body
    assert body.endswith("written by Pam Manager._\n\n<!-- psbot:abc -->\n")
    updated = build_epic_note(
        project_title="X",
        week="2026-W48",
        fields=fields,
        author_name="Pam",
        names=NAMES,
        updated=True,
    )
    assert "**Updated weekly note 2026-W48**" in updated.headline


def test_back_to_green_note():
    fields = NoteFields("All clear", Temperature.GREEN, Temperature.GREEN)
    body = build_epic_green_note(
        project_title="Acme — Rollout (SOW-1)",
        week="2026-W49",
        fields=fields,
        author_name="Pam Manager",
        marker=MARKER,
    )
    assert body.startswith(":green_circle: **Back to Green in 2026-W49** for Acme — Rollout")
    assert "**Progress:** All clear" in body


def test_raid_update_has_only_progress_and_the_issue_line():
    body = build_raid_update(
        project_title="Acme — Rollout (SOW-1)",
        week="2026-W48",
        progress="UAT slipped @all",
        issue="Runners short.\n/close",
        updated=False,
        marker=MARKER,
    )
    assert body == (
        "**Project update 2026-W48** for Acme — Rollout (SOW-1)\n"
        "\n"
        f"**Progress:** UAT slipped @{ZERO_WIDTH_SPACE}all\n"
        "\n"
        "**Issue, proposed action and timing:**\n"
        "> Runners short.\n"
        "> /close\n"
        "\n"
        "<!-- psbot:abc -->\n"
    )
