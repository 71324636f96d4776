"""mmprp.models.losses."""
from .motion_attention import (dense_motion_attention, minmax_rescale,
                               sparse_motion_attention)
from .motion_attention_mse_loss import MotionAttentionMSELoss

__all__ = [
    'MotionAttentionMSELoss', 'dense_motion_attention', 'minmax_rescale',
    'sparse_motion_attention'
]
