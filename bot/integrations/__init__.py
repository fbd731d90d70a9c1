"""The systems psbot reads and writes besides Slack: Kantata, GitLab and CSV exports."""
