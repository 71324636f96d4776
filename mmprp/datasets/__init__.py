"""Datasets, data samplers and data transforms of mmprp."""
from . import samplers, transforms
from .prp_video_dataset import BadVideoError, PRPVideoDataset
from .retrieval_video_dataset import RetrievalVideoDataset
from .samplers import *  # noqa: F401,F403
from .seeded_index import SeededIndex
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BadVideoError', 'PRPVideoDataset', 'RetrievalVideoDataset', 'SeededIndex',
    *samplers.__all__, *transforms.__all__
]
