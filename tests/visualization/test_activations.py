"""mmprp.visualization.activations and its CLI."""
import numpy as np
import pytest
import torch
from mmengine import Config

from mmprp.apis import build_model
from mmprp.visualization.activations import (EXTRA_SIZE, PANEL_SIZE,
                                             activation_pipeline,
                                             compute_activation_map,
                                             reduce_feature_map,
                                             visualize_activations)
from helpers import load_tool


@pytest.fixture
def expected_size(figure_pixels):
    """Pixel size of an activation figure of ``rows`` x ``cols``."""
    return lambda rows, cols: figure_pixels(rows, cols, PANEL_SIZE, EXTRA_SIZE)


def test_reduce_feature_map() -> None:
    feats = torch.zeros(1, 2, 2, 1, 2)
    feats[0, :, 0, 0, 0] = torch.tensor([3., -4.])  # time 0, pixel 0
    torch.testing.assert_close(
        reduce_feature_map(feats, 'mean-abs'), torch.tensor([[[1.75, 0.]]]))
    torch.testing.assert_close(
        reduce_feature_map(feats, 'l2'), torch.tensor([[[2.5, 0.]]]))
    with pytest.raises(ValueError, match='not a 5-D map'):
        reduce_feature_map(feats.flatten(2))
    with pytest.raises(ValueError, match='reduction'):
        reduce_feature_map(feats, 'max')


def test_centred_clip_and_map(demo_cfg, demo_model, videos,
                              synthetic_ucf101) -> None:
    found = compute_activation_map(demo_model, activation_pipeline(demo_cfg),
                                   videos[0])
    relative = videos[0].relative_to(synthetic_ucf101.video_dir).as_posix()
    first = (synthetic_ucf101.frame_counts[relative] - 16) // 2
    assert found.clip_frames == (first, first + 15)
    assert found.frame_index == first + 8
    assert found.frame.shape == (48, 48, 3)
    assert found.heatmap.shape == (48, 48)
    assert found.heatmap.min() == 0 and found.heatmap.max() == 1
    assert found.feat_shape == (64, 2, 3, 3)
    assert 0 < found.value_range[0] < found.value_range[1]


def test_checkpoints_side_by_side(tmp_path, demo_cfg, demo_config, videos,
                                  png_size, expected_size) -> None:
    seeded = {seed: tmp_path / f'seed{seed}.pth' for seed in (0, 1)}
    for seed, path in seeded.items():
        model = build_model(demo_cfg, seed=seed)
        torch.save({'state_dict': model.state_dict()}, path)
    out = tmp_path / 'act.png'
    maps = visualize_activations(
        demo_config, [seeded[0], seeded[1], None],
        videos[:2],
        out,
        labels=['seed 0', 'seed 1', 'random'])
    assert list(maps) == ['seed 0', 'seed 1', 'random']
    for row in range(2):
        # the seed-0 checkpoint is the random initialisation with seed 0
        np.testing.assert_allclose(maps['seed 0'][row].heatmap,
                                   maps['random'][row].heatmap)
        assert not np.allclose(maps['seed 1'][row].heatmap,
                               maps['random'][row].heatmap)
    assert png_size(out) == expected_size(rows=2, cols=4)


def test_labels_must_match(tmp_path, demo_config, videos) -> None:
    with pytest.raises(ValueError, match='one distinct label'):
        visualize_activations(demo_config, [None, None], videos[:1],
                              tmp_path / 'x.png')


def test_cli_forms(tmp_path, demo_config, videos, png_size,
                   expected_size) -> None:
    tool = load_tool('visualize_activations')
    args = tool.parse_args(
        ['cfg.py', 'a.pth', 'v1.mp4', 'v2.mp4', '--out', 'o.png'])
    assert args.checkpoints == ['a.pth']
    assert args.videos == ['v1.mp4', 'v2.mp4']
    args = tool.parse_args([
        'cfg.py', 'v1.mp4', '--checkpoint', 'a.pth', '--checkpoint', 'none',
        '--labels', 'PRP', 'random', '--out', 'o.png'
    ])
    assert args.checkpoints == ['a.pth', None]
    assert args.videos == ['v1.mp4']
    out = tmp_path / 'cli.png'
    tool.main([
        str(demo_config), 'none',
        str(videos[0]), '--out',
        str(out), '--reduction', 'l2'
    ])
    assert png_size(out) == expected_size(rows=1, cols=2)


def test_cli_cfg_options_reach_the_model(tmp_path, demo_config,
                                         videos) -> None:
    tool = load_tool('visualize_activations')
    steps = Config.fromfile(demo_config).val_dataloader.dataset.pipeline
    crop = [step['type'] for step in steps].index('CenterCrop')
    # an 8-pixel crop is too small for the encoder: the option was applied
    with pytest.raises(RuntimeError, match='too small'):
        tool.main([
            str(demo_config), 'none',
            str(videos[0]), '--out',
            str(tmp_path / 'o.png'), '--cfg-options',
            f'val_dataloader.dataset.pipeline.{crop}.crop_size=8'
        ])
