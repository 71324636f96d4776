"""Data transforms of PRP."""
from .playback_rate_sampler import (PlaybackRateSampler, RateStarvationError,
                                    VideoTooShortError)

__all__ = ['PlaybackRateSampler', 'RateStarvationError', 'VideoTooShortError']
