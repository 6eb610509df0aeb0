"""Telegram adapter tests: real entry points against FakeTelegramAPI."""
