"""Errors a user can act on; their message is shown to the person as it is."""

from __future__ import annotations


class UserError(Exception):
    """The request cannot be done; the message says why and what to do instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UserError):
    """An id, role or person that does not exist."""


class InvalidInput(UserError):
    """A value that fails validation (email, stage, date, length)."""


class InvalidMove(UserError):
    """A stage change the pipeline does not allow."""


class PermissionDenied(UserError):
    """The person's hiring-team role does not allow this."""


class FieldErrors(InvalidInput):
    """Several fields of a form failed; `fields` maps each field name to its problem, so forms
    (modals) can show each message beside its field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields
