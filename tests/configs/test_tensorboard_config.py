"""configs/_base_/tensorboard.py merges into a complete config."""

from mmengine import Config

from helpers import REPO


def test_tensorboard_snippet_keeps_local_logs_and_visualizer() -> None:
    cfg = Config.fromfile(REPO / 'demo' / 'configs' / 'prp_c3d_demo.py')
    assert cfg.visualizer.type == 'ActionVisualizer'
    cfg.merge_from_dict(
        Config.fromfile(REPO / 'configs' / '_base_' / 'tensorboard.py'))
    assert cfg.visualizer.type == 'ActionVisualizer'
    assert [b['type'] for b in cfg.visualizer.vis_backends
            ] == ['LocalVisBackend', 'TensorboardVisBackend']
