"""(2+1)D convolution whose middle width follows each conv's own kernel."""
from typing import Dict, Tuple, Union

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmcv.cnn import build_norm_layer
from mmengine.model.weight_init import constant_init, kaiming_init
from torch.nn.modules.utils import _triple

IntOrTriple = Union[int, Tuple[int, int, int]]


def middle_channels(in_channels: int, out_channels: int,
                    kernel_size: Tuple[int, int, int]) -> int:
    """Width between the spatial and the temporal conv (R(2+1)D paper §3.5).

    ``floor(t * d^2 * Cin * Cout / (d^2 * Cin + t * Cout))`` with the
    temporal kernel ``t`` and spatial kernel ``d x d`` of this conv, so the
    factorised conv has as many parameters as the full 3D conv (the authors'
    R(2+1)D; a 1x1x1 conv gets ``Cin * Cout / (Cin + Cout)``).

    Args:
        in_channels (int): Input channels Cin.
        out_channels (int): Output channels Cout.
        kernel_size (Tuple[int, int, int]): Kernel (t, d_h, d_w).

    Returns:
        int: The middle width.
    """
    t, area = kernel_size[0], kernel_size[1] * kernel_size[2]
    return (t * area * in_channels * out_channels) // (
        area * in_channels + t * out_channels)


@MODELS.register_module()
class FactorisedConv3d(nn.Module):
    """A 3D conv factorised as (1, k, k) conv -> BN -> ReLU -> (k, 1, 1) conv.

    The layout and parameter names are those of MMAction2's ``Conv2plus1d``
    (``conv_s``, ``bn_s``, ``conv_t``), so it is a drop-in ``conv_cfg`` of
    ``ResNet3d``; the middle width differs: :func:`middle_channels` uses the
    conv's own temporal kernel, where ``Conv2plus1d`` always uses 3 (54
    instead of 42 middle channels for a 1x1x1 64->128 shortcut). With it,
    ``ResNet3d`` builds the R(2+1)D of VCOP and PRP (the authors'
    ``SpatioTemporalConv``).

    Shapes: input (N, Cin, T, H, W), output (N, Cout, T', H', W') as for an
    ``nn.Conv3d`` with the same kernel, stride, padding and dilation.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | Tuple[int, int, int]): Kernel (t, h, w).
        stride (int | Tuple[int, int, int]): Stride (t, h, w); the spatial
            conv takes (1, h, w), the temporal conv (t, 1, 1). Defaults to 1.
        padding (int | Tuple[int, int, int]): Padding, split the same way.
            Defaults to 0.
        dilation (int | Tuple[int, int, int]): Dilation, split the same way.
            Defaults to 1.
        groups (int): Must be 1 (kept for ``build_conv_layer``).
        bias (bool): Whether both convs have a bias. Defaults to False (the
            authors'; ``ConvModule`` passes False in front of a norm layer).
        norm_cfg (dict): Norm between the two convs. Defaults to BN3d (eps
            1e-5, momentum 0.1, as in the authors' code).

    Raises:
        ValueError: If ``groups`` is not 1.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTriple,
        stride: IntOrTriple = 1,
        padding: IntOrTriple = 0,
        dilation: IntOrTriple = 1,
        groups: int = 1,
        bias: bool = False,
        norm_cfg: Dict = dict(type='BN3d')) -> None:
        super().__init__()
        if groups != 1:
            raise ValueError(
                f'FactorisedConv3d supports groups=1 only, got {groups}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride)
        self.padding = _triple(padding)
        self.dilation = _triple(dilation)
        self.groups = groups
        # attributes ConvModule reads from its conv layer
        self.transposed = False
        self.output_padding = (0, 0, 0)
        self.mid_channels = middle_channels(in_channels, out_channels,
                                            self.kernel_size)
        t, h, w = self.kernel_size
        self.conv_s = nn.Conv3d(
            in_channels,
            self.mid_channels, (1, h, w),
            stride=(1, ) + self.stride[1:],
            padding=(0, ) + self.padding[1:],
            dilation=(1, ) + self.dilation[1:],
            bias=bias)
        _, self.bn_s = build_norm_layer(norm_cfg, self.mid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv_t = nn.Conv3d(
            self.mid_channels,
            out_channels, (t, 1, 1),
            stride=(self.stride[0], 1, 1),
            padding=(self.padding[0], 0, 0),
            dilation=(self.dilation[0], 1, 1),
            bias=bias)
        self.init_weights()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Spatial conv, BN, ReLU, temporal conv.

        Args:
            x (torch.Tensor): Input of shape (N, Cin, T, H, W).

        Returns:
            torch.Tensor: Output of shape (N, Cout, T', H', W').
        """
        return self.conv_t(self.relu(self.bn_s(self.conv_s(x))))

    def init_weights(self) -> None:
        """Kaiming convs and a unit BN, as MMAction2's ``Conv2plus1d``."""
        kaiming_init(self.conv_s)
        kaiming_init(self.conv_t)
        constant_init(self.bn_s, 1, bias=0)
