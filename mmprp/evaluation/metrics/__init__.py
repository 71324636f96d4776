"""Metrics of mmprp."""
from .pretext_loss_metric import PretextLossMetric
from .video_retrieval_metric import (VideoRetrievalMetric,
                                     retrieval_topk_accuracy)

__all__ = ['PretextLossMetric', 'VideoRetrievalMetric',
           'retrieval_topk_accuracy']
