"""Imports every built-in reward module so their @register_reward decorators run."""
from . import code, constitution_penalty, format, judge, language, length, logic, math  # noqa: F401
