"""Outbound delivery: claims outbox rows and hands them to a channel's sender, with retries."""
