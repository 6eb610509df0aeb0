"""Allows `python -m bot`, so tests can start the CLI without an installed script."""

from bot.cli import main

main()
