"""Tests of VideoFeatureExtractor: pooled clip features averaged per video."""
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from torch import nn

import mmprp  # noqa: F401


@MODELS.register_module(name='IdentityBackboneForTest', force=True)
class IdentityBackbone(nn.Module):
    """Returns its input, so features are computable by hand."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def build(backbone: dict) -> nn.Module:
    return MODELS.build(dict(type='VideoFeatureExtractor', backbone=backbone))


def test_max_pool_then_flatten_then_mean_over_clips() -> None:
    model = build(dict(type='IdentityBackboneForTest'))
    # one video, two clips, a 1x1x2x4 "map" each
    clip_a = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.]])
    clip_b = torch.tensor([[0., 0., 9., 0.], [0., 1., 0., 0.]])
    inputs = torch.stack([clip_a, clip_b]).view(1, 2, 1, 1, 2, 4)
    samples = model.predict(inputs, [ActionDataSample()])
    # max over 2x2 windows: a -> (6, 8), b -> (1, 9); mean -> (3.5, 8.5)
    torch.testing.assert_close(samples[0].feature, torch.tensor([3.5, 8.5]))


def test_feature_size_of_c3d_encoder() -> None:
    model = build(dict(type='C3DEncoder', base_channels=4))
    with torch.no_grad():
        features = model(torch.rand(2, 3, 3, 16, 32, 32), mode='tensor')
    # conv5b map (32, 2, 2, 2) -> max-pool (1, 2, 2) -> 32 x 2 x 1 x 1
    assert features.shape == (2, 64)


def test_default_preprocessor_scales_like_pretraining() -> None:
    model = build(dict(type='IdentityBackboneForTest'))
    assert torch.all(model.data_preprocessor.std == 255.)
    assert torch.all(model.data_preprocessor.mean == 0.)


def test_refuses_to_train() -> None:
    model = build(dict(type='IdentityBackboneForTest'))
    with pytest.raises(RuntimeError, match='only extracts features'):
        model(torch.rand(1, 1, 1, 1, 2, 2), [ActionDataSample()], mode='loss')
