"""Data samplers of mmprp."""
from .seeded_sampler import SeededSampler

__all__ = ['SeededSampler']
