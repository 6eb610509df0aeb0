"""The Slack channel: a slack_bolt app (HTTP at /slack/events, or Socket Mode) over the core."""
