"""Data samplers of mmprp."""
from .seeded_sampler import SeededIndex, SeededSampler

__all__ = ['SeededIndex', 'SeededSampler']
