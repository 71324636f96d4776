"""Datasets and data transforms of mmprp."""
from . import transforms
from .prp_video_dataset import BadVideoError, PRPVideoDataset
from .retrieval_video_dataset import RetrievalVideoDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BadVideoError', 'PRPVideoDataset', 'RetrievalVideoDataset',
    *transforms.__all__
]
