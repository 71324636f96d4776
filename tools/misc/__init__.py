"""Checks of video lists before long runs."""
