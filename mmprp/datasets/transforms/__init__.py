"""Data transforms of PRP."""
from .playback_rate_sampler import (PlaybackRateSampler, RateStarvationError,
                                    VideoTooShortError)
from .sample_rng import SAMPLE_RNG_KEY, sample_rng

__all__ = [
    'PlaybackRateSampler', 'RateStarvationError', 'SAMPLE_RNG_KEY',
    'VideoTooShortError', 'sample_rng'
]
