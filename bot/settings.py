"""Settings: the only place that reads the environment.

Every variable of SPEC §6 lives here with its default. A bad value raises
`SettingsError` with a one-line message that names the variable, so the CLI can print
it and exit without a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from dotenv import dotenv_values
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
README_HINT = "see README.md, 'Connect to Slack'"


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one line."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///psbot.db"
    port: int = 3000
    pmo_channel: str = "ps_pmo"
    internal_channel: str = "ps-internal"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))
    admins: frozenset[str] = frozenset()
    scheduler_enabled: bool = True
    auto_migrate: bool = True
    # "US" (federal), "US-NY" (with a subdivision) or None for weekends only.
    holidays: tuple[str, str | None] | None = ("US", None)
    job_grace_minutes: int = 120
    # Raw PSBOT_JOB_* values; jobs.registry parses them and names the variable on error.
    job_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def require_run_tokens(self) -> None:
        """Raise when `psbot run` lacks the tokens its mode needs."""
        if not self.slack_bot_token:
            raise SettingsError(f"SLACK_BOT_TOKEN is not set ({README_HINT})")
        if not self.slack_bot_token.startswith("xoxb-"):
            raise SettingsError(
                f"SLACK_BOT_TOKEN must be a bot token starting xoxb- ({README_HINT})"
            )
        if self.socket_mode:
            if not self.slack_app_token.startswith("xapp-"):
                raise SettingsError(
                    f"SLACK_APP_TOKEN must be an app-level token starting xapp- ({README_HINT})"
                )
        elif not self.slack_signing_secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify requests "
                f"(or set SLACK_APP_TOKEN for Socket Mode; {README_HINT})"
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
        port=_port(get("PORT", "3000")),
        pmo_channel=_channel("PSBOT_PMO_CHANNEL", get("PSBOT_PMO_CHANNEL", "ps_pmo")),
        internal_channel=_channel(
            "PSBOT_INTERNAL_CHANNEL", get("PSBOT_INTERNAL_CHANNEL", "ps-internal")
        ),
        timezone=_timezone(get("PSBOT_TIMEZONE", "America/New_York")),
        admins=_admins(get("PSBOT_ADMINS")),
        scheduler_enabled=_on_off("PSBOT_SCHEDULER", get("PSBOT_SCHEDULER", "on")),
        auto_migrate=_on_off("PSBOT_AUTO_MIGRATE", get("PSBOT_AUTO_MIGRATE", "on")),
        holidays=_holidays(get("PSBOT_HOLIDAYS", "US")),
        job_grace_minutes=_minutes(
            "PSBOT_JOB_GRACE_MINUTES", get("PSBOT_JOB_GRACE_MINUTES", "120")
        ),
        job_overrides={
            name: value.strip()
            for name, value in values.items()
            if name.startswith("PSBOT_JOB_") and name != "PSBOT_JOB_GRACE_MINUTES"
        },
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
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"DATABASE_URL must be SQLite or PostgreSQL, got {url.get_backend_name()!r}"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, got {value!r}")
    return int(value)


def _channel(name: str, value: str) -> str:
    value = value.removeprefix("#")
    if not value or any(c.isspace() for c in value):
        raise SettingsError(f"{name} must be a channel ID or name without spaces, got {value!r}")
    return value


def _timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
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


def _minutes(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name} must be a whole number of minutes, got {value!r}")
    return int(value)


def _on_off(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "true", "1", "yes"):
        return True
    if lowered in ("off", "false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be 'on' or 'off', got {value!r}")
