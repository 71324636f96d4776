"""Two-pathway (SlowFast) outputs to one 5-D encoder map."""
from typing import Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor

from ..common import describe_output


@MODELS.register_module()
class PathwayConcatNeck(BaseModule):
    """Concatenates the pathways of a SlowFast-like backbone.

    ``ResNet3dSlowFast`` returns ``(slow, fast)``: slow (N, Cs, Ts, H, W)
    and fast (N, Cf, Tf, H, W) with Tf = speed_ratio x Ts. Every pathway is
    average-pooled over time to the shortest pathway's length (the slow
    one's) and the pathways are concatenated along channels: (N, Cs + Cf,
    Ts, H, W), the map MMAction2's ``SlowFastHead`` pools from. No
    parameters.

    Args:
        init_cfg (dict, optional): Unused (no parameters). Defaults to None.
    """

    def forward(self, pathways: Sequence[Tensor]) -> Tensor:
        """Align the pathways in time and concatenate their channels.

        Args:
            pathways (Sequence[Tensor]): 5-D maps (N, C_i, T_i, H, W) of the
                same N, H and W.

        Returns:
            Tensor: (N, sum C_i, min T_i, H, W).

        Raises:
            ValueError: If the input is not a sequence of 5-D maps of the
                same batch and spatial size.
        """
        if (isinstance(pathways, Tensor) or not all(
                isinstance(p, Tensor) and p.ndim == 5 for p in pathways)):
            raise ValueError(
                'PathwayConcatNeck takes a tuple of 5-D pathway maps '
                '(N, C, T, H, W) such as ResNet3dSlowFast returns, got '
                f'{describe_output(pathways)}')
        sizes = {(p.shape[0], *p.shape[3:]) for p in pathways}
        if len(sizes) != 1:
            raise ValueError(
                'PathwayConcatNeck needs pathways of the same batch size and '
                f'H x W, got {describe_output(pathways)}')
        length = min(p.shape[2] for p in pathways)
        return torch.cat([
            F.adaptive_avg_pool3d(p, (length, *p.shape[3:]))
            if p.shape[2] != length else p for p in pathways
        ],
                         dim=1)
