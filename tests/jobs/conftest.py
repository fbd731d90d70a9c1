import pytest

from tests.jobs.sample import build_week


@pytest.fixture
def week(ctx):
    """The sample week (see tests/jobs/sample.py)."""
    return build_week(ctx.session_factory)
