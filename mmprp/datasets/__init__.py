"""Datasets and data transforms of mmprp."""
from .transforms import *  # noqa: F401,F403
