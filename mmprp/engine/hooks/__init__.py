"""Training hooks of mmprp."""
from .bad_video_report_hook import BadVideoReportHook
from .channels_last_hook import ChannelsLast3dHook, to_channels_last_3d
from .checkpoint_match_hook import CheckpointMatchHook
from .label_range_hook import LabelRangeHook
from .non_empty_dataloader_hook import NonEmptyDataloaderHook
from .non_finite_loss_hook import NonFiniteLossHook
from .plain_checkpoint_hook import PlainCheckpointHook, plain_data
from .retrieval_monitor_hook import RetrievalMonitorHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'BadVideoReportHook', 'CheckpointMatchHook', 'ChannelsLast3dHook',
    'LabelRangeHook', 'NonEmptyDataloaderHook', 'NonFiniteLossHook',
    'PlainCheckpointHook', 'RetrievalMonitorHook', 'SafeCheckpointHook',
    'plain_data', 'to_channels_last_3d'
]
