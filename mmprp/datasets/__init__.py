"""Datasets and data transforms of mmprp."""
from . import transforms
from .retrieval_video_dataset import RetrievalVideoDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['RetrievalVideoDataset', *transforms.__all__]
