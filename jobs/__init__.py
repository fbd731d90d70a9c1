"""Scheduled jobs: one module per job, declared in one registry."""
