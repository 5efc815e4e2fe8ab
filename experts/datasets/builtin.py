"""Imports the built-in dataset modules so their ``@register_dataset`` builders register."""
from . import agentic_code, code, logic, math, search, writing  # noqa: F401
