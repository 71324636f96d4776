"""Training hooks of mmprp."""
from .bad_video_report_hook import BadVideoReportHook
from .channels_last_hook import ChannelsLast3dHook, to_channels_last_3d
from .checkpoint_match_hook import CheckpointMatchHook
from .plain_checkpoint_hook import PlainCheckpointHook, plain_data
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'BadVideoReportHook', 'CheckpointMatchHook', 'ChannelsLast3dHook',
    'PlainCheckpointHook', 'SafeCheckpointHook', 'plain_data',
    'to_channels_last_3d'
]
