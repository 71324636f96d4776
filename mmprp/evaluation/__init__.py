"""Evaluation components of mmprp."""
from .metrics import *  # noqa: F401,F403
