"""Tests of the demo's reconstruction errors and trivial predictors."""
import pytest
import torch
from mmengine.runner import Runner

from mmprp.apis import build_model, load_config
from mmprp.models.losses import MotionAttentionMSELoss
from mmprp.testing import SyntheticDataset
from demo.reconstruction import (PREDICTORS, mean_colour, mean_frame,
                                 nearest_frame, nearest_frame_indices,
                                 reconstruction_errors)
from demo.settings import PRETRAIN_CONFIG


@pytest.mark.parametrize('clip_len,target_len,expected', [
    (4, 8, [0, 0, 1, 1, 2, 2, 3, 3]),
    (2, 8, [0, 0, 0, 1, 1, 1, 1, 1]),
    (3, 3, [0, 1, 2]),
])
def test_nearest_frame_indices(clip_len: int, target_len: int,
                               expected: list) -> None:
    # r = 4: target frame 2 lies halfway between clip frames 0 and 1 and
    # takes the earlier; frame 3 (at 0.75) takes frame 1
    assert nearest_frame_indices(clip_len, target_len).tolist() == expected


def test_trivial_predictors_copy_the_clip() -> None:
    clip = torch.rand(2, 3, 4, 5, 6)
    mean = mean_frame(clip, 8)
    assert mean.shape == (2, 3, 8, 5, 6)
    assert torch.allclose(mean[:, :, 7], clip.mean(2))
    nearest = nearest_frame(clip, 8)
    assert torch.equal(nearest[:, :, 0::2], clip)
    assert torch.equal(nearest[:, :, 1::2], clip)
    flat = mean_colour(clip, 8)
    assert flat.shape == (2, 3, 8, 5, 6)
    assert torch.allclose(flat[1, 2], clip[1, 2].mean().expand(8, 5, 6))


@pytest.fixture(scope='module')
def demo_loader(synthetic_ucf101: SyntheticDataset):
    """The demo's validation loader on 3 synthetic test videos."""
    cfg = load_config(PRETRAIN_CONFIG)
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader_cfg.dataset.update(
        ann_file=str(synthetic_ucf101.ann_files[1][1]),
        data_prefix=dict(video=str(synthetic_ucf101.video_dir)),
        indices=3)
    return cfg, Runner.build_dataloader(loader_cfg)


def per_video_m_mse(model, loader, predict) -> list:
    """Unweighted m-MSE of ``predict(views, feats)``, one per video."""
    m_mse = MotionAttentionMSELoss()
    values = []
    with torch.no_grad():
        for batch in loader:
            data = model.data_preprocessor(batch, False)
            target, valid, attention = model.decoder.target_views(
                data['data_samples'])
            views = dict(
                clip=data['inputs'],
                target=target,
                target_valid=valid,
                attention=attention)
            prediction = predict(model, views)
            for i in range(len(prediction)):
                index = slice(i, i + 1)
                values.append(
                    float(
                        m_mse(prediction[index], views['target'][index],
                              views['target_valid'][index],
                              views['attention'][index])))
    return values


def test_errors_are_the_mean_over_videos(demo_loader) -> None:
    cfg, loader = demo_loader
    model = build_model(cfg)
    errors = reconstruction_errors(model, loader)
    assert set(errors) == set(PREDICTORS) | {'code_size', 'target_size'}
    decoder = per_video_m_mse(
        model, loader, lambda m, v: m.decoder(
            m.extract_feat(v['clip']), tuple(v['target'].shape[2:])))
    nearest = per_video_m_mse(
        model, loader,
        lambda m, v: nearest_frame(v['clip'], v['target'].shape[2]))
    assert len(decoder) == 3
    assert errors['decoder'] == pytest.approx(sum(decoder) / 3)
    assert errors['nearest_frame'] == pytest.approx(sum(nearest) / 3)
    # the mean frame keeps the static textured background, the flat
    # colour does not
    assert errors['mean_colour'] > errors['mean_frame'] > 0
    # the demo's narrow C3D maps 3x16x48x48 to 64x2x3x3
    assert errors['code_size'] == 64 * 2 * 3 * 3
    assert errors['target_size'] == 3 * 32 * 48 * 48
