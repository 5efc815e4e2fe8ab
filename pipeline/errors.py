"""Errors a user can fix. The CLI prints them as one line and exits 2."""
from __future__ import annotations


class UserError(Exception):
    """Base class: the message alone tells the user what to fix."""


class ConfigError(UserError, ValueError):
    """A config problem, reported as ``<dotted.path>: <what is wrong and how to fix it>``."""

    def __init__(self, path: str, message: str):
        self.path, self.message = path, message
        super().__init__(f"{path}: {message}" if path else message)


class InputError(UserError, ValueError):
    """Bad input data (a JSONL row, a dataset file); the message names the line or column."""


class ModelNotFoundError(UserError, RuntimeError):
    """A model name could not be resolved to weights on this machine."""


USER_ERRORS: tuple[type[Exception], ...] = (UserError,)
