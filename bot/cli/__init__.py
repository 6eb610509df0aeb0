"""The `hirebot` command line, one module per command group (root.py holds the top level)."""

from bot.cli.root import app, main

__all__ = ["app", "main"]
