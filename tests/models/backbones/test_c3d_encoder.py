"""Tests of C3DEncoder: output map and compatibility with MMAction2's C3D."""
import torch
from mmaction.registry import MODELS

import mmprp  # noqa: F401


def test_conv5b_map_at_real_size() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder'))
    encoder.init_weights()
    with torch.no_grad():
        out = encoder(torch.rand(1, 3, 16, 112, 112))
    assert out.shape == (1, 512, 2, 7, 7)
    assert encoder.out_channels == 512


def test_narrow_encoder_width() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder', base_channels=8))
    out = encoder(torch.rand(2, 3, 16, 64, 64))
    assert out.shape == (2, 64, 2, 4, 4)


def test_checkpoint_loads_into_stock_c3d_without_conv_key_mismatch() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder'))
    stock = MODELS.build(
        dict(type='C3D', pretrained=None, norm_cfg=dict(type='BN3d')))
    result = stock.load_state_dict(encoder.state_dict(), strict=False)
    assert result.unexpected_keys == []
    assert sorted(result.missing_keys) == [
        'fc6.bias', 'fc6.weight', 'fc7.bias', 'fc7.weight'
    ]
    for name, tensor in encoder.state_dict().items():
        assert torch.equal(stock.state_dict()[name], tensor), name


def test_no_pool5_or_fc_layers() -> None:
    encoder = MODELS.build(dict(type='C3DEncoder'))
    names = {name.split('.')[0] for name, _ in encoder.named_parameters()}
    assert names == {
        'conv1a', 'conv2a', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a',
        'conv5b'
    }
