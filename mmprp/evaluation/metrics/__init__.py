"""Metrics of mmprp."""
from .pretext_loss_metric import PretextLossMetric

__all__ = ['PretextLossMetric']
