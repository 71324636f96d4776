"""C3D encoder that returns the conv5b feature map."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

ConfigType = Optional[Union[Dict, List[Dict]]]

# (name, width multiple of base_channels) of every conv layer, and the pooling
# that follows each stage: (1, 2, 2) after stage 1, (2, 2, 2) after 2 to 4.
_STAGES = ((('conv1a', 1), ), (('conv2a', 2), ), (('conv3a', 4), ('conv3b',
                                                                  4)),
           (('conv4a', 8), ('conv4b', 8)), (('conv5a', 8), ('conv5b', 8)))
_POOLS = ((1, 2, 2), (2, 2, 2), (2, 2, 2), (2, 2, 2))


@MODELS.register_module()
class C3DEncoder(BaseModule):
    """The C3D of PRP: MMAction2's C3D conv layers, no pool5/fc6/fc7.

    Five stages of 3x3x3 conv -> BN -> ReLU with widths
    ``base_channels * (1, 2, 4, 4, 8, 8, 8, 8)``, max-pool (1, 2, 2) after
    stage 1 and (2, 2, 2) after stages 2-4. A 3x16x112x112 clip gives the
    conv5b map of shape (512, 2, 7, 7) at the default ``base_channels=64``.

    Parameter names equal those of MMAction2's ``C3D`` built with the same
    ``norm_cfg`` (``conv1a.conv.weight``, ``conv1a.bn.weight``, ...), so a
    PRP checkpoint loads into the stock ``C3D`` backbone of a finetuning
    config. MMAction2's ``ConvModule`` drops the conv bias in front of a norm
    layer (the authors' C3D keeps it; BN makes it redundant).

    Args:
        base_channels (int): Width of the first stage; 64 is the paper's C3D.
            Smaller values give narrow encoders for CPU demos and tests.
        in_channels (int): Channels of the input clip. Defaults to 3.
        norm_cfg (dict, optional): Norm layer config. Defaults to BN3d.
        act_cfg (dict): Activation config. Defaults to ReLU.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to None: each ``ConvModule`` initialises itself (Kaiming
            convs, norm weights 1 and biases 0).
    """

    def __init__(self,
                 base_channels: int = 64,
                 in_channels: int = 3,
                 norm_cfg: Optional[Dict] = dict(type='BN3d'),
                 act_cfg: Dict = dict(type='ReLU'),
                 init_cfg: ConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.base_channels = base_channels
        self.out_channels = 8 * base_channels
        self.stages = []
        channels = in_channels
        for stage in _STAGES:
            names = []
            for name, multiple in stage:
                width = base_channels * multiple
                self.add_module(
                    name,
                    ConvModule(
                        channels,
                        width,
                        kernel_size=3,
                        padding=1,
                        conv_cfg=dict(type='Conv3d'),
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                channels = width
                names.append(name)
            self.stages.append(names)
        self.pools = nn.ModuleList(
            nn.MaxPool3d(kernel_size=size, stride=size) for size in _POOLS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode a batch of clips.

        Args:
            x (torch.Tensor): Clips of shape (N, C, T, H, W).

        Returns:
            torch.Tensor: The conv5b map of shape
            (N, 8 * base_channels, T / 8, H / 16, W / 16).
        """
        for index, names in enumerate(self.stages):
            for name in names:
                x = getattr(self, name)(x)
            if index < len(self.pools):
                x = self.pools[index](x)
        return x
