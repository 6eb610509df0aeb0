"""Scheduled work: due rows in the database, run by thin triggers in each process."""
