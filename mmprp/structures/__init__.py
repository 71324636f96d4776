"""What the data pipeline and the model share: PRP's protocol and keys."""
from .prp_protocol import (ATTENTION_KEY, ATTENTION_MODES, CLIP_INDS_KEY,
                           LOSS_PREFIX, MOTION_ATTENTION_KEY, NUM_RATES_KEY,
                           NUM_SPARSE_FRAMES, PLAYBACK_RATE_KEY, PRED_RATE_KEY,
                           PRP_SAMPLE_KEYS, PRP_VIEW_KEYS, RATE_LABEL_KEY,
                           RATE_SCORES_KEY, RECON_TARGET_KEY, RECON_VALID_KEY,
                           TARGET_INDS_KEY, TARGET_VALID_KEY,
                           TARGET_WEIGHTS_KEY, PRPProtocol)

__all__ = [
    'ATTENTION_KEY', 'ATTENTION_MODES', 'CLIP_INDS_KEY', 'LOSS_PREFIX',
    'MOTION_ATTENTION_KEY', 'NUM_RATES_KEY', 'NUM_SPARSE_FRAMES',
    'PLAYBACK_RATE_KEY', 'PRED_RATE_KEY', 'PRP_SAMPLE_KEYS', 'PRP_VIEW_KEYS',
    'PRPProtocol', 'RATE_LABEL_KEY', 'RATE_SCORES_KEY', 'RECON_TARGET_KEY',
    'RECON_VALID_KEY', 'TARGET_INDS_KEY', 'TARGET_VALID_KEY',
    'TARGET_WEIGHTS_KEY'
]
