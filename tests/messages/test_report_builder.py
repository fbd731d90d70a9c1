import dataclasses
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import (
    ActionsBlock,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.pmo.notes import NoteFields, ReportProject, Temperature, Trend
from messages.escape import escape_mrkdwn, link
from messages.report_builder import (
    MAX_BLOCKS_PER_MESSAGE,
    ReportRow,
    build_note_confirmation,
    build_top_customer_report,
    note_lines,
)

R, Y, G = Temperature.RED, Temperature.YELLOW, Temperature.GREEN
WEEK = "2026-W48"
HOSTILE = "<!channel> <@U123> <https://evil|click> <!here> & more"
HOSTILE_RAW = ("<!channel>", "<@U123>", "<https://evil|click>", "<!here>")
HOSTILE_ESCAPED = (
    "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &lt;!here&gt; &amp; more"
)


def project(sow="SOW-1", customer="Acme", name="Rollout", raid=None, epic=None) -> ReportProject:
    return ReportProject(1, sow, customer, name, "active", None, raid, epic)


def note(internal=G, customer=G, progress="On track", **fields) -> NoteFields:
    if (internal, customer) != (G, G):
        fields.setdefault("raid_url", "https://gitlab.example/raid")
        fields.setdefault("epic_url", "https://gitlab.example/epic")
    return NoteFields(progress=progress, internal=internal, customer=customer, **fields)


def row(sow="SOW-1", customer="Acme", name="Rollout", *, fields=None, trend=None, **kw):
    pm_id = kw.pop("pm_slack_id", "UPM1")
    pm_name = kw.pop("pm_name", "Dana Scully")
    return ReportRow(project(sow, customer, name, **kw), pm_id, pm_name, fields, trend)


def block_texts(blocks) -> list[str]:
    texts = []
    for block in blocks:
        data = block.to_dict()
        if isinstance(block, SectionBlock | HeaderBlock):
            texts.append(data["text"]["text"])
        elif isinstance(block, ContextBlock | ActionsBlock):
            texts.extend(element["text"] for element in data["elements"] if "text" in element)
    return [t if isinstance(t, str) else t["text"] for t in texts]


def all_text(messages) -> str:
    return "\n".join(text + "\n" + "\n".join(block_texts(blocks)) for text, blocks in messages)


def section_texts(messages) -> list[str]:
    return [
        block.text.text
        for _, blocks in messages
        for block in blocks
        if isinstance(block, SectionBlock)
    ]


def assert_valid(messages) -> None:
    """What Slack would accept: slack_sdk's validators plus the per-message limits."""
    assert messages
    for text, blocks in messages:
        assert text.strip()
        payload = [block.to_dict() for block in blocks]  # runs slack_sdk's validators
        assert 0 < len(payload) <= 50
        assert len(payload) <= MAX_BLOCKS_PER_MESSAGE
        for block in payload:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= 150
            if block["type"] == "context":
                assert all(len(element["text"]) <= 3000 for element in block["elements"])
        assert not isinstance(blocks[0], DividerBlock)


def test_yellow_and_red_come_first_worst_first_then_green_then_missing():
    rows = [
        row("SOW-G", "Aardvark", fields=note(G, G)),
        row("SOW-MISSING", "Aaron", fields=None),
        row("SOW-YG", "Able", fields=note(Y, G)),
        row("SOW-RR", "Zeta", fields=note(R, R)),
        row("SOW-RY-B", "Bravo", fields=note(R, Y)),
        row("SOW-YR-A", "Alpha", fields=note(Y, R)),
    ]
    text = all_text(build_top_customer_report(WEEK, rows))
    order = ["SOW-RR", "SOW-YR-A", "SOW-RY-B", "SOW-YG", "SOW-G", "SOW-MISSING"]
    positions = [text.index(f"({sow})") for sow in order]
    assert positions == sorted(positions)


def test_counts_line_and_fallback_summary():
    rows = [
        row("SOW-1", fields=note(R, Y)),
        row("SOW-2", fields=note(Y, Y)),
        row("SOW-3", fields=note(G, R)),
        row("SOW-4", fields=note(G, G)),
        row("SOW-5", fields=note(G, G)),
        row("SOW-6", fields=None),
    ]
    [(text, blocks)] = build_top_customer_report(WEEK, rows)
    assert text == "Top Customer report — 2026-W48: 2 red, 1 yellow, 2 green, 1 missing"
    assert isinstance(blocks[0], HeaderBlock)
    assert blocks[0].text.text == "Top Customer report — 2026-W48"
    assert block_texts([blocks[1]]) == [
        "internal :red_circle: 1 :large_yellow_circle: 1 :large_green_circle: 3"
        " · customer :red_circle: 1 :large_yellow_circle: 2 :large_green_circle: 2"
        " · 1 missing"
    ]


def test_scope_names_the_report():
    [(text, blocks)] = build_top_customer_report(WEEK, [row(fields=note())], scope="All projects")
    assert blocks[0].text.text == "All projects report — 2026-W48"
    assert text.startswith("All projects report — 2026-W48: 0 red")


@pytest.mark.parametrize(
    ("trend", "arrow"), [(Trend.WORSE, "↘"), (Trend.BETTER, "↗"), (Trend.SAME, None), (None, None)]
)
@pytest.mark.parametrize("temperatures", [(R, Y), (G, G)])
def test_trend_arrows(trend, arrow, temperatures):
    fields = note(*temperatures, progress="Moving")
    text = all_text(build_top_customer_report(WEEK, [row(fields=fields, trend=trend)]))
    project_line = next(line for line in text.splitlines() if "(SOW-1)" in line)
    for symbol in ("↘", "↗"):
        assert (symbol in project_line) == (symbol == arrow)


def test_red_section_shows_every_field_with_links_and_mentions():
    fields = note(
        R,
        Y,
        progress="Blocked on runners",
        issue="Runner upgrade; fix by Dec 4",
        assistance="A TA for two days",
        dri_ids=("UDRI1", "UDRI2"),
        raid_url="https://gitlab.example/acme/raid",
        epic_url="https://gitlab.example/acme/epic",
    )
    [section] = [
        t
        for t in section_texts(build_top_customer_report(WEEK, [row(fields=fields)]))
        if "(SOW-1)" in t
    ]
    assert section.splitlines() == [
        "*Acme — Rollout* (SOW-1) :red_circle: internal · :large_yellow_circle: customer",
        "Blocked on runners",
        "*Issue / action / timing:* Runner upgrade; fix by Dec 4",
        "*Assistance needed:* A TA for two days",
        "*DRI &amp; contributors:* <@UDRI1>, <@UDRI2>",
        "<https://gitlab.example/acme/raid|RAID> · <https://gitlab.example/acme/epic|Epic>",
    ]


def test_assistance_line_only_when_given():
    text = "\n".join(note_lines(row(fields=note(Y, G, assistance=""))))
    assert "Assistance needed" not in text
    assert "*Issue / action / timing:* _not given_" in text


def test_links_fall_back_to_the_projects_urls():
    fields = note(Y, G, raid_url="", epic_url="https://note.example/epic")
    lines = note_lines(
        row(fields=fields, raid="https://project.example/raid", epic="https://project.example/epic")
    )
    assert lines[-1] == "<https://project.example/raid|RAID> · <https://note.example/epic|Epic>"


def test_open_we_co_war_are_shown_beside_the_raid_link():
    fields = note(
        R,
        Y,
        work_exception_url="https://gitlab.example/we/1",
        change_order_url="https://gitlab.example/co/2",
    )
    [section] = [
        t
        for t in section_texts(build_top_customer_report(WEEK, [row(fields=fields)]))
        if "(SOW-1)" in t
    ]
    assert section.splitlines()[-1] == (
        "<https://gitlab.example/raid|RAID> · <https://gitlab.example/epic|Epic> · "
        "<https://gitlab.example/we/1|Work Exception> · <https://gitlab.example/co/2|Change Order>"
    )


def test_five_of_the_longest_links_still_fit_one_section():
    long = "https://gitlab.example/" + "x" * 1970  # URL_MAX is 2000
    fields = note(
        R,
        R,
        issue="I" * 1000,
        assistance="A" * 1000,
        dri_ids=tuple(f"U{i}" for i in range(20)),
        raid_url=long + "r",
        epic_url=long + "e",
        work_exception_url=long + "w",
        change_order_url="https://gitlab.example/co/2",
        work_at_risk_url=long + "a",
    )
    section = "\n".join(note_lines(row(fields=fields), with_forecast=True))
    assert len(section) <= 3000
    assert "RAID: _link too long_" in section
    assert "<https://gitlab.example/co/2|Change Order>" in section


def test_missing_links_are_flagged_on_yellow():
    lines = note_lines(row(fields=note(Y, G, raid_url="", epic_url="")))
    assert lines[-1] == ":warning: _No RAID or epic link._"
    assert not any("|RAID>" in line for line in lines)


def test_green_projects_are_compact_lines_in_shared_sections():
    rows = [row(f"SOW-{i}", f"Customer {i}", fields=note(progress=f"fine {i}")) for i in range(10)]
    messages = build_top_customer_report(WEEK, rows)
    sections = section_texts(messages)
    assert len(sections) == 1
    assert ":large_green_circle::large_green_circle: *Customer 3 — Rollout* (SOW-3): fine 3" in (
        sections[0].splitlines()
    )


def test_forecast_pushes_and_upside_are_gathered():
    rows = [
        row("SOW-1", "Acme", fields=note(R, R, forecast_push="$20k to January")),
        row("SOW-2", "Globex", fields=note(G, G, upside="Only 40h soft: CO pending")),
        row("SOW-3", "Initech", fields=note(G, G)),
    ]
    sections = section_texts(build_top_customer_report(WEEK, rows))
    [forecast] = [s for s in sections if s.startswith("*Forecast pushes &amp; upside*")]
    assert forecast.splitlines() == [
        "*Forecast pushes &amp; upside*",
        "*Acme — Rollout* (SOW-1)",
        "*Forecast push:* $20k to January",
        "*Globex — Rollout* (SOW-2)",
        "*Upside:* Only 40h soft: CO pending",
    ]


def test_no_forecast_section_without_pushes_or_upside():
    text = all_text(build_top_customer_report(WEEK, [row(fields=note(R, R))]))
    assert "Forecast pushes" not in text


def test_missing_notes_mention_the_pm_or_name_them():
    rows = [
        row("SOW-1", "Acme", fields=note()),
        row("SOW-2", "Globex", fields=None, pm_slack_id="UPM2"),
        row("SOW-3", "Hooli", fields=None, pm_slack_id=None, pm_name="Sam <Lee>"),
        row("SOW-4", "Initech", fields=None, pm_slack_id=None, pm_name=""),
    ]
    sections = section_texts(build_top_customer_report(WEEK, rows))
    [missing] = [s for s in sections if "Missing notes" in s]
    assert missing.splitlines()[1:] == [
        "• *Globex — Rollout* (SOW-2) · PM <@UPM2>",
        "• *Hooli — Rollout* (SOW-3) · PM Sam &lt;Lee&gt;",
        "• *Initech — Rollout* (SOW-4) · _no PM set_",
    ]


def test_no_rows_at_all_says_so():
    [(text, blocks)] = build_top_customer_report(WEEK, [])
    assert_valid([(text, blocks)])
    texts = block_texts(blocks)
    assert "No notes yet for 2026-W48." in texts
    assert "There are no Top Customer projects to report on." in texts
    assert text == "Top Customer report — 2026-W48: no notes yet, no projects to report on"


def test_no_notes_at_all_says_so_and_lists_who_is_missing():
    rows = [
        row("SOW-1", "Acme", fields=None),
        row("SOW-2", "Globex", fields=None, pm_slack_id="U2"),
    ]
    messages = build_top_customer_report(WEEK, rows)
    assert len(messages) == 1
    text = all_text(messages)
    assert "No notes yet for 2026-W48." in text
    assert "• *Acme — Rollout* (SOW-1) · PM <@UPM1>" in text
    assert "• *Globex — Rollout* (SOW-2) · PM <@U2>" in text
    assert messages[0][0] == "Top Customer report — 2026-W48: no notes yet, 2 missing"
    assert "Yellow / Red" not in text and "internal :red_circle:" not in text


HOSTILE_FIELDS = ["progress", "issue", "assistance", "forecast_push", "upside"]


@pytest.mark.parametrize("temperatures", [(R, Y), (G, G)])
@pytest.mark.parametrize("field", [*HOSTILE_FIELDS, "customer", "name", "sow"])
def test_hostile_text_in_any_field_comes_out_literally(field, temperatures):
    note_fields = {f: "plain" for f in HOSTILE_FIELDS} | (
        {field: HOSTILE} if field in HOSTILE_FIELDS else {}
    )
    project_fields = {"sow": "SOW-1", "customer": "Acme", "name": "Rollout"} | (
        {} if field in HOSTILE_FIELDS else {field: HOSTILE}
    )
    rows = [
        row(**project_fields, fields=note(*temperatures, **note_fields)),
        row("SOW-M", f"{HOSTILE} missing", HOSTILE, fields=None, pm_name=HOSTILE, pm_slack_id=None),
    ]
    report = build_top_customer_report(WEEK, rows)
    confirmation = build_note_confirmation(WEEK, rows[0], "edit", "1")
    for text in (all_text(report), all_text([confirmation])):
        for raw in HOSTILE_RAW:
            assert raw not in text
        assert HOSTILE_ESCAPED in text


def test_dri_ids_that_are_not_slack_ids_are_shown_as_text():
    fields = note(R, R, dri_ids=("UOK1", "<!channel>"))
    text = "\n".join(note_lines(row(fields=fields)))
    assert "*DRI &amp; contributors:* <@UOK1>, &lt;!channel&gt;" in text
    assert "<!channel>" not in text


def test_a_long_dri_list_is_counted_after_twenty_mentions():
    fields = note(R, R, dri_ids=tuple(f"U{i}" for i in range(25)))
    line = next(line for line in note_lines(row(fields=fields)) if line.startswith("*DRI"))
    assert line.count("<@") == 20
    assert line.endswith("<@U19> and 5 more")


def test_hostile_urls_cannot_break_out_of_their_link():
    fields = note(R, R, raid_url="https://x>|<!channel>", epic_url="")
    lines = note_lines(row(fields=fields))
    assert "<!channel>" not in "\n".join(lines)
    assert lines[-1].count("<") == 1 and lines[-1].count(">") == 1


def test_a_long_note_is_shortened_longest_fields_first():
    fields = note(
        R,
        R,
        progress="Short progress stays whole",
        issue="I" * 2900,
        assistance="A" * 2500,
        dri_ids=("UDRI1",),
    )
    rows = [row(fields=fields)]
    [section] = [s for s in section_texts(build_top_customer_report(WEEK, rows)) if "(SOW-1)" in s]
    assert len(section) <= 3000
    lines = section.splitlines()
    assert "Short progress stays whole" in lines
    issue = next(line for line in lines if line.startswith("*Issue"))
    assistance = next(line for line in lines if line.startswith("*Assistance"))
    assert issue.endswith("…") and assistance.endswith("…")
    # Water-filling: both capped at the same length, and the room is used, not wasted.
    assert abs(issue.count("I") - assistance.count("A")) <= 1
    assert len(section) > 2900
    assert lines[-1].startswith("<https://gitlab.example/raid|RAID>")


@pytest.mark.parametrize("offset", range(4))
def test_shortening_never_cuts_an_escape_in_half(offset):
    # The offset moves where the cut falls relative to the 4-character `&lt;`.
    fields = note(R, R, issue="x" * offset + "<" * 3000)
    section = "\n".join(note_lines(row(fields=fields)))
    assert len(section) <= 3000
    issue = next(line for line in section.splitlines() if line.startswith("*Issue"))
    assert re.fullmatch(r"\*Issue / action / timing:\* x*(&lt;)+…", issue)


@pytest.mark.parametrize("count", [5, 300])
def test_reports_stay_within_block_kit_limits_and_list_every_project_once(count):
    temperatures = [(R, R), (R, Y), (Y, G), (G, G), (G, G)]
    rows = []
    for i in range(count):
        sow = f"SOW-{i:04d}"
        if i % 5 == 4:
            rows.append(row(sow, f"Customer {i}", fields=None, pm_slack_id=f"UPM{i % 7}"))
            continue
        long_text = ("Runner upgrade slipped & <needs> review. " * 40) if i % 3 == 0 else "ok"
        fields = note(*temperatures[i % 5], progress=f"Progress {i}", issue=long_text)
        rows.append(row(sow, f"Customer {i}", fields=fields, trend=Trend.WORSE))
    messages = build_top_customer_report(WEEK, rows)
    assert_valid(messages)
    titles = Counter(re.findall(r"\((SOW-\d{4})\)", "\n".join(section_texts(messages))))
    assert titles == Counter({f"SOW-{i:04d}": 1 for i in range(count)})
    if count == 5:
        assert len(messages) == 1
    else:
        assert len(messages) > 1
        for number, (text, blocks) in enumerate(messages[1:], start=2):
            expected = f"Top Customer report — 2026-W48 (continued, {number}/{len(messages)})"
            assert text == expected
            assert block_texts(blocks[:1]) == [expected]


def test_many_missing_notes_continue_in_further_messages():
    rows = [row(f"SOW-{i:04d}", "C" * 200, "N" * 200, fields=None) for i in range(400)]
    messages = build_top_customer_report(WEEK, rows)
    assert_valid(messages)
    assert len(messages) > 1
    text = "\n".join(section_texts(messages))
    assert all(text.count(f"(SOW-{i:04d})") == 1 for i in range(400))


def test_confirmation_shows_the_note_as_the_report_does_with_an_edit_button():
    fields = note(R, Y, issue="Runner upgrade", forecast_push="$5k to Jan", upside="40h soft")
    report_row = row(fields=fields, trend=Trend.WORSE)
    text, blocks = build_note_confirmation(WEEK, report_row, "notes_open", "42")
    assert_valid([(text, blocks)])
    section, saved, actions = blocks
    assert section.text.text == "\n".join(note_lines(report_row, with_forecast=True))
    assert section.text.text.startswith("\n".join(note_lines(report_row)))
    assert "*Forecast push:* $5k to Jan" in section.text.text
    assert "*Upside:* 40h soft" in section.text.text
    assert block_texts([saved]) == ["Saved for 2026-W48. You can edit it until the week ends."]
    [button] = actions.to_dict()["elements"]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        "notes_open",
        "42",
        "Edit",
    )
    assert text == "Note saved for Acme — Rollout (SOW-1), 2026-W48"


def test_confirmation_needs_a_note():
    with pytest.raises(ValueError):
        build_note_confirmation(WEEK, row(fields=None), "notes_open", "1")


# --- property: any text in any field -----------------------------------------------------

ids = st.from_regex(r"UBOT[0-9]{1,4}", fullmatch=True)
free_text = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda piece, times: piece * times, st.text(min_size=1, max_size=8), st.integers(0, 700)
    ),
)
temperature = st.sampled_from(list(Temperature))
notes = st.builds(
    NoteFields,
    progress=free_text,
    internal=temperature,
    customer=temperature,
    issue=free_text,
    assistance=free_text,
    dri_ids=st.lists(ids, max_size=25).map(tuple),
    raid_url=free_text,
    epic_url=free_text,
    forecast_push=free_text,
    upside=free_text,
    work_exception_url=free_text,
    change_order_url=free_text,
    work_at_risk_url=free_text,
)
rows = st.builds(
    lambda sow, customer, name, raid, epic, pm_id, pm_name, fields, trend: ReportRow(
        project(sow, customer, name, raid, epic), pm_id, pm_name, fields, trend
    ),
    free_text,  # the SOW; the test prefixes a marker to find each project
    free_text,
    free_text,
    st.one_of(st.none(), free_text),
    st.one_of(st.none(), free_text),
    st.one_of(st.none(), ids, free_text),
    free_text,
    st.one_of(st.none(), notes),
    st.one_of(st.none(), st.sampled_from(list(Trend))),
)


def bot_made_markup(report_rows) -> set[str]:
    """The only `<…>` the bot may emit: mentions of known ids and links to known URLs."""
    allowed = set()
    for r in report_rows:
        people = [r.pm_slack_id or "", *(r.note.dri_ids if r.note else ())]
        allowed.update(f"<@{p}>" for p in people if p.isalnum())
        urls = [r.project.raid_url, r.project.epic_url]
        if r.note:
            urls += [r.note.raid_url, r.note.epic_url]
            urls += [r.note.work_exception_url, r.note.change_order_url, r.note.work_at_risk_url]
        labels = ("RAID", "Epic", "Work Exception", "Change Order", "Work at Risk")
        for url in filter(None, urls):
            allowed.update(link(url.strip(), label) for label in labels)
    return allowed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, max_size=6))
def test_any_text_yields_valid_messages_without_user_markup(report_rows):
    report_rows = [
        dataclasses.replace(
            r, project=dataclasses.replace(r.project, sow=f"QZX{i}Q{r.project.sow}")
        )
        for i, r in enumerate(report_rows)
    ]
    messages = build_top_customer_report(WEEK, report_rows)
    with_notes = [r for r in report_rows if r.note is not None]
    confirmations = [build_note_confirmation(WEEK, r, "edit", "1") for r in with_notes]
    assert_valid(messages)
    for confirmation in confirmations:
        assert_valid([confirmation])
    allowed = sorted(bot_made_markup(report_rows), key=len, reverse=True)
    for text in (all_text(messages), all_text(confirmations)):
        for markup in allowed:
            text = text.replace(markup, "")
        assert "<" not in text and ">" not in text
    # Every project is listed once, plus once more if it has a forecast push or upside.
    listed = "\n".join(section_texts(messages))
    for i, r in enumerate(report_rows):
        forecast = bool(r.note and (r.note.forecast_push.strip() or r.note.upside.strip()))
        assert listed.count(f"(QZX{i}Q") == 1 + forecast


def test_hostile_text_is_escaped_not_dropped():
    # The property above would pass if user text vanished; this pins that it is kept.
    report = build_top_customer_report(WEEK, [row(fields=note(R, R, issue=HOSTILE))])
    assert escape_mrkdwn(HOSTILE) in all_text(report)
