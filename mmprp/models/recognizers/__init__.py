"""Recognizers of mmprp."""
from .selfsup_recognizer import SelfSupRecognizer
from .video_feature_extractor import VideoFeatureExtractor

__all__ = ['SelfSupRecognizer', 'VideoFeatureExtractor']
