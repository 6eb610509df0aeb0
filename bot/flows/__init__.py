"""Conversational flows as explicit state machines persisted in the database."""
