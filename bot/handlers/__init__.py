"""The command set every channel shares: parse text or an action, call a service, return replies."""
