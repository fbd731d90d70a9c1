"""Message builders: Block Kit via slack_sdk.models, mrkdwn text via Jinja2 templates."""
