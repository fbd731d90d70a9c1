"""Settings: the only place that reads the environment.

Every variable of SPEC §6 lives here with its default. A bad value raises
`SettingsError` with a one-line message that names the variable, so the CLI can print
it and exit without a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.core.terms import ROLES

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_GITLAB_URL = "https://gitlab.com"
DEFAULT_KANTATA_API_URL = "https://api.mavenlink.com/api/v1/"
README_HINT = "see README.md, 'Connect to Slack'"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
# A reminder more than a week late would run into the next week's.
MAX_GRACE_MINUTES = 7 * 24 * 60


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one line."""


@dataclass(frozen=True)
class KantataFields:
    """Names of the Kantata custom fields the sync reads, matched case-insensitively.

    Project fields are read from workspaces, the bill rate from workspace resources, the
    sign-off fields from milestones (stories) and the weekly capacity from users. A field
    left empty in Kantata reads as an empty CSV cell would.
    """

    sow: str = "SOW Number"
    project_type: str = "Project Type"
    top_customer: str = "Top Customer"
    kickoff_date: str = "Kickoff Date"
    raid_url: str = "RAID Log"
    # The project's Internal Customer Epic in GitLab. The default was "Jira Epic" until
    # issue 20; a workspace that still keeps it there sets KANTATA_FIELD_EPIC_URL.
    epic_url: str = "GitLab Epic"
    bill_rate: str = "Bill Rate"
    signoff_sent: str = "Sign-off Sent"
    signoff_received: str = "Sign-off Received"
    passive_days: str = "Passive Acceptance Days"
    # Where a Consulting Block or Dedicated Engineer project records its EM>PS transition.
    transition_date: str = "EM>PS Transition Date"
    # A milestone's fee; a story without it falls back to its budget_estimate_in_cents.
    milestone_amount: str = "Milestone Amount"
    weekly_capacity: str = "Weekly Capacity"


# KantataFields attribute → its variable; grouped by the Kantata object the field is on,
# because two settings naming the same field of the same object would read one value twice.
KANTATA_FIELD_VARIABLES: dict[str, dict[str, str]] = {
    "workspace": {
        "sow": "KANTATA_FIELD_SOW",
        "project_type": "KANTATA_FIELD_PROJECT_TYPE",
        "top_customer": "KANTATA_FIELD_TOP_CUSTOMER",
        "kickoff_date": "KANTATA_FIELD_KICKOFF_DATE",
        "raid_url": "KANTATA_FIELD_RAID_URL",
        "epic_url": "KANTATA_FIELD_EPIC_URL",
        "transition_date": "KANTATA_FIELD_TRANSITION_DATE",
    },
    "workspace resource": {"bill_rate": "KANTATA_FIELD_BILL_RATE"},
    "milestone": {
        "signoff_sent": "KANTATA_FIELD_SIGNOFF_SENT",
        "signoff_received": "KANTATA_FIELD_SIGNOFF_RECEIVED",
        "passive_days": "KANTATA_FIELD_PASSIVE_DAYS",
        "milestone_amount": "KANTATA_FIELD_MILESTONE_AMOUNT",
    },
    "user": {"weekly_capacity": "KANTATA_FIELD_WEEKLY_CAPACITY"},
}
DEFAULT_KANTATA_ROLES = (
    "Project Manager=PM, Professional Services Engineer=PSE, Technical Architect=TA"
)


@dataclass(frozen=True)
class Settings:
    # Secrets stay out of repr(), so a logged Settings never leaks them.
    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = field(default="sqlite:///psbot.db", repr=False)  # may hold a password
    port: int = 3000
    # Whether PORT was set: Socket Mode and worker processes serve health checks only then.
    port_set: bool = False
    pmo_channel: str = "ps_pmo"
    internal_channel: str = "ps-internal"
    # Where a project's closeout summary goes (handbook: #ps-project-leadership), and the
    # Slack user group (subteam id) of the Engagement Managers it mentions, if any.
    leadership_channel: str = "ps-project-leadership"
    em_group: str = ""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    admins: frozenset[str] = frozenset()
    scheduler_enabled: bool = True
    auto_migrate: bool = True
    # /ps forecast and the monthly accuracy post attach a PNG chart (drawn in a child process).
    charts: bool = True
    # "US" (federal), "US-NY" (with a subdivision) or None for weekends only.
    holidays: tuple[str, str | None] | None = ("US", None)
    job_grace_minutes: int = 120
    # Raw PSBOT_JOB_* values; bot.pmo.rhythm parses them and names the variable on error.
    job_overrides: Mapping[str, str] = field(default_factory=dict)
    # GitLab sync of wins, thanks and Y/R notes: off while GITLAB_TOKEN is empty.
    gitlab_url: str = DEFAULT_GITLAB_URL
    gitlab_token: str = field(default="", repr=False)
    # Customer-safe updates (progress, issue/action/timing) on the RAID issue; off: the
    # RAID issue is in the customer's project, so psbot writes nothing there by default.
    gitlab_raid_updates: bool = False
    kantata_api_token: str = field(default="", repr=False)
    kantata_api_url: str = DEFAULT_KANTATA_API_URL
    kantata_fields: KantataFields = field(default_factory=KantataFields)
    # Kantata role name (case-folded) → PM, PSE or TA; psbot's own codes always map too.
    kantata_roles: Mapping[str, str] = field(
        default_factory=lambda: _kantata_roles(DEFAULT_KANTATA_ROLES)
    )
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object a line

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def gitlab_enabled(self) -> bool:
        return bool(self.gitlab_token)

    def require_run_tokens(self, listener: str | None = "auto") -> None:
        """Raise when `psbot run` lacks the tokens it needs: the bot token always, and
        what its `listener` needs: "socket" the app-level token, "http" the signing
        secret, None (a worker alone) nothing more; "auto" the one SLACK_APP_TOKEN picks."""
        if listener == "auto":
            listener = "socket" if self.socket_mode else "http"
        if not self.slack_bot_token:
            raise SettingsError(f"SLACK_BOT_TOKEN is not set ({README_HINT})")
        if not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError(
                f"SLACK_BOT_TOKEN must be a bot token starting xoxb- ({README_HINT})"
            )
        if listener == "socket" and not self.slack_app_token:
            raise SettingsError(f"SLACK_APP_TOKEN is not set; Socket Mode needs it ({README_HINT})")
        if listener == "socket" and not self.slack_app_token.startswith("xapp-"):
            raise SettingsError(
                f"SLACK_APP_TOKEN must be an app-level token starting xapp- ({README_HINT})"
            )
        if listener == "http" and not self.slack_signing_secret:
            # `--web` is HTTP mode whatever SLACK_APP_TOKEN says: no Socket Mode hint then.
            hint = "" if self.socket_mode else "or set SLACK_APP_TOKEN for Socket Mode; "
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify requests "
                f"({hint}{README_HINT})"
            )


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")
) -> Settings:
    """Read settings from `environ` (default: the process environment) over a `.env` file.

    Real environment variables win over the `.env` file, as twelve-factor tools expect.
    """
    values: dict[str, str] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip()

    return Settings(
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_api_url=_api_url(get("SLACK_API_URL", DEFAULT_SLACK_API_URL)),
        database_url=_database_url(get("DATABASE_URL", "sqlite:///psbot.db")),
        port=_whole_number("PORT", get("PORT", "3000"), 1, 65535),
        port_set=bool(get("PORT")),
        pmo_channel=parse_channel("PSBOT_PMO_CHANNEL", get("PSBOT_PMO_CHANNEL", "ps_pmo")),
        internal_channel=parse_channel(
            "PSBOT_INTERNAL_CHANNEL", get("PSBOT_INTERNAL_CHANNEL", "ps-internal")
        ),
        leadership_channel=parse_channel(
            "PSBOT_LEADERSHIP_CHANNEL", get("PSBOT_LEADERSHIP_CHANNEL", "ps-project-leadership")
        ),
        em_group=_user_group("PSBOT_EM_GROUP", get("PSBOT_EM_GROUP")),
        timezone=_timezone(get("PSBOT_TIMEZONE", "America/New_York")),
        admins=_admins(get("PSBOT_ADMINS")),
        scheduler_enabled=_on_off("PSBOT_SCHEDULER", get("PSBOT_SCHEDULER", "on")),
        auto_migrate=_on_off("PSBOT_AUTO_MIGRATE", get("PSBOT_AUTO_MIGRATE", "on")),
        charts=_on_off("PSBOT_CHARTS", get("PSBOT_CHARTS", "on")),
        holidays=_holidays(get("PSBOT_HOLIDAYS", "US")),
        job_grace_minutes=_whole_number(
            "PSBOT_JOB_GRACE_MINUTES",
            get("PSBOT_JOB_GRACE_MINUTES", "120"),
            1,
            MAX_GRACE_MINUTES,
            unit="minutes",
        ),
        job_overrides={
            name: value.strip()
            for name, value in values.items()
            if name.startswith("PSBOT_JOB_") and name != "PSBOT_JOB_GRACE_MINUTES"
        },
        gitlab_url=_gitlab_url(get("GITLAB_URL", DEFAULT_GITLAB_URL)),
        gitlab_token=_gitlab_token(get("GITLAB_TOKEN")),
        gitlab_raid_updates=_on_off(
            "PSBOT_GITLAB_RAID_UPDATES", get("PSBOT_GITLAB_RAID_UPDATES", "off")
        ),
        kantata_api_token=_kantata_token(get("KANTATA_API_TOKEN")),
        kantata_api_url=_http_url(
            "KANTATA_API_URL", get("KANTATA_API_URL", DEFAULT_KANTATA_API_URL)
        ),
        kantata_fields=_kantata_fields(get),
        kantata_roles=_kantata_roles(get("KANTATA_ROLES", DEFAULT_KANTATA_ROLES)),
        log_level=_choice("LOG_LEVEL", get("LOG_LEVEL", "INFO"), LOG_LEVELS).upper(),
        log_format=_choice("LOG_FORMAT", get("LOG_FORMAT", "text"), LOG_FORMATS).lower(),
    )


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _database_url(value: str) -> str:
    try:
        url: URL = make_url(value)
    except ArgumentError:
        raise SettingsError(
            f"DATABASE_URL is not a database URL: {value!r} "
            "(e.g. sqlite:///psbot.db or postgresql+psycopg://user@host/db)"
        ) from None
    if url.drivername in ("postgres", "postgresql"):
        # Hosted PostgreSQL hands out postgres://…; plain postgresql:// would ask
        # SQLAlchemy for psycopg2. psycopg 3 is the driver we ship.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"DATABASE_URL must be SQLite or PostgreSQL, got {url.get_backend_name()!r}"
        )
    return url.render_as_string(hide_password=False)


def parse_channel(name: str, value: str) -> str:
    """A channel setting's value, `#` dropped; variable `name` is named when it is bad."""
    channel = value.removeprefix("#")
    if not channel or any(c.isspace() for c in channel):
        raise SettingsError(
            f"{name} must be one channel, by ID or by name without spaces "
            f"(e.g. C0123ABCDEF or ps_pmo); got {value!r}"
        )
    return channel


def _user_group(name: str, value: str) -> str:
    """A Slack user group's id (S0123ABCDEF), as a `<!subteam^…>` mention needs it."""
    if value and not (
        value.startswith("S") and value.isascii() and value.isalnum() and value.isupper()
    ):
        raise SettingsError(
            f"{name} must be a Slack user group ID like S0123ABCDEF (not its @handle), "
            f"got {value!r}"
        )
    return value


def _timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "US" is a folder of zones: OSError
        raise SettingsError(
            f"PSBOT_TIMEZONE is not a known time zone: {value!r} (e.g. America/New_York)"
        ) from None


def _admins(value: str) -> frozenset[str]:
    ids = [part.strip() for part in value.split(",") if part.strip()]
    bad = [i for i in ids if not (i[:1] in ("U", "W") and i.isalnum() and i.isupper())]
    if bad:
        raise SettingsError(
            f"PSBOT_ADMINS must be comma-separated Slack user IDs like U012ABCDEF, got {bad[0]!r}"
        )
    return frozenset(ids)


def _holidays(value: str) -> tuple[str, str | None] | None:
    if value.lower() in ("off", "none", ""):
        return None
    country, _, subdivision = value.upper().partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise SettingsError(
            f"PSBOT_HOLIDAYS must be a country code like US or US-NY, or off; got {value!r}"
        ) from None
    return country, subdivision or None


def _whole_number(name: str, value: str, lowest: int, highest: int, unit: str = "") -> int:
    """`value` as a number from `lowest` to `highest`, written in ASCII digits."""
    # isdigit() alone lets "²" through, which int() refuses; a number with more digits
    # than `highest` is out of range anyway, and int() is spared very long strings.
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(highest))
    if not digits or not lowest <= int(value) <= highest:
        of_unit = f" of {unit}" if unit else ""
        raise SettingsError(
            f"{name} must be a whole number{of_unit} from {lowest} to {highest}, got {value!r}"
        )
    return int(value)


def _on_off(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "true", "1", "yes"):
        return True
    if lowered in ("off", "false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be 'on' or 'off', got {value!r}")


def _choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` when it is one of `choices` in any letter case."""
    if value.casefold() not in (choice.casefold() for choice in choices):
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _http_url(name: str, value: str) -> str:
    if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _kantata_token(value: str) -> str:
    if value.lower().startswith("bearer "):
        raise SettingsError("KANTATA_API_TOKEN must be the token alone, without 'Bearer '")
    if any(c.isspace() for c in value):
        raise SettingsError("KANTATA_API_TOKEN must be a single token without spaces")
    return value


def _kantata_fields(get: Callable[[str, str], str]) -> KantataFields:
    defaults = KantataFields()
    names: dict[str, str] = {}
    for variables in KANTATA_FIELD_VARIABLES.values():
        claimed: dict[str, str] = {}  # case-folded field name → the variable naming it
        for attribute, variable in variables.items():
            value = get(variable, getattr(defaults, attribute))
            if not value or len(value) > 200:
                raise SettingsError(
                    f"{variable} must name a Kantata custom field (1 to 200 characters), "
                    f"got {value!r}"
                )
            other = claimed.setdefault(value.casefold(), variable)
            if other != variable:
                raise SettingsError(
                    f"{variable} names the same custom field as {other} ({value!r}); "
                    "each needs a field of its own"
                )
            names[attribute] = value
    return KantataFields(**names)


def _kantata_roles(value: str) -> dict[str, str]:
    codes = {code.casefold(): code for code in ROLES}
    roles = dict(codes)
    for pair in (part.strip() for part in value.split(",")):
        if not pair:
            continue
        name, equals, code = (piece.strip() for piece in pair.rpartition("="))
        if not equals or not name or code.casefold() not in codes:
            raise SettingsError(
                "KANTATA_ROLES must be comma-separated 'Kantata role=PM' pairs "
                f"(PM, PSE or TA), got {pair!r}"
            )
        if roles.setdefault(name.casefold(), codes[code.casefold()]) != codes[code.casefold()]:
            raise SettingsError(f"KANTATA_ROLES maps {name!r} to two roles")
    return roles


def _gitlab_url(value: str) -> str:
    """GitLab's address (python-gitlab adds /api/v4); a trailing slash is dropped."""
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(
            f"GITLAB_URL must be an http(s) URL like {DEFAULT_GITLAB_URL}, got {value!r}"
        )
    if parsed.query or parsed.fragment or "/api/" in parsed.path + "/":
        raise SettingsError(
            f"GITLAB_URL is GitLab's address like {DEFAULT_GITLAB_URL}, without /api/v4 "
            f"or a query, got {value!r}"
        )
    return value.rstrip("/")


def _gitlab_token(value: str) -> str:
    if any(not c.isprintable() or c.isspace() for c in value):
        raise SettingsError(
            "GITLAB_TOKEN must be one token without spaces (a personal, group or project "
            "access token with the api scope)"
        )
    return value
