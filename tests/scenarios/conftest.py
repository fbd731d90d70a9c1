"""Fixtures of the scenario tests."""

from tests.pg_cluster import cluster  # noqa: F401  (the fixture: a private PostgreSQL cluster)
