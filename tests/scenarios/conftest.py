"""Fixtures of the scenario tests."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.pg_cluster import PrivateCluster, cluster_tools, new_cluster


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    tools = cluster_tools()
    if tools is None:
        pytest.skip("a private PostgreSQL cluster needs initdb and pg_ctl, not installed here")
    cluster = new_cluster(Path(tempfile.mkdtemp(prefix="psbot-pg-")), tools)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
