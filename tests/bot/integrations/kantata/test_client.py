"""The Kantata client: every page, includes, retries with backoff, one-line errors."""

import datetime as dt
import email.utils
import json

import pytest

from bench.fake_kantata import TOKEN
from bot.integrations.kantata.client import (
    KantataClient,
    KantataError,
    KantataPayloadError,
    KantataUnavailable,
    _retry_after_seconds,
)


def test_reads_every_page_with_its_includes(client, fake_kantata):
    listing = client.list("workspace_resources", include=("user", "role"))
    assert listing.ids == ["20", "21", "22", "23", "24"]  # five objects, two a page
    assert set(listing.objects["users"]) == {"1", "2", "3"}
    assert set(listing.objects["roles"]) == {"10", "11", "12"}
    calls = fake_kantata.calls_to("workspace_resources")
    assert [c.query["page"] for c in calls] == ["1", "2", "3"]
    assert {c.query["per_page"] for c in calls} == {"200"}
    assert {c.query["include"] for c in calls} == {"user,role"}
    assert {c.headers["Authorization"] for c in calls} == {f"Bearer {TOKEN}"}


def test_filters_are_passed_on(client):
    assert client.list("stories", params={"story_type": "milestone"}).ids == ["40", "41"]


def test_an_empty_list_is_one_request(client, fake_kantata):
    fake_kantata.objects["stories"] = {}
    assert client.list("stories").ids == []
    assert len(fake_kantata.calls_to("stories")) == 1


def test_an_object_listed_on_two_pages_counts_once(client, fake_kantata):
    # Page 2 repeats workspace 2, as when the list shifts while it is being read.
    page = {
        "results": [{"key": "workspaces", "id": "2"}],
        "workspaces": {"2": fake_kantata.objects["workspaces"]["2"]},
        "meta": {"count": 3, "page_count": 2, "page_number": 2, "page_size": 2},
    }
    fake_kantata.fail("workspaces", 200, page=2, body=json.dumps(page))
    assert client.list("workspaces").ids == ["1", "2"]


def test_a_429_in_the_middle_is_retried_after_retry_after(client, fake_kantata, sleeps):
    fake_kantata.fail("workspace_allocations", 429, page=2, retry_after="1")
    listing = client.list("workspace_allocations")
    assert listing.ids == ["30", "31", "32", "33", "34", "35"]
    pages = [c.query["page"] for c in fake_kantata.calls_to("workspace_allocations")]
    assert pages == ["1", "2", "2", "3"]
    assert sleeps == [1.0]


def test_5xx_backs_off_exponentially(client, fake_kantata, sleeps):
    fake_kantata.fail("workspaces", 503, times=3)
    assert client.list("workspaces").ids == ["1", "2", "3"]
    assert sleeps == [1.0, 2.0, 4.0]


def test_a_long_retry_after_is_capped(fake_kantata, sleeps):
    client = KantataClient(fake_kantata.api_url, TOKEN, sleep=sleeps.append, max_wait=30)
    fake_kantata.fail("workspaces", 429, retry_after="3600")
    client.list("workspaces")
    assert sleeps == [30.0]


def test_giving_up_after_the_last_attempt_is_one_line(client, fake_kantata, sleeps):
    fake_kantata.fail("workspaces", 502, times=99)
    with pytest.raises(KantataUnavailable) as error:  # a scheduled sync tries again later
        client.list("workspaces")
    assert str(error.value) == (
        "Kantata answered 502 for workspaces page 1 5 times (the fake was told to fail); "
        "try again later"
    )
    assert len(sleeps) == 4


def test_a_bad_token_is_named_and_not_retried(fake_kantata, sleeps):
    client = KantataClient(fake_kantata.api_url, "wrong-token", sleep=sleeps.append)
    with pytest.raises(KantataError) as error:
        client.list("workspaces")
    assert not isinstance(error.value, KantataUnavailable)  # trying again would not help
    message = str(error.value)
    assert message.startswith("Kantata rejected KANTATA_API_TOKEN (401 Unauthorized)")
    assert "\n" not in message and "wrong-token" not in message
    assert len(fake_kantata.calls) == 1 and sleeps == []


def test_a_wrong_url_is_named(fake_kantata, sleeps):
    client = KantataClient(fake_kantata.url + "/api/v2/", TOKEN, sleep=sleeps.append)
    with pytest.raises(KantataError, match=r"\(404\); check KANTATA_API_URL$"):
        client.list("workspaces")


def test_timeouts_are_retried_then_reported(fake_kantata, sleeps):
    client = KantataClient(
        fake_kantata.api_url, TOKEN, sleep=sleeps.append, timeout=0.2, attempts=2
    )
    fake_kantata.fail("workspaces", 200, delay=0.5, times=2, body="{}")
    with pytest.raises(KantataUnavailable) as error:
        client.list("workspaces")
    assert str(error.value) == (
        f"cannot reach Kantata at {fake_kantata.api_url} (timed out) after 2 attempts; "
        "check KANTATA_API_URL and the network"
    )
    assert sleeps == [1.0]


def test_an_unreachable_server_is_reported(sleeps):
    client = KantataClient("http://127.0.0.1:9/api/v1/", TOKEN, sleep=sleeps.append, attempts=2)
    with pytest.raises(
        KantataUnavailable, match=r"^cannot reach Kantata at http://127.0.0.1:9/api/v1/"
    ):
        client.list("workspaces")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>Maintenance</html>", "workspaces page 1 is not JSON"),
        ("[]", "workspaces page 1 is not a JSON object"),
        ('{"meta": {"page_count": 1}}', "workspaces page 1 has no 'results' list"),
        ('{"results": []}', "workspaces page 1 has no 'meta' with a whole-number 'page_count'"),
        (
            '{"results": [{"key": "workspaces", "id": "7"}], "workspaces": {}, '
            '"meta": {"page_count": 1}}',
            "workspaces page 1: results name workspaces 7, not sent",
        ),
    ],
)
def test_an_unexpected_payload_is_one_line(client, fake_kantata, body, message):
    fake_kantata.fail("workspaces", 200, body=body)
    with pytest.raises(KantataPayloadError) as error:
        client.list("workspaces")
    assert str(error.value) == f"unexpected Kantata payload: {message}"


def test_retry_after_may_be_an_http_date():
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    assert 25 < _retry_after_seconds(email.utils.format_datetime(later, usegmt=True)) <= 30
    assert _retry_after_seconds("7") == 7.0
    assert _retry_after_seconds("soon") is None
    assert _retry_after_seconds(None) is None
