from zoneinfo import ZoneInfo

import pytest

from bot.core.settings import KantataFields, SettingsError, load_settings


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
        ("PSBOT_TIMEZONE", "US"),  # folders of the zone database, not zones
        ("PSBOT_TIMEZONE", "America"),
        ("PSBOT_TIMEZONE", "Etc"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://db/x"),
        ("PSBOT_SCHEDULER", "maybe"),
        ("PSBOT_AUTO_MIGRATE", "sometimes"),
        ("PORT", "http"),
        ("PORT", "70000"),
        ("PORT", "0"),
        ("PORT", "²"),  # str.isdigit() says yes, int() says no
        ("PORT", "9" * 5000),  # more digits than int() converts
        ("PSBOT_ADMINS", "alice@example.com"),
        ("PSBOT_PMO_CHANNEL", "ps pmo"),
        ("PSBOT_INTERNAL_CHANNEL", "#"),
        ("SLACK_API_URL", "slack.com/api"),
        ("PSBOT_HOLIDAYS", "Narnia"),
        ("PSBOT_HOLIDAYS", "US-ZZ"),
        ("PSBOT_JOB_GRACE_MINUTES", "0"),
        ("PSBOT_JOB_GRACE_MINUTES", "2h"),
        ("PSBOT_JOB_GRACE_MINUTES", "²"),
        ("PSBOT_JOB_GRACE_MINUTES", "٣"),  # an Arabic-Indic 3: ASCII digits only
        ("PSBOT_JOB_GRACE_MINUTES", "100000000000000000000"),  # overflowed timedelta
        ("PSBOT_JOB_GRACE_MINUTES", "10081"),  # more than a week
        ("KANTATA_API_URL", "api.mavenlink.com/api/v1"),
        ("KANTATA_API_URL", "https://api.mavenlink.com/api v1/"),
        ("KANTATA_API_TOKEN", "Bearer abc123"),
        ("KANTATA_API_TOKEN", "abc 123"),
        ("KANTATA_FIELD_SOW", ""),
        ("KANTATA_FIELD_BILL_RATE", "x" * 201),
        ("KANTATA_FIELD_PROJECT_TYPE", "sow number"),  # the SOW field's default name
        ("KANTATA_FIELD_SIGNOFF_RECEIVED", "Sign-off Sent"),
        ("KANTATA_ROLES", "Engineer"),
        ("KANTATA_ROLES", "Engineer=EM"),
        ("KANTATA_ROLES", "=PM"),
        ("KANTATA_ROLES", "Lead=PM, lead=TA"),
        ("PSBOT_GITLAB_RAID_UPDATES", "customer-safe"),
        ("PSBOT_LEADERSHIP_CHANNEL", "ps project leadership"),
        ("PSBOT_EM_GROUP", "@em"),
        ("PSBOT_EM_GROUP", "s0emteam"),
        ("DATABASE_URL", "postgresx://u@db/psbot"),
        ("LOG_LEVEL", "verbose"),
        ("LOG_LEVEL", "10"),
        ("LOG_FORMAT", "xml"),
        ("LOG_FORMAT", "jsonl"),
    ],
)
def test_bad_values_name_the_variable_in_one_line(name, value):
    with pytest.raises(SettingsError) as error:
        load(**{name: value})
    message = str(error.value)
    assert name in message
    assert "\n" not in message


def test_the_leadership_channel_and_em_group():
    settings = load()
    assert (settings.leadership_channel, settings.em_group) == ("ps-project-leadership", "")
    settings = load(PSBOT_LEADERSHIP_CHANNEL="#GR4A7UJSF", PSBOT_EM_GROUP="S0EMTEAM")
    assert (settings.leadership_channel, settings.em_group) == ("GR4A7UJSF", "S0EMTEAM")


def test_raid_updates_are_off_unless_turned_on():
    assert load().gitlab_raid_updates is False
    assert load(PSBOT_GITLAB_RAID_UPDATES="on").gitlab_raid_updates is True


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("PORT", "1", "port", 1),
        ("PORT", "65535", "port", 65535),
        ("PORT", "08080", "port", 8080),
        ("PSBOT_JOB_GRACE_MINUTES", "1", "job_grace_minutes", 1),
        ("PSBOT_JOB_GRACE_MINUTES", "10080", "job_grace_minutes", 10080),  # a week
    ],
)
def test_numbers_are_accepted_up_to_their_bounds(name, value, attribute, expected):
    assert getattr(load(**{name: value}), attribute) == expected


def test_kantata_defaults():
    settings = load()
    assert settings.kantata_api_token == ""
    assert settings.kantata_api_url == "https://api.mavenlink.com/api/v1/"
    assert settings.kantata_fields == KantataFields()
    assert settings.kantata_fields.sow == "SOW Number"
    assert settings.kantata_roles == {
        "pm": "PM",
        "pse": "PSE",
        "ta": "TA",
        "project manager": "PM",
        "professional services engineer": "PSE",
        "technical architect": "TA",
    }


def test_kantata_values_are_read_and_normalised():
    settings = load(
        KANTATA_API_TOKEN=" abc123 ",
        KANTATA_API_URL="http://127.0.0.1:9/api/v1",
        KANTATA_FIELD_SOW="Contract #",
        KANTATA_FIELD_SIGNOFF_SENT="Top Customer",  # a story field may share a project's name
        KANTATA_ROLES="Engagement Manager=pm, Solutions Engineer = PSE,",
    )
    assert settings.kantata_api_token == "abc123"
    assert settings.kantata_api_url == "http://127.0.0.1:9/api/v1/"
    assert settings.kantata_fields.sow == "Contract #"
    assert settings.kantata_fields.signoff_sent == "Top Customer"
    assert settings.kantata_roles["engagement manager"] == "PM"
    assert settings.kantata_roles["solutions engineer"] == "PSE"
    assert "project manager" not in settings.kantata_roles  # the list replaces the default


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


def test_gitlab_sync_is_off_without_a_token():
    settings = load()
    assert settings.gitlab_url == "https://gitlab.com"
    assert settings.gitlab_token == "" and settings.gitlab_enabled is False


def test_gitlab_settings_are_read_and_the_token_stays_out_of_repr():
    settings = load(GITLAB_URL="https://git.example.com/gitlab/", GITLAB_TOKEN=" glpat-abc ")
    assert settings.gitlab_url == "https://git.example.com/gitlab"
    assert settings.gitlab_token == "glpat-abc" and settings.gitlab_enabled
    assert "glpat-abc" not in repr(settings)


def test_no_secret_reaches_repr():
    settings = load(
        SLACK_BOT_TOKEN="xoxb-secret-bot",
        SLACK_SIGNING_SECRET="signing-secret",
        SLACK_APP_TOKEN="xapp-secret-app",
        DATABASE_URL="postgresql+psycopg://psbot:db-password@db/psbot",
        KANTATA_API_TOKEN="kantata-secret",
        GITLAB_TOKEN="glpat-secret",
    )
    shown = repr(settings)
    for secret in ("secret", "db-password"):
        assert secret not in shown


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GITLAB_URL", "gitlab.com"),
        ("GITLAB_URL", "ftp://gitlab.com"),
        ("GITLAB_URL", "https://gitlab.com/api/v4"),
        ("GITLAB_URL", "https://gitlab.com/?private_token=x"),
        ("GITLAB_TOKEN", "glpat-abc def"),
        ("GITLAB_TOKEN", "glpat-abc\x00"),
    ],
)
def test_bad_gitlab_values_name_the_variable_in_one_line(name, value):
    with pytest.raises(SettingsError) as error:
        load(**{name: value})
    message = str(error.value)
    assert name in message and "\n" not in message
    assert "abc" not in message  # a token is never echoed


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        # What hosted PostgreSQL services hand out, query and all.
        ("postgres://u:p%40ss@db.example.com:5432/psbot?sslmode=require",
         "postgresql+psycopg://u:p%40ss@db.example.com:5432/psbot?sslmode=require"),
        ("postgresql://u@db/psbot", "postgresql+psycopg://u@db/psbot"),
        ("postgresql+psycopg://u@db/psbot", "postgresql+psycopg://u@db/psbot"),
        ("sqlite:///psbot.db", "sqlite:///psbot.db"),
    ],
)  # fmt: skip
def test_database_urls_postgres_and_postgresql_mean_postgresql_through_psycopg(given, stored):
    assert load(DATABASE_URL=given).database_url == stored


def test_log_level_and_format_default_to_info_text_and_take_any_letter_case():
    assert (load().log_level, load().log_format) == ("INFO", "text")
    settings = load(LOG_LEVEL="debug", LOG_FORMAT="JSON")
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_port_set_tells_a_port_given_from_the_default():
    assert (load().port, load().port_set) == (3000, False)
    assert (load(PORT="3000").port, load(PORT="3000").port_set) == (3000, True)
