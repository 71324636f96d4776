"""FactorisedConv3d: the authors' (2+1)D conv as an MMAction2 conv layer."""
import pytest
import torch
from mmaction.models.common import Conv2plus1d
from mmcv.cnn import ConvModule
from torch import nn

import mmprp  # noqa: F401
from mmprp.models.common import FactorisedConv3d
from mmprp.models.common.factorised_conv3d import middle_channels


@pytest.mark.parametrize(
    'in_channels,out_channels,kernel,expected',
    [
        (3, 64, (3, 7, 7), 83),  # the stem
        (64, 64, (3, 3, 3), 144),
        (64, 128, (3, 3, 3), 230),
        (512, 512, (3, 3, 3), 1152),
        (64, 128, (1, 1, 1), 42),  # the shortcuts of stages 3-5
        (128, 256, (1, 1, 1), 85),
        (256, 512, (1, 1, 1), 170),
    ])
def test_middle_width_uses_the_convs_own_kernel(in_channels: int,
                                                out_channels: int,
                                                kernel: tuple,
                                                expected: int) -> None:
    assert middle_channels(in_channels, out_channels, kernel) == expected
    conv = FactorisedConv3d(in_channels, out_channels, kernel)
    assert conv.conv_s.out_channels == conv.conv_t.in_channels == expected


def test_differs_from_mmaction_only_where_t_is_not_3() -> None:
    ours = FactorisedConv3d(64, 128, 3, stride=2, padding=1)
    stock = Conv2plus1d(64, 128, 3, stride=2, padding=1, bias=False)
    assert ours.state_dict().keys() == stock.state_dict().keys()
    assert ours.conv_s.out_channels == stock.conv_s.out_channels == 230
    assert FactorisedConv3d(64, 128, 1).mid_channels == 42
    assert Conv2plus1d(64, 128, 1).conv_s.out_channels == 54


def test_split_of_kernel_stride_padding_and_output_shape() -> None:
    conv = FactorisedConv3d(
        4, 6, (3, 5, 5), stride=(2, 2, 2), padding=(1, 2, 2))
    assert conv.conv_s.kernel_size == (1, 5, 5)
    assert conv.conv_s.stride == (1, 2, 2)
    assert conv.conv_s.padding == (0, 2, 2)
    assert conv.conv_t.kernel_size == (3, 1, 1)
    assert conv.conv_t.stride == (2, 1, 1)
    assert conv.conv_t.padding == (1, 0, 0)
    assert conv.conv_s.bias is None and conv.conv_t.bias is None
    assert conv.bn_s.eps == 1e-5 and conv.bn_s.momentum == 0.1
    x = torch.rand(2, 4, 8, 20, 20)
    reference = nn.Conv3d(4, 6, (3, 5, 5), stride=2, padding=(1, 2, 2))
    assert conv(x).shape == reference(x).shape == (2, 6, 4, 10, 10)


def test_equals_spatial_then_temporal_conv() -> None:
    conv = FactorisedConv3d(3, 5, 3, padding=1).eval()
    x = torch.rand(1, 3, 4, 6, 6)
    expected = conv.conv_t(torch.relu(conv.bn_s(conv.conv_s(x))))
    assert torch.equal(conv(x), expected)


def test_builds_inside_conv_module_by_conv_cfg() -> None:
    module = ConvModule(
        8,
        16,
        1,
        stride=(2, 2, 2),
        bias=False,
        conv_cfg=dict(type='FactorisedConv3d'),
        norm_cfg=dict(type='BN3d'),
        act_cfg=None)
    assert isinstance(module.conv, FactorisedConv3d)
    assert module.conv.mid_channels == 5
    assert module(torch.rand(1, 8, 4, 4, 4)).shape == (1, 16, 2, 2, 2)


def test_refuses_groups() -> None:
    with pytest.raises(ValueError, match='groups=1 only, got 2'):
        FactorisedConv3d(4, 4, 3, groups=2)
