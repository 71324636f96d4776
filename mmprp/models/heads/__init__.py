"""mmprp.models.heads."""
from .motion_attention_decoder import MotionAttentionDecoder
from .prp_head import PRPHead

__all__ = ['MotionAttentionDecoder', 'PRPHead']
