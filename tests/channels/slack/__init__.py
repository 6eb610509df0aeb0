"""Slack adapter tests: signed requests to the ASGI app; the bot's client against FakeSlackAPI."""
