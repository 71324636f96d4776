"""Tests for the decoder's stride and width plan."""
import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mmprp.models.heads import MotionAttentionDecoder
from mmprp.models.heads.upsampling_plan import (channels_within_budget,
                                                decoded_size, decoder_flops,
                                                default_channels, plan_strides,
                                                reachable_factor, split_factor)

C3D = (2, 2, 2)


@pytest.mark.parametrize(
    'feat_size,target_size,strides',
    [
        # C3D, 16x112x112, r = 2: the authors' (2, 2, 2) x 4
        ((2, 7, 7), (32, 112, 112), (C3D, C3D, C3D, C3D)),
        # C3D, r = 4: the authors' layout with (r, 2, 2) last
        ((2, 7, 7), (64, 112, 112), (C3D, C3D, C3D, (4, 2, 2))),
        # SlowOnly-R50 and X3D-S at 16x112x112 (maps 16x4x4, measured)
        ((16, 4, 4), (32, 112, 112), ((1, 2, 2), (1, 2, 2), (2, 7, 7))),
        # I3D-R50 at 16x112x112 (map 2x4x4, measured)
        ((2, 4, 4), (32, 112, 112), (C3D, C3D, (4, 7, 7))),
        # C3D at crop 56 (map 2x3x3): 3 x 18 = 54 <= 56
        ((2, 3, 3), (32, 56, 56), (C3D, (2, 3, 3), (4, 3, 3))),
    ])
def test_plans(feat_size: tuple, target_size: tuple, strides: tuple) -> None:
    assert plan_strides(feat_size, target_size) == strides


@pytest.mark.parametrize('size,target,factor', [(7, 112, 16), (4, 112, 28),
                                                (3, 56, 18), (3, 111, 36),
                                                (5, 4 * 5 + 3, 4)])
def test_reachable_factor_is_largest_7_smooth(size: int, target: int,
                                              factor: int) -> None:
    assert reachable_factor(size, target) == factor


def test_map_larger_than_target_is_refused() -> None:
    with pytest.raises(ValueError, match=r'map \(8\) is larger.*\(4\)'):
        reachable_factor(8, 4)


@pytest.mark.parametrize('factor,stages,strides', [(16, 4, (2, 2, 2, 2)),
                                                   (28, 4, (1, 2, 2, 7)),
                                                   (32, 4, (2, 2, 2, 4)),
                                                   (8, 4, (1, 2, 2, 2)),
                                                   (1, 2, (1, 1))])
def test_split_factor(factor: int, stages: int, strides: tuple) -> None:
    assert split_factor(factor, stages) == strides
    assert math.prod(strides) == factor


@pytest.mark.parametrize('feat_size,target_size',
                         [((2, 7, 7), (32, 112, 112)),
                          ((16, 4, 4), (32, 112, 112)),
                          ((2, 4, 4), (32, 112, 112)),
                          ((2, 3, 3), (32, 56, 56)), ((1, 1, 1), (8, 37, 20))])
def test_plans_never_decode_beyond_the_target(feat_size: tuple,
                                              target_size: tuple) -> None:
    decoded = decoded_size(feat_size, plan_strides(feat_size, target_size))
    assert all(d <= t for d, t in zip(decoded, target_size))
    assert all(d > t // 2 for d, t in zip(decoded, target_size))


def test_default_channels() -> None:
    assert default_channels(512, 4) == (512, 256, 128, 64)
    assert default_channels(2048, 3) == (512, 256, 128)
    assert default_channels(432, 3) == (256, 128, 64)
    assert default_channels(16, 4) == (16, 8, 8, 8)


@pytest.mark.parametrize('feat_size,target_size,in_channels', [
    ((2, 7, 7), (32, 112, 112), 512),
    ((2, 3, 3), (16, 28, 28), 24),
])
def test_decoder_flops_match_torch_count(feat_size: tuple, target_size: tuple,
                                         in_channels: int) -> None:
    decoder = MotionAttentionDecoder(
        in_channels=in_channels,
        channels=(16, 8, 8, 8),
        feat_size=feat_size,
        clip_size=(target_size[0] // 2, *target_size[1:]))
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        # the layers one by one (the CPU fuses deconv_out into conv_out)
        x = decoder.up_blocks(
            decoder.conv_in(torch.zeros(1, in_channels, *feat_size)))
        decoder.conv_out(decoder.deconv_out(x))
    assert decoder_flops(in_channels, decoder.channels, feat_size,
                         decoder.strides, 3) == counter.get_total_flops()


def test_c3d_decoder_flops() -> None:
    # the authors' decoder: 50.6 GFLOPs per 16x112x112 clip (C3D: 77.0)
    assert decoder_flops(512, (512, 256, 128, 64), (2, 7, 7), (C3D, ) * 4,
                         3) == 50_558_140_416


def test_widths_halve_until_within_budget() -> None:
    feat_size, strides = (16, 4, 4), ((1, 2, 2), (1, 2, 2), (2, 7, 7))
    full = channels_within_budget(2048, feat_size, strides, 3, None)
    assert full == (512, 256, 128)
    flops = decoder_flops(2048, full, feat_size, strides, 3)
    halved = channels_within_budget(2048, feat_size, strides, 3, flops - 1)
    assert halved == (256, 128, 64)
    assert channels_within_budget(2048, feat_size, strides, 3, 1) == (8, 8, 8)
