"""The authors' PRP models rebuilt from their published layer lists.

Plain PyTorch, no mmprp: the baseline of ``bench_train_step`` and the
reference of the parity tests of the R(2+1)D encoder and of
``tools/convert_authors_checkpoint.py``. Module and parameter names, layer
order, widths, kernels, strides, biases and BN settings follow the facts of
the authors' repository (yuanyao366/PRP: ``models/c3d.py``, ``r3d.py``,
``r21d.py``, ``net_part.py``, ``sscn.py``), so ``state_dict()`` has the key
names of their released files. Only what the PRP pretext uses is built
(no classifier of the bare encoders, no retrieval pooling). ``width``
scales every layer's channels (64, the authors', gives their model; smaller
values give narrow models for smoke tests).
"""
from typing import Tuple, Union

import torch
from torch import Tensor, nn

Triple = Tuple[int, int, int]
# the encoders the authors released PRP models of
AUTHORS_ARCHS = ('c3d', 'r3d', 'r21d')


class ConvBNReLU(nn.Module):
    """``conv3d``: a 3x3x3 Conv3d with bias, BN and ReLU, as ``conv3d``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv3d = nn.Sequential(
            nn.Conv3d(in_channels, out_channels, 3, padding=1),
            nn.BatchNorm3d(out_channels), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        return self.conv3d(x)


class UpBlock(nn.Module):
    """``up3d``: ConvTranspose3d(c, c, 2, stride 2) then a ConvBNReLU."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.up3d = nn.ConvTranspose3d(in_channels, in_channels, 2, stride=2)
        self.conv3d = ConvBNReLU(in_channels, out_channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv3d(self.up3d(x))


class C3D(nn.Module):
    """C3D with BN; returns the conv5_2 map.

    Args:
        width (int): Channels of conv1; the others are multiples.
    """

    WIDTHS = (('conv1', 1), ('conv2', 2), ('conv3_1', 4), ('conv3_2', 4),
              ('conv4_1', 8), ('conv4_2', 8), ('conv5_1', 8), ('conv5_2', 8))
    POOL_AFTER = {
        'conv1': (1, 2, 2),
        'conv2': (2, 2, 2),
        'conv3_2': (2, 2, 2),
        'conv4_2': (2, 2, 2)
    }

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        channels = 3
        for name, multiple in self.WIDTHS:
            self.add_module(name, ConvBNReLU(channels, multiple * width))
            channels = multiple * width

    def forward(self, x: Tensor) -> Tensor:
        for name, _ in self.WIDTHS:
            x = getattr(self, name)(x)
            if name in self.POOL_AFTER:
                size = self.POOL_AFTER[name]
                x = nn.functional.max_pool3d(x, size, stride=size)
        return x


class Conv3dUnit(nn.Module):
    """R3D's ``SpatioTemporalConv``: one Conv3d without bias."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel: Union[int, Triple],
                 stride: Union[int, Triple] = 1,
                 padding: Union[int, Triple] = 0) -> None:
        super().__init__()
        self.temporal_spatial_conv = nn.Conv3d(
            in_channels,
            out_channels,
            kernel,
            stride=stride,
            padding=padding,
            bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.temporal_spatial_conv(x)


def _triple(value: Union[int, Triple]) -> Triple:
    return (value, ) * 3 if isinstance(value, int) else tuple(value)


class Conv2Plus1dUnit(nn.Module):
    """R(2+1)D's ``SpatioTemporalConv``: spatial conv, BN, ReLU, temporal.

    Middle width floor(t*h*w*Cin*Cout / (h*w*Cin + t*Cout)) of this conv's
    own kernel (t, h, w); no biases.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel: Union[int, Triple],
                 stride: Union[int, Triple] = 1,
                 padding: Union[int, Triple] = 0) -> None:
        super().__init__()
        (t, h, w), stride, padding = (_triple(kernel), _triple(stride),
                                      _triple(padding))
        middle = (t * h * w * in_channels * out_channels) // (
            h * w * in_channels + t * out_channels)
        self.spatial_conv = nn.Conv3d(
            in_channels,
            middle, (1, h, w),
            stride=(1, ) + stride[1:],
            padding=(0, ) + padding[1:],
            bias=False)
        self.bn = nn.BatchNorm3d(middle)
        self.relu = nn.ReLU()
        self.temporal_conv = nn.Conv3d(
            middle,
            out_channels, (t, 1, 1),
            stride=(stride[0], 1, 1),
            padding=(padding[0], 0, 0),
            bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.temporal_conv(self.relu(self.bn(self.spatial_conv(x))))


class ResBlock(nn.Module):
    """Basic block: conv1, bn1, ReLU, conv2, bn2, (+ shortcut), ReLU.

    A downsampling block strides conv1 by 2 in T, H and W and projects the
    shortcut with a 1x1x1 stride-2 conv (``downsampleconv``) and BN.
    """

    def __init__(self, unit: type, in_channels: int, out_channels: int,
                 downsample: bool) -> None:
        super().__init__()
        self.downsample = downsample
        stride = 2 if downsample else 1
        if downsample:
            self.downsampleconv = unit(in_channels, out_channels, 1, stride=2)
            self.downsamplebn = nn.BatchNorm3d(out_channels)
        self.conv1 = unit(
            in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm3d(out_channels)
        self.conv2 = unit(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm3d(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        residual = torch.relu(self.bn1(self.conv1(x)))
        residual = self.bn2(self.conv2(residual))
        if self.downsample:
            x = self.downsamplebn(self.downsampleconv(x))
        return torch.relu(x + residual)


class ResStage(nn.Module):
    """One stage of ONE block: ``block1`` and an empty ``blocks`` list."""

    def __init__(self, unit: type, in_channels: int, out_channels: int,
                 downsample: bool) -> None:
        super().__init__()
        self.block1 = ResBlock(unit, in_channels, out_channels, downsample)
        self.blocks = nn.ModuleList()

    def forward(self, x: Tensor) -> Tensor:
        return self.block1(x)


class ResNet(nn.Module):
    """R3DNet / R2Plus1DNet with layer sizes (1, 1, 1, 1), no stem pool.

    Stem: 3x7x7 stride (1, 2, 2) conv to 64, BN, ReLU; stages ``conv2`` to
    ``conv5`` of widths 64/128/256/512, the last three downsampling.

    Args:
        unit (type): :class:`Conv3dUnit` (R3D) or :class:`Conv2Plus1dUnit`.
        width (int): Channels of the stem; the stages have 1, 2, 4 and 8
            times as many.
    """

    def __init__(self, unit: type, width: int = 64) -> None:
        super().__init__()
        self.conv1 = unit(
            3, width, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3))
        self.bn1 = nn.BatchNorm3d(width)
        widths = tuple(width * multiple for multiple in (1, 1, 2, 4, 8))
        for index in range(4):
            self.add_module(
                f'conv{index + 2}',
                ResStage(
                    unit,
                    widths[index],
                    widths[index + 1],
                    downsample=index > 0))

    def forward(self, x: Tensor) -> Tensor:
        x = torch.relu(self.bn1(self.conv1(x)))
        for index in range(2, 6):
            x = getattr(self, f'conv{index}')(x)
        return x


class PRPModel(nn.Module):
    """``SSCN_OneClip(base_network, with_classifier=True, num_classes=4)``.

    Returns the reconstruction (r = 2) and the rate logits.
    """

    def __init__(self, base_network: nn.Module, width: int = 64) -> None:
        super().__init__()
        self.base_network = base_network
        self.up1 = UpBlock(8 * width, 4 * width)
        self.up2 = UpBlock(4 * width, 2 * width)
        self.up3 = UpBlock(2 * width, width)
        self.up4_1 = nn.ConvTranspose3d(width, width, 2, stride=2)
        self.outc = ConvBNReLU(width, 3)
        self.conv6_cls = ConvBNReLU(8 * width, 8 * width)
        self.conv6_rec = ConvBNReLU(8 * width, 8 * width)
        self.fc8 = nn.Linear(8 * width, 4)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        x = self.base_network(x)
        logits = self.fc8(self.conv6_cls(x).mean(dim=(2, 3, 4)))
        x = self.up3(self.up2(self.up1(self.conv6_rec(x))))
        return self.outc(self.up4_1(x)), logits


def build_authors_prp(arch: str, width: int = 64) -> PRPModel:
    """The authors' PRP model of one architecture.

    Args:
        arch (str): One of :data:`AUTHORS_ARCHS`.
        width (int): Channels of the encoder's first layer; 64, the
            authors', gives their model (all widths scale with it).

    Returns:
        PRPModel: The model.
    """
    encoders = dict(
        c3d=lambda: C3D(width),
        r3d=lambda: ResNet(Conv3dUnit, width),
        r21d=lambda: ResNet(Conv2Plus1dUnit, width))
    return PRPModel(encoders[arch](), width)
