"""Telegram channel: python-telegram-bot 22 adapter (webhook or long polling) and sender."""
