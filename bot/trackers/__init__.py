"""Task-tracker integrations (Jira, Trello, Asana): each implements the core's `Tracker` port
(bot/domain/trackers.py) in its own module; `registry.py` lists them. The core never imports
this package: the wiring (bootstrap, server, CLI) does."""
