"""Version of the mmprp package."""

__version__ = '0.1.0'
