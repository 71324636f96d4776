"""Tests for the fused transposed conv + 3x3x3 conv."""
from typing import Tuple

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmprp.models.common.upsample_conv3d import upsample_conv3d


def _layers(stride: Tuple[int, int, int], deconv_bias: bool,
            conv_bias: bool) -> Tuple[nn.ConvTranspose3d, nn.Conv3d]:
    torch.manual_seed(0)
    deconv = nn.ConvTranspose3d(5, 4, stride, stride=stride, bias=deconv_bias)
    conv = nn.Conv3d(4, 3, 3, padding=1, bias=conv_bias)
    return deconv.double(), conv.double()


def _reference(x: torch.Tensor, deconv: nn.ConvTranspose3d,
               conv: nn.Conv3d) -> torch.Tensor:
    """The two layers with plain functional ops."""
    up = F.conv_transpose3d(x, deconv.weight, deconv.bias, deconv.stride)
    return F.conv3d(up, conv.weight, conv.bias, padding=1)


def _value_and_grads(fn, x: torch.Tensor, deconv: nn.ConvTranspose3d,
                     conv: nn.Conv3d, grad: torch.Tensor) -> list:
    x = x.detach().requires_grad_()
    out = fn(x, deconv, conv)
    inputs = [x, *deconv.parameters(), *conv.parameters()]
    return [out, *torch.autograd.grad(out, inputs, grad)]


@pytest.mark.parametrize('stride', [(2, 2, 2), (1, 2, 2), (4, 2, 2), (2, 1, 3),
                                    (1, 1, 1)])
@pytest.mark.parametrize('deconv_bias,conv_bias', [(True, False),
                                                   (False, True)])
@pytest.mark.parametrize('channels_last', [False, True])
def test_matches_deconv_then_conv(stride: Tuple[int, int, int],
                                  deconv_bias: bool, conv_bias: bool,
                                  channels_last: bool) -> None:
    deconv, conv = _layers(stride, deconv_bias, conv_bias)
    x = torch.randn(2, 5, 3, 4, 5, dtype=torch.double)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last_3d)
    grad = torch.randn(
        2, 3, 3 * stride[0], 4 * stride[1], 5 * stride[2], dtype=torch.double)
    ours = _value_and_grads(upsample_conv3d, x, deconv, conv, grad)
    reference = _value_and_grads(_reference, x, deconv, conv, grad)
    assert ours[0].shape == reference[0].shape
    for mine, theirs in zip(ours, reference):
        torch.testing.assert_close(mine, theirs, rtol=1e-10, atol=1e-10)


def test_float32_channels_last_at_float_tolerance() -> None:
    deconv, conv = _layers((2, 2, 2), True, False)
    deconv, conv = deconv.float(), conv.float()
    for layer in (deconv, conv):
        layer.to(memory_format=torch.channels_last_3d)
    x = torch.randn(2, 5, 4, 6,
                    6).contiguous(memory_format=torch.channels_last_3d)
    grad = torch.randn(2, 3, 8, 12, 12)
    ours = _value_and_grads(upsample_conv3d, x, deconv, conv, grad)
    reference = _value_and_grads(_reference, x, deconv, conv, grad)
    for mine, theirs in zip(ours, reference):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('deconv,conv', [
    (nn.ConvTranspose3d(4, 4, 3, stride=2), nn.Conv3d(4, 3, 3, padding=1)),
    (nn.ConvTranspose3d(4, 4, 2, stride=2), nn.Conv3d(4, 3, 1)),
    (nn.ConvTranspose3d(4, 4, 2, stride=2), nn.Conv3d(5, 3, 3, padding=1)),
])
def test_refuses_other_layers(deconv: nn.ConvTranspose3d,
                              conv: nn.Conv3d) -> None:
    with pytest.raises(ValueError, match='upsample_conv3d needs'):
        upsample_conv3d(torch.randn(1, 4, 2, 2, 2), deconv, conv)
