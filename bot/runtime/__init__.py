"""Machinery that runs psbot: schedules, the scheduler and its exactly-once job runner,
the outbox every post goes through, the Slack Web API client and request verification."""
