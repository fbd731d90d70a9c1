"""Modals as terminal forms: each input asked in turn, answers kept as Slack's view state.

The state built here is what Slack sends in `view.state.values` on a view_submission:
`{block_id: {action_id: {"type": ..., "value" | "selected_option" | ...}}}`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UserError
from bot.entry.shell.render import Renderer, options_of, plain_text
from bot.entry.slack_standin.workspace import Workspace

KEEP, CLEAR = "", "-"


class FormCancelled(Exception):
    """The user closed the modal (`:cancel`)."""


class PressAction(Exception):
    """The user pressed a numbered action instead of answering (`:click N`)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class BadAnswer(ValueError):
    """An answer the field can't take; the message says why and the field is asked again."""


@dataclass(frozen=True)
class Field:
    block_id: str
    action_id: str
    label: str
    element: Mapping[str, Any]
    optional: bool
    hint: str

    @property
    def kind(self) -> str:
        return str(self.element.get("type", ""))


def input_fields(view: Mapping[str, Any]) -> list[Field]:
    """The input blocks of a view, in order."""
    fields = []
    for block in view.get("blocks") or ():
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        fields.append(
            Field(
                block_id=str(block.get("block_id")),
                action_id=str(element.get("action_id") or "value"),
                label=plain_text(block.get("label")),
                element=element,
                optional=bool(block.get("optional", False)),
                hint=plain_text(block.get("hint")),
            )
        )
    return fields


def initial_state(fields: list[Field]) -> dict[str, dict[str, dict[str, Any]]]:
    """The view state before the user touches anything: the elements' initial values."""
    return {f.block_id: {f.action_id: initial_value(f.element)} for f in fields}


def initial_value(element: Mapping[str, Any]) -> dict[str, Any]:
    kind = element.get("type")
    state: dict[str, Any] = {"type": kind}
    if kind in ("radio_buttons", "static_select", "external_select"):
        state["selected_option"] = element.get("initial_option")
    elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        state["selected_options"] = list(element.get("initial_options") or [])
    elif kind == "users_select":
        state["selected_user"] = element.get("initial_user")
    elif kind == "multi_users_select":
        state["selected_users"] = list(element.get("initial_users") or [])
    elif kind in ("conversations_select", "channels_select"):
        key = "conversation" if kind == "conversations_select" else "channel"
        state[f"selected_{key}"] = element.get(f"initial_{key}")
    elif kind in ("multi_conversations_select", "multi_channels_select"):
        key = "conversations" if kind == "multi_conversations_select" else "channels"
        state[f"selected_{key}"] = list(element.get(f"initial_{key}") or [])
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "timepicker":
        state["selected_time"] = element.get("initial_time")
    elif kind == "datetimepicker":
        state["selected_date_time"] = element.get("initial_date_time")
    else:
        state["value"] = element.get("initial_value")
    return state


def is_empty(state: Mapping[str, Any]) -> bool:
    values = [v for k, v in state.items() if k != "type"]
    return all(v in (None, "", []) for v in values)


class FormFiller:
    """Asks for values through `ask(prompt)` and prints through `say(line)`."""

    def __init__(
        self,
        ask: Callable[[str], str],
        say: Callable[[str], None],
        renderer: Renderer,
        workspace: Workspace,
    ) -> None:
        self._ask = ask
        self.say = say
        self.renderer = renderer
        self.style = renderer.style
        self.workspace = workspace

    def fill(
        self,
        fields: list[Field],
        state: dict[str, dict[str, dict[str, Any]]],
        errors: Mapping[str, str] | None = None,
    ) -> None:
        """Ask every field (or, after errors, only the fields with errors) into `state`."""
        for field in fields:
            if errors is not None and field.block_id not in errors:
                continue
            problem = errors.get(field.block_id) if errors else None
            current = state[field.block_id][field.action_id]
            state[field.block_id][field.action_id] = self.ask_field(field, current, problem)

    def ask_field(
        self, field: Field, current: dict[str, Any], problem: str | None = None
    ) -> dict[str, Any]:
        style = self.style
        notes = ["optional" if field.optional else "required"]
        if field.element.get("max_length"):
            notes.append(f"up to {field.element['max_length']} characters")
        if field.kind == "multi_users_select":
            notes.append("@names or emails, comma-separated")
        elif field.kind in ("datepicker",):
            notes.append("YYYY-MM-DD")
        elif field.kind in ("timepicker",):
            notes.append("HH:MM")
        self.say(style.bold(field.label) + style.dim(" · " + " · ".join(notes)))
        if field.hint:
            self.say(style.dim("  " + field.hint))
        if problem:
            self.say("  " + style.bad(("✖ " if style.unicode else "x ") + problem))
        while True:
            answer = self.ask_element(field.element, current)
            if field.optional or not is_empty(answer):
                return answer
            self.say("  " + style.bad("This field is required."))

    def ask_element(self, element: Mapping[str, Any], current: dict[str, Any]) -> dict[str, Any]:
        """One element's new state; re-asks until the answer fits the element."""
        options = options_of(element)
        if options:
            self._show_options(options)
        shown = self._shown(current)
        if shown:
            self.say(self.style.dim(f"  now: {shown}   (Enter keeps it, - clears it)"))
        while True:
            answer = self._ask("  > ")
            command = answer.strip()
            if command == ":cancel":
                raise FormCancelled
            click = re.fullmatch(r":click\s+(\d+)", command)
            if click:
                raise PressAction(int(click.group(1)))
            if answer.strip() == KEEP:
                return current
            if answer.strip() == CLEAR:
                return initial_value({"type": element.get("type")})
            try:
                return self.parse(element, answer, options)
            except (BadAnswer, UserError) as problem:
                self.say("  " + self.style.bad(str(problem)))

    def _show_options(self, options: list[tuple[str | None, Mapping[str, Any]]]) -> None:
        group = None
        for number, (label, option) in enumerate(options, start=1):
            if label is not None and label != group:
                group = label
                self.say(self.style.dim(f"  {label}"))
            self.say(f"    {number}) {plain_text(option.get('text'))}")

    def _shown(self, state: Mapping[str, Any]) -> str:
        if is_empty(state):
            return ""
        if state.get("selected_option"):
            return plain_text(state["selected_option"].get("text"))
        if state.get("selected_options"):
            return ", ".join(plain_text(o.get("text")) for o in state["selected_options"])
        users = state.get("selected_users") or (
            [state["selected_user"]] if state.get("selected_user") else []
        )
        if users:
            return ", ".join("@" + self.workspace.user_label(u) for u in users)
        for key in ("selected_date", "selected_time", "selected_channel", "value"):
            if state.get(key):
                return str(state[key])
        return str(next((v for k, v in state.items() if k != "type" and v), ""))

    def parse(
        self,
        element: Mapping[str, Any],
        answer: str,
        options: list[tuple[str | None, Mapping[str, Any]]],
    ) -> dict[str, Any]:
        """The state for `answer`, or BadAnswer saying what would fit."""
        kind = element.get("type")
        text = answer.strip()
        if kind in ("radio_buttons", "static_select", "external_select", "overflow"):
            return {"type": kind, "selected_option": _pick(options, text)}
        if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
            picked = [_pick(options, part.strip()) for part in text.split(",") if part.strip()]
            return {"type": kind, "selected_options": picked}
        if kind in ("users_select", "multi_users_select"):
            users = [self.workspace.find_user(p).id for p in text.split(",") if p.strip()]
            users = list(dict.fromkeys(users))
            if kind == "users_select":
                if len(users) != 1:
                    raise BadAnswer("Pick one person.")
                return {"type": kind, "selected_user": users[0]}
            limit = element.get("max_selected_items")
            if limit and len(users) > int(limit):
                raise BadAnswer(f"Pick at most {limit} people.")
            return {"type": kind, "selected_users": users}
        if kind == "datepicker":
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise BadAnswer("Type a date as YYYY-MM-DD, e.g. 2026-12-01.") from None
            return {"type": kind, "selected_date": day.isoformat()}
        if kind == "timepicker":
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
                raise BadAnswer("Type a time as HH:MM, e.g. 16:00.")
            return {"type": kind, "selected_time": text}
        if kind == "number_input":
            return {"type": kind, "value": _number(element, text)}
        value = answer.replace("\\n", "\n") if element.get("multiline") else answer
        limit = element.get("max_length")
        if limit and len(value) > int(limit):
            raise BadAnswer(f"Keep it to {limit} characters (now {len(value)}).")
        minimum = element.get("min_length")
        if minimum and len(value) < int(minimum):
            raise BadAnswer(f"Write at least {minimum} characters.")
        return {"type": kind or "plain_text_input", "value": value}


def _pick(options: list[tuple[str | None, Mapping[str, Any]]], answer: str) -> Mapping[str, Any]:
    """The option a number, a value or the start of a label names."""
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1][1]
    wanted = answer.casefold()
    labels = [(re.sub(r"^\W+", "", plain_text(o.get("text"))).casefold(), o) for _, o in options]
    for test in (
        lambda label, o: str(o.get("value", "")).casefold() == wanted,
        lambda label, o: label == wanted,
        lambda label, o: bool(wanted) and wanted in label,
    ):
        found = [o for label, o in labels if test(label, o)]
        if len(found) == 1:
            return found[0]
    raise BadAnswer(f"Pick a number from 1 to {len(options)}.")


def _number(element: Mapping[str, Any], text: str) -> str:
    try:
        number = float(text) if element.get("is_decimal_allowed") else int(text)
    except ValueError:
        raise BadAnswer("Type a number.") from None
    low, high = element.get("min_value"), element.get("max_value")
    if (low is not None and number < float(low)) or (high is not None and number > float(high)):
        raise BadAnswer(f"Type a number from {low} to {high}.")
    return text
