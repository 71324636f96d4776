"""mmprp.visualization.motion_attention and its CLI."""
import numpy as np
import pytest
import torch

from mmprp.apis import build_model
from mmprp.visualization.motion_attention import (EXTRA_SIZE, PANEL_SIZE,
                                                  compute_motion_attention,
                                                  evenly_spaced,
                                                  plot_motion_attention,
                                                  visualize_motion_attention)
from helpers import load_tool


@pytest.fixture
def expected_size(figure_pixels):
    """Pixel size of a motion attention figure of ``rows`` x ``cols``."""
    return lambda rows, cols=8: figure_pixels(rows, cols, PANEL_SIZE,
                                              EXTRA_SIZE)


def test_rate_one_views_and_figure(tmp_path, demo_cfg, demo_model, videos,
                                   png_size, expected_size) -> None:
    views = compute_motion_attention(demo_model, demo_cfg, videos[0], rate=1)
    assert views.playback_rate == 1 and views.recon_rate == 2
    assert views.clip.shape == (16, 48, 48, 3)
    assert views.target.shape == (32, 48, 48, 3)
    assert views.attention.shape == (32, 48, 48)
    assert 0.8 - 1e-5 <= views.attention.min()
    assert views.attention.max() <= 2.0 + 1e-5
    # centred window of 16 consecutive raw frames; target every half frame
    np.testing.assert_array_equal(np.diff(views.clip_frames), 1)
    np.testing.assert_allclose(views.target_positions,
                               views.clip_frames[0] + np.arange(32) / 2)
    assert views.target_kinds == ['real', 'interpolated'] * 15 + [
        'real', 'repeated'
    ]
    # a real target frame is the clip frame at the same raw index
    np.testing.assert_allclose(views.target[2], views.clip[1], atol=1e-6)
    out = plot_motion_attention(views, tmp_path / 'a.png', 'video.mp4')
    assert png_size(out) == expected_size(rows=2)


def test_checkpoint_adds_reconstruction(tmp_path, demo_config, demo_model,
                                        videos, png_size,
                                        expected_size) -> None:
    checkpoint = tmp_path / 'random.pth'
    torch.save({'state_dict': demo_model.state_dict()}, checkpoint)
    out = tmp_path / 'sub' / 'b.png'
    views = visualize_motion_attention(
        demo_config,
        videos[1],
        out,
        seed=3,
        checkpoint=checkpoint,
        num_frames=6)
    assert views.reconstruction.shape == views.target.shape
    rate, prob = views.predicted_rate
    assert rate in (1, 2, 4, 8) and 0 < prob <= 1
    assert 'seed 3' in views.sampling
    assert png_size(out) == expected_size(rows=3, cols=6)


def test_seeded_sampling_is_reproducible(demo_cfg, demo_model, videos) -> None:
    first, again = (
        compute_motion_attention(
            demo_model, demo_cfg, videos[2], rate=4, seed=7) for _ in range(2))
    np.testing.assert_array_equal(first.clip_frames, again.clip_frames)
    np.testing.assert_array_equal(np.diff(first.clip_frames), 4)
    assert set(first.target_kinds) == {'real'}


def test_rate_outside_config_is_refused(demo_cfg, demo_model, videos) -> None:
    with pytest.raises(ValueError, match='not one of the config'):
        compute_motion_attention(demo_model, demo_cfg, videos[0], rate=3)


def test_evenly_spaced_keeps_ends() -> None:
    np.testing.assert_array_equal(evenly_spaced(16, 4), [0, 5, 10, 15])
    np.testing.assert_array_equal(evenly_spaced(3, 8), [0, 1, 2])


def test_cli(tmp_path, demo_config, videos, capsys, png_size,
             expected_size) -> None:
    out = tmp_path / 'cli.png'
    load_tool('visualize_motion_attention').main(
        [str(demo_config),
         str(videos[0]), '--out',
         str(out), '--rate', '2'])
    assert 'playback rate 2' in capsys.readouterr().out
    assert png_size(out) == expected_size(rows=2)


def test_checkpoint_of_another_model_is_refused(tmp_path, demo_config,
                                                demo_cfg, videos) -> None:
    wider = demo_cfg.copy()
    wider.model.backbone.base_channels = 16
    other = build_model(wider, required=())
    checkpoint = tmp_path / 'wider.pth'
    torch.save({'state_dict': other.state_dict()}, checkpoint)
    with pytest.raises(
            ValueError,
            match=r'wider.pth does not fit this '
            r'SelfSupRecognizer: backbone: 0 of 40 tensors '
            r'\(other shape: backbone.conv1a.conv.weight: model '
            r'\(8, 3, 3, 3, 3\) vs checkpoint \(16, 3, 3, 3, 3\)'):
        visualize_motion_attention(
            demo_config,
            videos[0],
            tmp_path / 'never.png',
            checkpoint=checkpoint)
    assert not (tmp_path / 'never.png').exists()


def test_cli_cfg_options_change_the_config(tmp_path, demo_config, videos,
                                           capsys) -> None:
    load_tool('visualize_motion_attention').main([
        str(demo_config),
        str(videos[0]), '--out',
        str(tmp_path / 'o.png'), '--rate', '1', '--cfg-options',
        'model.prp.recon_rate=4', 'val_dataloader.dataset.prp.recon_rate=4'
    ])
    assert 'reconstruction rate 4' in capsys.readouterr().out
