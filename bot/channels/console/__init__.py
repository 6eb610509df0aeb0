"""The local console channel: the whole bot in a terminal, scriptable through stdin."""
