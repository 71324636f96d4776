"""Slow-motion video decoder: PRP's generative perception head."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from ...datasets.transforms import ATTENTION_MODES
from ..losses.motion_attention import (dense_motion_attention,
                                       sparse_motion_attention)

RECON_RATES = (1, 2, 4)


def _conv_bn_relu(
    in_channels: int,
    out_channels: int,
    norm_cfg: Optional[Dict] = dict(type='BN3d'),
    act_cfg: Optional[Dict] = dict(type='ReLU')
) -> ConvModule:
    """3x3x3 Conv3d + norm + activation keeping the spatio-temporal size.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        norm_cfg (dict, optional): Norm layer; None for none (the
            convolution then has a bias). Defaults to ``dict(type='BN3d')``.
        act_cfg (dict, optional): Activation; None for none. Defaults to
            ``dict(type='ReLU')``.

    Returns:
        ConvModule: The block.
    """
    return ConvModule(
        in_channels,
        out_channels,
        3,
        padding=1,
        conv_cfg=dict(type='Conv3d'),
        norm_cfg=norm_cfg,
        act_cfg=act_cfg)


def _up_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """2x2x2 stride-2 deconvolution followed by a 3x3x3 conv block.

    Args:
        in_channels (int): Input (and deconvolution) channels.
        out_channels (int): Output channels.

    Returns:
        nn.Sequential: The block; doubles T, H and W.
    """
    return nn.Sequential(
        nn.ConvTranspose3d(in_channels, in_channels, 2, stride=2),
        _conv_bn_relu(in_channels, out_channels))


@MODELS.register_module()
class MotionAttentionDecoder(BaseModule):
    """Decodes encoder features into an r-times slowed-down clip.

    ``conv 3x3x3 (in -> channels[0]) -> one up block per consecutive pair of
    channels [deconv k=2 s=2 -> conv 3x3x3] -> deconv k=s=(r, 2, 2) -> conv
    3x3x3 (-> out_channels) + BN + ReLU``. For a C3D map 512x2x7x7 and the
    default channels the output is out_channels x (16r) x 112 x 112. Any other
    decoded size is trilinearly resized to the requested target size.

    The output block's BN + ReLU are the authors' (``out_norm_cfg``,
    ``out_act_cfg``). The BN re-centres every output channel, so only its
    shift sets the reconstruction's brightness (targets in [0, 1], mean
    about 0.5), and Adam moves that shift by about its learning rate per
    step: in short runs the reconstruction is too dark (the demo, 180 steps
    of Adam lr 1e-3: shift 0.1, mean output 0.36 for a target mean of
    0.49). ``out_norm_cfg=None`` with ``out_act_cfg=None`` (a plain
    convolution with a bias) or ``dict(type='Sigmoid')`` removes that
    limit; docs/demo.md has the measurements.

    Args:
        in_channels (int): Channels of the encoder feature map.
            Defaults to 512.
        channels (Sequence[int]): Widths of the first conv and of the up
            blocks' outputs. Defaults to ``(512, 256, 128, 64)``.
        recon_rate (int): Reconstruction (slow-down) rate r, one of 1, 2, 4.
            Defaults to 2.
        out_channels (int): Channels of the reconstruction. Defaults to 3.
        attention (str, optional): Motion attention variant, ``'sparse'``
            (authors' code), ``'dense'`` (paper) or None (plain MSE).
            Defaults to ``'sparse'``.
        attention_range (Tuple[float, float]): Attention value range
            ``(lambda1, lambda2)``. Defaults to ``(0.8, 2.0)``.
        loss (dict): Config of the reconstruction loss. Defaults to
            ``dict(type='MotionAttentionMSELoss', loss_weight=1.0)``.
        out_norm_cfg (dict, optional): Norm layer of the output block; None
            for none. Defaults to ``dict(type='BN3d')`` (authors').
        out_act_cfg (dict, optional): Activation of the output block; None
            for none. Defaults to ``dict(type='ReLU')`` (authors').
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to Kaiming for every convolution and deconvolution.

    Raises:
        ValueError: If ``recon_rate``, ``attention`` or ``channels`` is
            invalid.
    """

    def __init__(
        self,
        in_channels: int = 512,
        channels: Sequence[int] = (512, 256, 128, 64),
        recon_rate: int = 2,
        out_channels: int = 3,
        attention: Optional[str] = 'sparse',
        attention_range: Tuple[float, float] = (0.8, 2.0),
        loss: Dict = dict(type='MotionAttentionMSELoss', loss_weight=1.0),
        out_norm_cfg: Optional[Dict] = dict(type='BN3d'),
        out_act_cfg: Optional[Dict] = dict(type='ReLU'),
        init_cfg: Optional[Union[Dict, List[Dict]]] = dict(
            type='Kaiming', layer=['Conv3d', 'ConvTranspose3d'])
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if recon_rate not in RECON_RATES:
            raise ValueError(f'recon_rate must be one of {RECON_RATES}, '
                             f'got {recon_rate}')
        if attention not in ATTENTION_MODES:
            raise ValueError(f'attention must be one of {ATTENTION_MODES}, '
                             f'got {attention!r}')
        if len(channels) == 0:
            raise ValueError('channels must not be empty')
        self.recon_rate = recon_rate
        self.attention = attention
        self.attention_range = tuple(attention_range)
        self.conv_in = _conv_bn_relu(in_channels, channels[0])
        self.up_blocks = nn.Sequential(*[
            _up_block(c_in, c_out)
            for c_in, c_out in zip(channels[:-1], channels[1:])
        ])
        scale = (recon_rate, 2, 2)
        self.deconv_out = nn.ConvTranspose3d(
            channels[-1], channels[-1], scale, stride=scale)
        self.conv_out = _conv_bn_relu(channels[-1], out_channels, out_norm_cfg,
                                      out_act_cfg)
        self.loss_recon = MODELS.build(loss)

    def forward(self,
                x: Tensor,
                target_size: Optional[Tuple[int, int, int]] = None) -> Tensor:
        """Decode a feature map into a clip.

        Args:
            x (Tensor): Encoder feature map, shape (N, C, T, H, W).
            target_size (Tuple[int, int, int], optional): Required output
                (T, H, W); the decoded clip is trilinearly resized to it when
                it differs. Defaults to None (no resizing).

        Returns:
            Tensor: Reconstruction, shape (N, out_channels, T', H', W').
        """
        x = self.conv_in(x)
        x = self.up_blocks(x)
        x = self.conv_out(self.deconv_out(x))
        if target_size is not None and tuple(
                x.shape[2:]) != tuple(target_size):
            x = F.interpolate(
                x,
                size=tuple(target_size),
                mode='trilinear',
                align_corners=False)
        return x

    def motion_attention(self, frames: Tensor,
                         target_len: int) -> Optional[Tensor]:
        """Motion attention map for the configured variant.

        Args:
            frames (Tensor): For ``'sparse'``, the selected raw frames of
                each 16-frame segment, shape (N, C, S, 4, H, W); for
                ``'dense'``, all raw frames of the window, (N, C, T, H, W).
            target_len (int): Number of frames of the reconstruction target.

        Returns:
            Tensor, optional: Attention of shape (N, C, target_len, H, W), or
            None when ``attention`` is None (plain MSE).
        """
        if self.attention == 'sparse':
            return sparse_motion_attention(frames, target_len,
                                           self.attention_range)
        if self.attention == 'dense':
            return dense_motion_attention(frames, target_len,
                                          self.attention_range)
        return None

    def loss_by_feat(self, reconstruction: Tensor, target: Tensor,
                     target_valid: Tensor,
                     attention: Optional[Tensor]) -> Dict[str, Tensor]:
        """The m-MSE loss of a reconstruction.

        Args:
            reconstruction (Tensor): Decoded clip, same shape as ``target``.
            target (Tensor): Slowed-down clip, shape (N, C', T', H', W').
            target_valid (Tensor): Bool mask of real target frames, (N, T').
            attention (Tensor, optional): Motion attention, same shape as
                ``target``; None for plain MSE.

        Returns:
            Dict[str, Tensor]: ``loss_recon``.
        """
        return dict(
            loss_recon=self.loss_recon(reconstruction, target, target_valid,
                                       attention))

    def loss(self, feats: Tensor, target: Tensor, target_valid: Tensor,
             attention: Optional[Tensor]) -> Dict[str, Tensor]:
        """Decode ``feats`` to the target's size and compute the m-MSE loss.

        Args:
            feats (Tensor): Encoder feature map, shape (N, C, T, H, W).
            target (Tensor): Slowed-down clip, shape (N, C', T', H', W').
            target_valid (Tensor): Bool mask of real target frames, (N, T').
            attention (Tensor, optional): Motion attention, same shape as
                ``target``; None for plain MSE.

        Returns:
            Dict[str, Tensor]: ``loss_recon``.
        """
        reconstruction = self(feats, target_size=tuple(target.shape[2:]))
        return self.loss_by_feat(reconstruction, target, target_valid,
                                 attention)
