"""Build models from configs and checkpoints, and feed them single videos
(for the tools, the demo and the figures)."""
from .inference import (build_model, load_config, load_video_batch,
                        pipeline_steps, step_index, with_frame_indices)

__all__ = [
    'build_model', 'load_config', 'load_video_batch', 'pipeline_steps',
    'step_index', 'with_frame_indices'
]
