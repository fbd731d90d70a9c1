from zoneinfo import ZoneInfo

import pytest

from bot.settings import SettingsError, load_settings


def load(**env):
    return load_settings(env, dotenv_path=None)


def test_defaults_match_the_spec():
    settings = load()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///psbot.db"
    assert settings.port == 3000
    assert settings.pmo_channel == "ps_pmo"
    assert settings.internal_channel == "ps-internal"
    assert settings.timezone == ZoneInfo("America/New_York")
    assert settings.admins == frozenset()
    assert settings.scheduler_enabled is True
    assert settings.socket_mode is False
    assert settings.holidays == ("US", None)
    assert settings.job_grace_minutes == 120


def test_values_are_read_and_normalised():
    settings = load(
        SLACK_APP_TOKEN="xapp-1",
        SLACK_API_URL="http://127.0.0.1:9/api",
        DATABASE_URL="postgresql://u:p@db/psbot",
        PORT="8080",
        PSBOT_PMO_CHANNEL="#pmo",
        PSBOT_TIMEZONE="Europe/Berlin",
        PSBOT_ADMINS="U01ABC, W02DEF ,",
        PSBOT_SCHEDULER="OFF",
    )
    assert settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.database_url == "postgresql+psycopg://u:p@db/psbot"
    assert settings.port == 8080
    assert settings.pmo_channel == "pmo"
    assert settings.timezone == ZoneInfo("Europe/Berlin")
    assert settings.admins == {"U01ABC", "W02DEF"}
    assert settings.scheduler_enabled is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PSBOT_TIMEZONE", "Mars/Olympus"),
        ("PSBOT_TIMEZONE", "../etc/passwd"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://db/x"),
        ("PSBOT_SCHEDULER", "maybe"),
        ("PSBOT_AUTO_MIGRATE", "sometimes"),
        ("PORT", "http"),
        ("PORT", "70000"),
        ("PORT", "0"),
        ("PSBOT_ADMINS", "alice@example.com"),
        ("PSBOT_PMO_CHANNEL", "ps pmo"),
        ("PSBOT_INTERNAL_CHANNEL", "#"),
        ("SLACK_API_URL", "slack.com/api"),
        ("PSBOT_HOLIDAYS", "Narnia"),
        ("PSBOT_HOLIDAYS", "US-ZZ"),
        ("PSBOT_JOB_GRACE_MINUTES", "0"),
        ("PSBOT_JOB_GRACE_MINUTES", "2h"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(name, value):
    with pytest.raises(SettingsError) as error:
        load(**{name: value})
    message = str(error.value)
    assert name in message
    assert "\n" not in message


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nPSBOT_PMO_CHANNEL=from-file\n")
    settings = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert settings.port == 5000
    assert settings.pmo_channel == "from-file"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "  "}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN"),
    ],
)
def test_run_requires_tokens_for_its_mode(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load(**env).require_run_tokens()


def test_socket_mode_needs_no_signing_secret():
    load(SLACK_BOT_TOKEN="xoxb-1", SLACK_APP_TOKEN="xapp-1").require_run_tokens()
