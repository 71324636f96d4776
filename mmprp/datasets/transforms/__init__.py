"""Data transforms of PRP."""
from .playback_rate_sampler import PlaybackRateSampler

__all__ = ['PlaybackRateSampler']
