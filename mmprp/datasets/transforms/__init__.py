"""Data transforms of PRP."""
from .decord_init_by_path import DecordInitByPath
from .playback_rate_sampler import (PlaybackRateSampler, RateStarvationError,
                                    VideoTooShortError)

__all__ = [
    'DecordInitByPath', 'PlaybackRateSampler', 'RateStarvationError',
    'VideoTooShortError'
]
