"""Slow-motion video decoder: PRP's generative perception head."""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmcv.cnn import ConvModule
from torch import Tensor

from ...structures import (MOTION_ATTENTION_KEY, RECON_TARGET_KEY,
                           RECON_VALID_KEY, PRPProtocol)
from ..common.upsample_conv3d import fusion_is_cheaper, upsample_conv3d
from .base_pretext_head import BasePretextHead
from .upsampling_plan import (Size3d, channels_within_budget, decoded_size,
                              default_channels, plan_strides)

RECON_RATES = (1, 2, 4)
FIXED_STAGES = 4  # stages of the fixed (C3D) strides without explicit widths


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


def _up_block(in_channels: int, out_channels: int,
              stride: Sequence[int]) -> nn.Sequential:
    """Deconvolution (kernel = stride) followed by a 3x3x3 conv block.

    Args:
        in_channels (int): Input (and deconvolution) channels.
        out_channels (int): Output channels.
        stride (Sequence[int]): (t, h, w) stride; all 1 means no
            deconvolution (the block is the conv block alone).

    Returns:
        nn.Sequential: The block; multiplies T, H and W by ``stride``.
    """
    return nn.Sequential(*_deconv(in_channels, stride),
                         _conv_bn_relu(in_channels, out_channels))


def _deconv(channels: int, stride: Sequence[int]) -> List[nn.Module]:
    """A ``channels``-wide transposed conv, kernel = stride; none for 1s."""
    stride = tuple(stride)
    if math.prod(stride) == 1:
        return []
    return [nn.ConvTranspose3d(channels, channels, stride, stride=stride)]


@MODELS.register_module()
class MotionAttentionDecoder(BasePretextHead):
    """Decodes encoder features into an r-times slowed-down clip.

    Its loss is the motion-attention MSE against the target, its validity
    mask and the attention that :class:`PRPDataPreprocessor` puts in the
    data samples (``recon_target``, ``recon_valid``, ``motion_attention``).

    ``conv 3x3x3 (in -> channels[0]) -> one up block per consecutive pair of
    channels [deconv k=s -> conv 3x3x3] -> deconv k=s -> conv 3x3x3 (->
    out_channels) + BN + ReLU``, one stride s = (t, h, w) per entry of
    ``channels`` (a stage of stride 1 has no deconvolution).

    Two ways to set the strides:

    - planned (``feat_size`` and ``clip_size`` given, as
      :class:`SelfSupRecognizer` does with ``input_size``): from the map
      (T', H', W') to the target (r T, H, W) by :func:`plan_strides`, never
      decoding more than the target on any axis; a target that integer
      strides with primes <= 7 cannot reach exactly (C3D at crop 56: 3 ->
      56) is decoded to the largest size below (54) and trilinearly resized
      up. The decoder then only accepts that map and target size.
    - fixed (no ``feat_size``): the authors' C3D strides, (2, 2, 2) per up
      block and (r, 2, 2) at the output; a target larger than the decoded
      clip is reached by trilinear resizing, a smaller one is refused.

    For the C3D map 512x2x7x7 and a 16x112x112 clip both give the authors'
    layer list: widths (512, 256, 128, 64), strides (2, 2, 2) and
    (r, 2, 2).

    The output block's BN + ReLU are the authors' (``out_norm_cfg``,
    ``out_act_cfg``). The BN re-centres every output channel, so only its
    shift sets the reconstruction's brightness, and the optimiser moves that
    shift slowly: short runs reconstruct too dark a clip.
    ``out_norm_cfg=None`` with ``out_act_cfg=None`` (a plain convolution
    with a bias) or ``dict(type='Sigmoid')`` removes that limit
    (docs/performance.md, "Decoder").

    Args:
        in_channels (int): Channels of the encoder feature map.
            Defaults to 512.
        channels (Sequence[int], optional): Widths of the first conv and of
            the up blocks' outputs, one stage each. Defaults to None: the
            largest power of two <= ``min(in_channels, 512)``, halved per
            stage (at least 8), halved
            further until the decoder's FLOPs fit ``max_flops``; 4 stages
            when not planned, so (512, 256, 128, 64) for 512 channels.
        recon_rate (int, optional): Reconstruction (slow-down) rate r, one
            of 1, 2, 4. Defaults to None: ``protocol.recon_rate``.
        out_channels (int): Channels of the reconstruction. Defaults to 3.
        loss (dict): Config of the reconstruction loss. Defaults to
            ``dict(type='MotionAttentionMSELoss', loss_weight=1.0)``.
        out_norm_cfg (dict, optional): Norm layer of the output block; None
            for none. Defaults to ``dict(type='BN3d')`` (authors').
        out_act_cfg (dict, optional): Activation of the output block; None
            for none. Defaults to ``dict(type='ReLU')`` (authors').
        feat_size (Sequence[int], optional): Encoder map (T', H', W') to
            plan for; with ``clip_size``. Defaults to None (fixed strides).
        clip_size (Sequence[int], optional): Input clip (T, H, W); the
            target is (r T, H, W). Defaults to None.
        max_flops (float, optional): Forward FLOPs per clip the default
            widths must fit (:class:`SelfSupRecognizer` passes
            ``decoder_flops_share`` of the encoder's); ignored with
            explicit ``channels``. Defaults to None (no budget).
        protocol (PRPProtocol | dict, optional): PRP's settings, which
            :class:`SelfSupRecognizer` passes; gives ``recon_rate`` when it
            is None. Defaults to None (the default protocol).
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to Kaiming for every convolution and deconvolution.

    Raises:
        ValueError: If ``recon_rate``, ``channels`` or the sizes are
            invalid, or ``recon_rate`` differs from ``protocol``'s.

    Attributes:
        fusion (bool, optional): Whether each deconvolution + conv pair runs
            fused (:meth:`_fuses`): None (the default) by the CPU rule,
            True every pair, False none. Set on an instance to time both
            ways (``tools/gpu_check.py``).
    """

    fusion: Optional[bool] = None

    def __init__(
        self,
        in_channels: int = 512,
        channels: Optional[Sequence[int]] = None,
        recon_rate: Optional[int] = None,
        out_channels: int = 3,
        loss: Dict = dict(type='MotionAttentionMSELoss', loss_weight=1.0),
        out_norm_cfg: Optional[Dict] = dict(type='BN3d'),
        out_act_cfg: Optional[Dict] = dict(type='ReLU'),
        feat_size: Optional[Sequence[int]] = None,
        clip_size: Optional[Sequence[int]] = None,
        max_flops: Optional[float] = None,
        protocol: Union[PRPProtocol, Dict, None] = None,
        init_cfg: Optional[Union[Dict, List[Dict]]] = dict(
            type='Kaiming', layer=['Conv3d', 'ConvTranspose3d'])
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        recon_rate = self.setting_from_protocol('decoder.recon_rate',
                                                recon_rate, protocol,
                                                lambda prp: prp.recon_rate)
        if recon_rate not in RECON_RATES:
            raise ValueError(f'recon_rate must be one of {RECON_RATES}, '
                             f'got {recon_rate}')
        if channels is not None and len(channels) == 0:
            raise ValueError('channels must not be empty')
        if (feat_size is None) != (clip_size is None):
            raise ValueError(
                'feat_size and clip_size go together (or set '
                'model.input_size and let SelfSupRecognizer fill both), '
                f'got feat_size={feat_size}, clip_size={clip_size}')
        self.recon_rate = recon_rate
        self.feat_size = None if feat_size is None else tuple(feat_size)
        self.target_size = None
        if clip_size is not None:
            self.target_size = (recon_rate * clip_size[0], *clip_size[1:])
        self.strides = self._plan_strides(channels)
        if channels is None:
            channels = self._default_channels(in_channels, out_channels,
                                              max_flops)
        self.channels = tuple(channels)
        self.conv_in = _conv_bn_relu(in_channels, channels[0])
        self.up_blocks = nn.Sequential(*[
            _up_block(c_in, c_out, stride) for c_in, c_out, stride in zip(
                channels[:-1], channels[1:], self.strides)
        ])
        out_deconv = _deconv(channels[-1], self.strides[-1])
        self.deconv_out = out_deconv[0] if out_deconv else nn.Identity()
        self.conv_out = _conv_bn_relu(channels[-1], out_channels, out_norm_cfg,
                                      out_act_cfg)
        self.loss_recon = MODELS.build(loss)

    def _plan_strides(self,
                      channels: Optional[Sequence[int]]) -> Tuple[Size3d, ...]:
        """Planned strides, or the fixed C3D ones without a map size."""
        num_stages = None if channels is None else len(channels)
        if self.feat_size is not None:
            return plan_strides(self.feat_size, self.target_size, num_stages)
        num_stages = num_stages or FIXED_STAGES
        return ((2, 2, 2), ) * (num_stages - 1) + ((self.recon_rate, 2, 2), )

    def _default_channels(self, in_channels: int, out_channels: int,
                          max_flops: Optional[float]) -> Tuple[int, ...]:
        """Default widths: within ``max_flops`` when planned."""
        if self.feat_size is None:
            return default_channels(in_channels, len(self.strides))
        return channels_within_budget(in_channels, self.feat_size,
                                      self.strides, out_channels, max_flops)

    def decoded_size(self, feat_size: Sequence[int]) -> Size3d:
        """(T, H, W) the stages decode a map of ``feat_size`` to.

        Args:
            feat_size (Sequence[int]): Encoder map (T', H', W').

        Returns:
            tuple[int, int, int]: Size before any resizing.
        """
        return decoded_size(tuple(feat_size), self.strides)

    def _output_size(self, feat_size: Size3d,
                     target_size: Optional[Sequence[int]]) -> Size3d:
        """The size to resize the decoded clip to, after checking it.

        Raises:
            ValueError: If a planned decoder gets another map or target
                size than planned, or a fixed one a target smaller than its
                decoded clip.
        """
        if self.feat_size is not None:
            target_size = self.target_size if target_size is None else tuple(
                target_size)
            if (feat_size, target_size) != (self.feat_size, self.target_size):
                raise ValueError(
                    f'the decoder was planned for a {self.feat_size} map and '
                    f'a {self.target_size} target (T, H, W), but gets a '
                    f'{feat_size} map and a {target_size} target: set '
                    f'model.input_size to the clip size of the pipeline '
                    f'(clip_len, crop height, crop width)')
            return target_size
        decoded = self.decoded_size(feat_size)
        if target_size is None:
            return decoded
        target_size = tuple(target_size)
        if any(d > t for d, t in zip(decoded, target_size)):
            raise ValueError(
                f'the decoder decodes the {feat_size} map to {decoded}, '
                f'larger than the {target_size} target (T, H, W): set '
                f'model.input_size to the clip size so that it plans its '
                f'strides for this backbone')
        return target_size

    def forward(self,
                x: Tensor,
                target_size: Optional[Tuple[int, int, int]] = None) -> Tensor:
        """Decode a feature map into a clip.

        Args:
            x (Tensor): Encoder feature map, shape (N, C, T, H, W).
            target_size (Tuple[int, int, int], optional): Required output
                (T, H, W); a smaller decoded clip is trilinearly resized up
                to it. Defaults to None: the planned target, or no resizing
                for fixed strides.

        Returns:
            Tensor: Reconstruction, shape (N, out_channels, T', H', W').

        Raises:
            ValueError: See :meth:`_output_size`.
        """
        output_size = self._output_size(tuple(x.shape[2:]), target_size)
        x = self.conv_in(x)
        for block in self.up_blocks:
            x = self._upsample_conv(x, block[0] if len(block) == 2 else None,
                                    block[-1])
        x = self._upsample_conv(x, self.deconv_out, self.conv_out)
        if tuple(x.shape[2:]) != output_size:
            x = F.interpolate(
                x, size=output_size, mode='trilinear', align_corners=False)
        return x

    def _upsample_conv(self, x: Tensor, deconv: Optional[nn.Module],
                       block: ConvModule) -> Tensor:
        """``block(deconv(x))``, as one conv where :meth:`_fuses` says so.

        Args:
            x (Tensor): (N, C, T, H, W).
            deconv (nn.Module, optional): The block's upsampling
                (``nn.Identity`` or None: none).
            block (ConvModule): Conv + norm + activation.

        Returns:
            Tensor: The block's output.
        """
        if not self._fuses(x, deconv, block):
            return block(x if deconv is None else deconv(x))
        x = upsample_conv3d(x, deconv, block.conv)
        if block.with_norm:
            x = block.norm(x)
        if block.with_activation:
            x = block.activate(x)
        return x

    def _fuses(self, x: Tensor, deconv: Optional[nn.Module],
               block: ConvModule) -> bool:
        """Whether ``block.conv(deconv(x))`` runs as :func:`upsample_conv3d`.

        A deconvolution and the conv of the block after it are linear with
        nothing between them, so they can run as one conv (same outputs and
        gradients at float tolerance). :attr:`fusion` None (the default):
        on a CPU where :func:`fusion_is_cheaper` says so (docs/performance.md,
        "Decoder"); on other devices (not measured) never.
        True: every pair with a deconvolution, on any device; False: none.

        Args:
            x (Tensor): The deconvolution's input (N, C, T, H, W).
            deconv (nn.Module, optional): The block's upsampling.
            block (ConvModule): Conv + norm + activation.

        Returns:
            bool: Fuse this pair.
        """
        if not isinstance(deconv, nn.ConvTranspose3d):
            return False
        if self.fusion is not None:
            return self.fusion
        return x.device.type == 'cpu' and fusion_is_cheaper(
            x.shape, deconv, block.conv)

    @staticmethod
    def target_views(
            data_samples: SampleList
    ) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """The batch's target, validity mask and attention (or None).

        Args:
            data_samples (list[ActionDataSample]): With the fields of
                :class:`PRPDataPreprocessor`.

        Returns:
            tuple: ``recon_target`` (N, C, T, H, W), ``recon_valid`` (N, T)
            and ``motion_attention`` (N, C, T, H, W) or None, stacked.

        Raises:
            KeyError: If the samples lack the view builder's fields.
        """
        if RECON_TARGET_KEY not in data_samples[0]:
            raise KeyError(
                f'data sample lacks `{RECON_TARGET_KEY}`: the model\'s '
                f'data_preprocessor must be PRPDataPreprocessor (and the '
                f'pipeline have PlaybackRateSampler and PackPRPInputs)')

        def stacked(key: str) -> Tensor:
            return torch.stack([sample.get(key) for sample in data_samples])

        attention = None
        if MOTION_ATTENTION_KEY in data_samples[0]:
            attention = stacked(MOTION_ATTENTION_KEY)
        return (stacked(RECON_TARGET_KEY), stacked(RECON_VALID_KEY), attention)

    def loss_by_feat(self,
                     feats: Tensor,
                     data_samples: SampleList,
                     reduction: str = 'mean') -> Dict[str, Tensor]:
        """Decode ``feats`` to the target's size; the m-MSE loss.

        Args:
            feats (Tensor): Encoder feature map, shape (N, C, T, H, W).
            data_samples (list[ActionDataSample]): With ``recon_target``
                (C', T', H', W'), ``recon_valid`` (T',) and, with attention,
                ``motion_attention`` (C', T', H', W').
            reduction (str): ``'mean'`` over the batch or ``'none'``.
                Defaults to ``'mean'``.

        Returns:
            Dict[str, Tensor]: ``loss_recon``, a scalar or (N,).
        """
        target, valid, attention = self.target_views(data_samples)
        reconstruction = self(feats, target_size=tuple(target.shape[2:]))
        return dict(
            loss_recon=self.loss_recon(reconstruction, target, valid,
                                       attention, reduction))

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """The batch's :meth:`loss_by_feat`.

        Returns:
            Dict[str, Tensor]: ``loss_recon``.
        """
        return self.loss_by_feat(feats, data_samples)

    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Write each sample's weighted ``loss_recon`` (0-d).

        The reconstructions themselves are not kept (they would hold a
        slowed-down clip per sample through validation).

        Returns:
            list[ActionDataSample]: ``data_samples``.
        """
        losses = self.loss_by_feat(feats, data_samples, reduction='none')
        return self.write_sample_losses(losses, data_samples)
