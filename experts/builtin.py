"""Imports the built-in domain modules so their ``@register_expert`` specs register."""
from . import agentic_code, agentic_search, code, logic, math, writing  # noqa: F401
