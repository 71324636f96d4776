"""mmprp.models.heads."""
from .base_pretext_head import BasePretextHead
from .motion_attention_decoder import MotionAttentionDecoder
from .prp_head import PRPHead

__all__ = ['BasePretextHead', 'MotionAttentionDecoder', 'PRPHead']
