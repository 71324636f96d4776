"""Datasets, data samplers and data transforms of mmprp."""
from . import samplers, transforms
from .annotation_list import require_annotation_list
from .finetune_video_dataset import FinetuneVideoDataset
from .prp_video_dataset import (BadVideoError, PRPVideoDataset,
                                pipeline_with_protocol)
from .retrieval_video_dataset import RetrievalVideoDataset
from .samplers import *  # noqa: F401,F403
from .seeded_index import SeededIndex
from .transforms import *  # noqa: F401,F403

__all__ = [
    'BadVideoError', 'FinetuneVideoDataset', 'PRPVideoDataset',
    'RetrievalVideoDataset', 'SeededIndex', 'pipeline_with_protocol',
    'require_annotation_list', *samplers.__all__, *transforms.__all__
]
