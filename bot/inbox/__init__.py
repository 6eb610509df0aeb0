"""Inbound platform events: written down at the door, handled right after (see inbox.py)."""
