"""Slack's side of the conversation, in process: what `psbot shell`, the tests and
`bench/` use instead of slack.com.

- `workspace`: the pretend workspace — who it is, its people and channels;
- `standin`: a local HTTP server the app's WebClient and response_urls point at;
- `slack_requests`: slash commands, actions, submissions and events, signed as Slack
  signs them and dispatched through the Bolt app.
"""
