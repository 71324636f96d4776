"""Data transforms of PRP."""
from .decord_init_by_path import DecordInitByPath
from .opencv_forward_decode import OpenCVForwardDecode
from .opencv_init_by_path import OpenCVInitByPath
from .pack_prp_inputs import PackPRPInputs
from .playback_rate_sampler import (PlaybackRateSampler, RateStarvationError,
                                    VideoTooShortError)
from .sample_rng import SAMPLE_RNG_KEY, sample_rng

__all__ = [
    'DecordInitByPath', 'OpenCVForwardDecode', 'OpenCVInitByPath',
    'PackPRPInputs', 'PlaybackRateSampler', 'RateStarvationError',
    'SAMPLE_RNG_KEY', 'VideoTooShortError', 'sample_rng'
]
