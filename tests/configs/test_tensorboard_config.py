"""configs/_base_/tensorboard.py merges into a complete config."""
from pathlib import Path

from mmengine import Config

REPO = Path(__file__).resolve().parents[2]


def test_tensorboard_snippet_keeps_local_logs_and_visualizer() -> None:
    cfg = Config.fromfile(REPO / 'demo' / 'configs' / 'prp_c3d_demo.py')
    assert cfg.visualizer.type == 'ActionVisualizer'
    cfg.merge_from_dict(
        Config.fromfile(REPO / 'configs' / '_base_' / 'tensorboard.py'))
    assert cfg.visualizer.type == 'ActionVisualizer'
    assert [b['type'] for b in cfg.visualizer.vis_backends
            ] == ['LocalVisBackend', 'TensorboardVisBackend']
