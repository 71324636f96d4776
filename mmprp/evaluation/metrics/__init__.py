"""Metrics of mmprp."""
from .classification_loss_metric import ClassificationLossMetric
from .linear_probe_metric import LinearProbeMetric, linear_probe_accuracy
from .pretext_loss_metric import PretextLossMetric
from .video_feature_metric import VideoFeatureMetric
from .video_retrieval_metric import (VideoRetrievalMetric,
                                     retrieval_topk_accuracy)

__all__ = [
    'ClassificationLossMetric', 'LinearProbeMetric', 'PretextLossMetric',
    'VideoFeatureMetric', 'VideoRetrievalMetric', 'linear_probe_accuracy',
    'retrieval_topk_accuracy'
]
