"""Tests for the slow-motion decoder."""
import pytest
import torch
from mmaction.registry import MODELS

from mmprp.models.heads import MotionAttentionDecoder

SMALL = (16, 8, 8, 8)


@pytest.mark.parametrize('recon_rate', [1, 2, 4])
def test_output_shape_for_c3d_map(recon_rate: int) -> None:
    decoder = MotionAttentionDecoder(channels=SMALL, recon_rate=recon_rate)
    with torch.no_grad():
        out = decoder(torch.randn(1, 512, 2, 7, 7))
    assert out.shape == (1, 3, 16 * recon_rate, 112, 112)


def test_output_shape_default_channels() -> None:
    decoder = MODELS.build(dict(type='MotionAttentionDecoder'))
    decoder.init_weights()
    with torch.no_grad():
        out = decoder(torch.randn(1, 512, 2, 7, 7))
    assert out.shape == (1, 3, 32, 112, 112)


def test_resizes_odd_backbone_map_to_target() -> None:
    decoder = MotionAttentionDecoder(in_channels=32, channels=(16, 8))
    feats = torch.randn(1, 32, 1, 4, 4)
    with torch.no_grad():
        assert decoder(feats).shape == (1, 3, 4, 16, 16)
        assert decoder(feats, (32, 112, 112)).shape == (1, 3, 32, 112, 112)


@pytest.mark.parametrize('key,value', [('recon_rate', 3),
                                       ('attention', 'optical_flow'),
                                       ('channels', ())])
def test_bad_arguments_raise(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        MotionAttentionDecoder(**{key: value})


@pytest.mark.parametrize('attention,frames_shape', [
    ('sparse', (2, 3, 2, 4, 112, 112)),
    ('dense', (2, 3, 33, 112, 112)),
])
def test_motion_attention_dispatch(attention: str,
                                   frames_shape: tuple) -> None:
    decoder = MotionAttentionDecoder(channels=SMALL, attention=attention)
    static = torch.full(frames_shape, 0.5)
    assert torch.equal(
        decoder.motion_attention(static, 32), torch.ones(2, 3, 32, 112, 112))


def test_motion_attention_none_means_plain_mse() -> None:
    decoder = MotionAttentionDecoder(channels=SMALL, attention=None)
    assert decoder.motion_attention(torch.rand(1, 3, 1, 4, 28, 28), 16) is None


def test_loss_gradients_flow() -> None:
    decoder = MotionAttentionDecoder(in_channels=32, channels=SMALL)
    feats = torch.randn(2, 32, 2, 7, 7, requires_grad=True)
    target = torch.rand(2, 3, 32, 112, 112)
    valid = torch.ones(2, 32, dtype=torch.bool)
    valid[0, 1::2] = False
    attention = torch.rand(2, 3, 32, 112, 112) + 0.8
    losses = decoder.loss(feats, target, valid, attention)
    assert set(losses) == {'loss_recon'}
    losses['loss_recon'].backward()
    assert torch.isfinite(feats.grad).all() and feats.grad.abs().sum() > 0
    for name, param in decoder.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name


def test_output_block_is_the_authors_by_default() -> None:
    decoder = MotionAttentionDecoder(in_channels=32, channels=SMALL)
    assert isinstance(decoder.conv_out.bn, torch.nn.BatchNorm3d)
    assert decoder.conv_out.conv.bias is None
    assert isinstance(decoder.conv_out.activate, torch.nn.ReLU)
    with torch.no_grad():
        assert decoder(torch.randn(2, 32, 2, 7, 7)).min() >= 0


def test_output_block_without_norm_and_activation() -> None:
    decoder = MotionAttentionDecoder(
        in_channels=32, channels=SMALL, out_norm_cfg=None, out_act_cfg=None)
    assert not decoder.conv_out.with_norm
    assert not decoder.conv_out.with_activation
    conv = decoder.conv_out.conv
    torch.nn.init.zeros_(conv.weight)
    torch.nn.init.constant_(conv.bias, -0.25)
    with torch.no_grad():
        out = decoder(torch.randn(2, 32, 2, 7, 7))
    # a plain convolution: its bias alone sets the output, sign included
    assert torch.equal(out, torch.full_like(out, -0.25))


def test_output_block_activation_from_config() -> None:
    decoder = MODELS.build(
        dict(
            type='MotionAttentionDecoder',
            in_channels=32,
            channels=SMALL,
            out_norm_cfg=None,
            out_act_cfg=dict(type='Sigmoid')))
    with torch.no_grad():
        out = decoder(torch.randn(2, 32, 2, 7, 7))
    assert ((out > 0) & (out < 1)).all()
