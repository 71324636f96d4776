"""TorchLegacyInit: the authors' torch 0.4.1 defaults, for whole models."""
import math

import pytest
import torch
from mmaction.registry import MODELS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmprp.models.initializers import TorchLegacyInit, legacy_bound

LEGACY = dict(type='TorchLegacyInit')


def r21d(base: int = 8) -> dict:
    """A narrow R(2+1)D of configs/_base_/models/encoders/r21d18.py."""
    return dict(
        type='ResNet3d',
        depth=18,
        stage_blocks=(1, 1, 1, 1),
        base_channels=base,
        pretrained=None,
        pretrained2d=False,
        conv1_kernel=(3, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        with_pool1=False,
        with_pool2=False,
        spatial_strides=(1, 2, 2, 2),
        temporal_strides=(1, 2, 2, 2),
        inflate=(1, 1, 1, 1),
        conv_cfg=dict(type='FactorisedConv3d'))


def assert_legacy(model: nn.Module) -> int:
    """Every layer of ``model`` holds torch 0.4.1's default draw.

    Returns:
        int: The number of layers checked.
    """
    checked = 0
    for name, layer in model.named_modules():
        if isinstance(layer, (_ConvNd, nn.Linear)):
            bound = legacy_bound(layer)
            params = [layer.weight
                      ] + ([layer.bias] if layer.bias is not None else [])
            for param in params:
                assert param.abs().max() <= bound, name
            if layer.weight.numel() >= 2000:
                # uniform: std = bound / sqrt(3); Kaiming would be ~2x larger
                assert layer.weight.std().item() == pytest.approx(
                    bound / math.sqrt(3), rel=0.1), name
        elif isinstance(layer, _BatchNorm):
            assert 0 <= layer.weight.min() and layer.weight.max() <= 1, name
            assert torch.all(layer.bias == 0), name
            if layer.num_features >= 64:
                assert layer.weight.mean().item() == pytest.approx(
                    0.5, abs=0.12), name
        else:
            continue
        checked += 1
    return checked


def test_bounds_follow_torch_041() -> None:
    conv = nn.Conv3d(8, 16, (3, 5, 5))
    deconv = nn.ConvTranspose3d(64, 32, (2, 2, 2))
    linear = nn.Linear(512, 4)
    assert legacy_bound(conv) == 1 / math.sqrt(8 * 75)
    # 0.4.1 used in_channels for transposed convs too (torch 2: out)
    assert legacy_bound(deconv) == 1 / math.sqrt(64 * 8)
    assert legacy_bound(linear) == 1 / math.sqrt(512)


def test_whole_prp_model_supersedes_its_modules_own_init(
        narrow_prp_cfg: dict) -> None:
    model = MODELS.build(dict(narrow_prp_cfg, init_cfg=LEGACY))
    model.init_weights()
    assert assert_legacy(model) >= 20
    # PRPHead's default N(0, 0.01) and the decoder's Kaiming are replaced
    fc_rate = model.rate_head.fc_rate
    assert fc_rate.weight.abs().max() > 0.05
    deconv = model.decoder.deconv_out
    assert deconv.weight.abs().max() <= legacy_bound(deconv)


def test_finetuning_model_resnet_without_zero_init_residual() -> None:
    model = MODELS.build(
        dict(
            type='Recognizer3DWithInit',
            backbone=r21d(),
            cls_head=dict(
                type='I3DHead',
                num_classes=7,
                in_channels=64,
                dropout_ratio=0.),
            init_cfg=LEGACY))
    model.init_weights()
    assert assert_legacy(model) >= 20
    # ResNet3d would zero the last BN of each block and draw Kaiming convs
    last_bn = model.backbone.layer1[0].conv2.bn
    assert last_bn.weight.abs().sum() > 0
    head = model.cls_head.fc_cls
    assert head.bias.abs().max() > 0


def test_without_init_cfg_modules_keep_their_own_init(
        narrow_prp_cfg: dict) -> None:
    model = MODELS.build(narrow_prp_cfg)
    model.init_weights()
    assert torch.all(model.backbone.conv1a.bn.weight == 1)


def test_unknown_parametrised_layer_is_refused() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3))
    with pytest.raises(TypeError, match=r'`1` \(LayerNorm\)'):
        TorchLegacyInit()(model)
