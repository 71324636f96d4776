"""Tests for the slow-motion decoder."""
import importlib

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmprp.models.heads.motion_attention_decoder as decoder_module
from mmprp.models.common.upsample_conv3d import upsample_conv3d
from mmprp.models.heads import MotionAttentionDecoder

# the module (mmprp.models.common exports the function under its name)
fusion = importlib.import_module('mmprp.models.common.upsample_conv3d')

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


@pytest.mark.parametrize('key,value', [('recon_rate', 3), ('channels', ())])
def test_bad_arguments_raise(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key):
        MotionAttentionDecoder(**{key: value})


def test_recon_rate_comes_from_the_protocol() -> None:
    decoder = MotionAttentionDecoder(
        channels=SMALL, protocol=dict(recon_rate=4))
    assert decoder.recon_rate == 4 and decoder.strides[-1] == (4, 2, 2)
    with pytest.raises(ValueError, match='recon_rate=2, but prp gives 4'):
        MotionAttentionDecoder(recon_rate=2, protocol=dict(recon_rate=4))


def reconstruction_samples(target: torch.Tensor, valid: torch.Tensor,
                           attention: torch.Tensor) -> list:
    """Data samples with the views PRPDataPreprocessor adds."""
    samples = []
    for index in range(len(target)):
        sample = ActionDataSample()
        sample.set_field(target[index], 'recon_target')
        sample.set_field(valid[index], 'recon_valid')
        sample.set_field(attention[index], 'motion_attention')
        samples.append(sample)
    return samples


def test_loss_gradients_flow() -> None:
    decoder = MotionAttentionDecoder(in_channels=32, channels=SMALL)
    feats = torch.randn(2, 32, 2, 7, 7, requires_grad=True)
    target = torch.rand(2, 3, 32, 112, 112)
    valid = torch.ones(2, 32, dtype=torch.bool)
    valid[0, 1::2] = False
    attention = torch.rand(2, 3, 32, 112, 112) + 0.8
    losses = decoder.loss(feats,
                          reconstruction_samples(target, valid, attention))
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


def _param_shapes(module: torch.nn.Module) -> dict:
    return {name: p.shape for name, p in module.named_parameters()}


def test_planned_c3d_decoder_is_the_authors_layer_list() -> None:
    planned = MotionAttentionDecoder(
        feat_size=(2, 7, 7), clip_size=(16, 112, 112), max_flops=77e9)
    fixed = MotionAttentionDecoder()
    assert planned.channels == fixed.channels == (512, 256, 128, 64)
    assert _param_shapes(planned) == _param_shapes(fixed)
    # the count before planning
    assert sum(p.numel() for p in planned.parameters()) == 14_516_102
    assert planned.deconv_out.stride == (2, 2, 2)


# (in_channels, map (T', H', W'), clip (T, H, W)): C3D, SlowOnly-R50,
# X3D-S, I3D-R50 at 16x112x112 (maps measured with MMAction2's backbones)
# and C3D at crop 56
BACKBONE_MAPS = [(512, (2, 7, 7), (16, 112, 112)),
                 (2048, (16, 4, 4), (16, 112, 112)),
                 (432, (16, 4, 4), (16, 112, 112)),
                 (2048, (2, 4, 4), (16, 112, 112)),
                 (512, (2, 3, 3), (16, 56, 56))]


@pytest.mark.parametrize('in_channels,feat_size,clip_size', BACKBONE_MAPS)
def test_no_decoder_activation_exceeds_the_target(in_channels: int,
                                                  feat_size: tuple,
                                                  clip_size: tuple) -> None:
    # max_flops=1: the narrowest widths; the sizes do not depend on them
    decoder = MotionAttentionDecoder(
        in_channels=in_channels,
        feat_size=feat_size,
        clip_size=clip_size,
        max_flops=1)
    target = (2 * clip_size[0], *clip_size[1:])
    sizes = []
    for module in decoder.modules():
        module.register_forward_hook(
            lambda mod, args, out: sizes.append(tuple(out.shape[2:])))
    with torch.no_grad():
        out = decoder(torch.randn(1, in_channels, *feat_size))
    assert out.shape == (1, 3, *target)
    assert len(sizes) > 4
    for size in sizes:
        assert all(s <= t for s, t in zip(size, target)), (size, target)


def test_crop_56_decodes_54_and_resizes_up() -> None:
    decoder = MotionAttentionDecoder(
        in_channels=32, feat_size=(2, 3, 3), clip_size=(16, 56, 56))
    assert decoder.decoded_size((2, 3, 3)) == (32, 54, 54)
    with torch.no_grad():
        assert decoder(torch.randn(1, 32, 2, 3, 3)).shape == (1, 3, 32, 56, 56)


def test_default_widths_fit_the_flop_budget() -> None:
    decoder = MotionAttentionDecoder(
        in_channels=2048,
        feat_size=(16, 4, 4),
        clip_size=(16, 112, 112),
        max_flops=0.75 * 44e9)
    assert decoder.channels == (256, 128, 64)
    assert decoder.strides == ((1, 2, 2), (1, 2, 2), (2, 7, 7))


def test_stride_one_stages_have_no_deconvolution() -> None:
    decoder = MotionAttentionDecoder(
        in_channels=8,
        channels=(8, 8),
        feat_size=(4, 8, 8),
        clip_size=(2, 8, 8))
    assert decoder.strides == ((1, 1, 1), (1, 1, 1))
    assert not any(
        isinstance(m, torch.nn.ConvTranspose3d) for m in decoder.modules())
    with torch.no_grad():
        assert decoder(torch.randn(1, 8, 4, 8, 8)).shape == (1, 3, 4, 8, 8)


def test_planned_decoder_refuses_another_target() -> None:
    decoder = MotionAttentionDecoder(
        in_channels=32,
        channels=SMALL,
        feat_size=(2, 7, 7),
        clip_size=(16, 112, 112))
    with pytest.raises(
            ValueError,
            match=r'planned for a \(2, 7, 7\) map and a \(32, 112, 112\) '
            r'target.*\(2, 4, 4\) map and a \(32, 64, 64\) target.*'
            r'model.input_size'):
        decoder(torch.randn(1, 32, 2, 4, 4), (32, 64, 64))


def test_fixed_decoder_refuses_a_smaller_target() -> None:
    decoder = MotionAttentionDecoder(in_channels=32, channels=SMALL)
    with pytest.raises(
            ValueError,
            match=r'to \(256, 64, 64\), larger than the \(32, 112, 112\) '
            r'target.*model.input_size'):
        decoder(torch.randn(1, 32, 16, 4, 4), (32, 112, 112))


def test_feat_size_needs_clip_size() -> None:
    with pytest.raises(ValueError, match='feat_size and clip_size'):
        MotionAttentionDecoder(feat_size=(2, 7, 7))


def _decode_layer_by_layer(decoder: MotionAttentionDecoder,
                           feats: torch.Tensor) -> torch.Tensor:
    """The decoder's layers one after another, ``deconv_out`` included."""
    x = decoder.up_blocks(decoder.conv_in(feats))
    return decoder.conv_out(decoder.deconv_out(x))


@pytest.mark.parametrize('recon_rate', [1, 2, 4])
@pytest.mark.parametrize('channels_last', [False, True])
def test_fused_blocks_match_the_layers(
        recon_rate: int, channels_last: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fused_calls = []

    def counted(*args: object) -> torch.Tensor:
        fused_calls.append(args)
        return upsample_conv3d(*args)

    monkeypatch.setattr(decoder_module, 'upsample_conv3d', counted)
    torch.manual_seed(0)
    decoder = MotionAttentionDecoder(
        in_channels=16, channels=(8, 4), recon_rate=recon_rate).double()
    decoder.fusion = True  # fuse every block, cheaper or not
    decoder.init_weights()
    for module in decoder.modules():
        if isinstance(module, torch.nn.ConvTranspose3d):
            torch.nn.init.normal_(module.bias)
    feats = torch.randn(2, 16, 2, 3, 3, dtype=torch.double)
    if channels_last:
        decoder.to(memory_format=torch.channels_last_3d)
        feats = feats.contiguous(memory_format=torch.channels_last_3d)
    grad = torch.randn(2, 3, 4 * recon_rate, 12, 12, dtype=torch.double)
    results = []
    for decode in (decoder, lambda x: _decode_layer_by_layer(decoder, x)):
        decoder.zero_grad()
        x = feats.clone().requires_grad_()
        out = decode(x)
        out.backward(grad)
        results.append([out, x.grad]
                       + [p.grad.clone() for p in decoder.parameters()])
    assert len(fused_calls) == 2  # the up block and the output block
    for fused, layers in zip(*results):
        torch.testing.assert_close(fused, layers, rtol=1e-9, atol=1e-9)
    decoder.fusion = False
    decoder(feats)
    assert len(fused_calls) == 2


def test_authors_decoder_fuses_its_large_blocks() -> None:
    decoder = MotionAttentionDecoder()  # the authors' layers (C3D/R3D)
    shape = [4, 512, 2, 7, 7]
    chosen = []
    pairs = [(block[0], block[1]) for block in decoder.up_blocks]
    for deconv, block in pairs + [(decoder.deconv_out, decoder.conv_out)]:
        chosen.append(fusion.fusion_is_cheaper(shape, deconv, block.conv))
        shape = [
            4, block.conv.out_channels,
            *(size * stride for size, stride in zip(shape[2:], deconv.stride))
        ]
    assert shape == [4, 3, 32, 112, 112]
    # small maps of wide layers: combining the weights costs more than the
    # fused convolution saves
    assert chosen == [False, False, True, True]
