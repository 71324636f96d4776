"""Data transforms of PRP."""
from .decord_init_by_path import DecordInitByPath
from .opencv_forward_decode import OpenCVForwardDecode
from .opencv_init_by_path import OpenCVInitByPath
from .pack_prp_inputs import PackPRPInputs
from .playback_rate_sampler import (ATTENTION_KEY, ATTENTION_MODES,
                                    NUM_RATES_KEY, PRP_SAMPLE_KEYS,
                                    PRP_VIEW_KEYS, RATE_LABEL_KEY,
                                    PlaybackRateSampler, RateStarvationError,
                                    VideoTooShortError)
from .sample_rng import SAMPLE_RNG_KEY, sample_rng

__all__ = [
    'ATTENTION_KEY', 'ATTENTION_MODES', 'DecordInitByPath', 'NUM_RATES_KEY',
    'OpenCVForwardDecode', 'OpenCVInitByPath', 'PRP_SAMPLE_KEYS',
    'PRP_VIEW_KEYS', 'PackPRPInputs', 'PlaybackRateSampler', 'RATE_LABEL_KEY',
    'RateStarvationError', 'SAMPLE_RNG_KEY', 'VideoTooShortError', 'sample_rng'
]
