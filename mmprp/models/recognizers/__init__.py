"""Recognizers of mmprp."""
from .recognizer3d_with_init import Recognizer3DWithInit
from .selfsup_recognizer import SelfSupRecognizer
from .video_feature_extractor import (VideoFeatureExtractor,
                                      pooled_video_features)

__all__ = [
    'Recognizer3DWithInit', 'SelfSupRecognizer', 'VideoFeatureExtractor',
    'pooled_video_features'
]
