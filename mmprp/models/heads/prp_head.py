"""Playback-rate classifier: PRP's discriminative perception head."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from mmcv.cnn import ConvModule
from torch import Tensor

from ...structures import (NUM_RATES_KEY, PRED_RATE_KEY, RATE_LABEL_KEY,
                           RATE_SCORES_KEY, PRPProtocol)
from ..common import halve_to_fit
from .base_pretext_head import BasePretextHead

# default width cap of the hidden conv (the authors' width for C3D)
MAX_HIDDEN_CHANNELS = 512
MIN_HIDDEN_CHANNELS = 8


def default_hidden_channels(in_channels: int,
                            feat_size: Optional[Sequence[int]] = None,
                            max_flops: Optional[float] = None,
                            max_params: Optional[float] = None) -> int:
    """``min(in_channels, 512)``, halved until the 3x3x3 conv fits budgets.

    Args:
        in_channels (int): Channels of the encoder map.
        feat_size (Sequence[int], optional): Encoder map (T', H', W').
        max_flops (float, optional): Forward FLOPs per clip; None (or no
            ``feat_size``) for no FLOP budget.
        max_params (float, optional): Weights of the conv; None for no
            parameter budget.

    Returns:
        int: The hidden width, at least 8 when halved.
    """
    weights_per_channel = 27 * in_channels

    def fits(hidden: int) -> bool:
        flops_fit = (
            max_flops is None or feat_size is None
            or 2 * hidden * weights_per_channel * math.prod(feat_size)
            <= max_flops)
        return flops_fit and (max_params is None
                              or hidden * weights_per_channel <= max_params)

    return halve_to_fit(
        min(in_channels, MAX_HIDDEN_CHANNELS), fits, MIN_HIDDEN_CHANNELS)


@MODELS.register_module()
class PRPHead(BaseHead, BasePretextHead):
    """Classifies the playback rate (sampling interval) of the input clip.

    ``feature map -> 3x3x3 Conv3d + BN3d + ReLU -> global average pool ->
    fc_rate``. The linear layer is named ``fc_rate`` so configs can give it a
    10x learning rate through ``paramwise_cfg.custom_keys``.

    Args:
        num_classes (int, optional): Number of playback rates. Defaults to
            None: ``len(protocol.rates)``.
        in_channels (int): Channels of the encoder feature map.
            Defaults to 512.
        hidden_channels (int, optional): Output channels of the 3x3x3 conv.
            Defaults to None, meaning ``min(in_channels, 512)``, halved
            (down to 8) while the conv's forward FLOPs on a ``feat_size``
            map exceed ``max_flops`` or its weights exceed ``max_params``:
            the authors' 512 for C3D, R3D-18 and R(2+1)D-18; at most 512
            for wider encoders (2048 channels: 28.3M parameters instead of
            the 113M of a 2048-wide conv, fewer within ``max_params``).
        feat_size (Sequence[int], optional): Encoder map (T', H', W') the
            FLOP budget is computed on (:class:`SelfSupRecognizer` fills it
            from ``input_size``). Defaults to None (no budget).
        max_flops (float, optional): Forward FLOPs per clip the default
            hidden conv must fit. Defaults to None (no budget).
        max_params (float, optional): Weights the default hidden conv may
            have (:class:`SelfSupRecognizer` fills it from the encoder's
            parameter count). Defaults to None (no budget).
        loss_cls (dict): Config of the classification loss. Defaults to
            ``dict(type='CrossEntropyLoss', loss_weight=0.1)``.
        protocol (PRPProtocol | dict, optional): PRP's settings, which
            :class:`SelfSupRecognizer` passes; gives ``num_classes`` when it
            is None. Defaults to None (the default protocol).
        init_cfg (dict | list[dict], optional): Initialisation config. The
            conv initialises itself (Kaiming); defaults to a N(0, 0.01)
            ``fc_rate``.

    Raises:
        ValueError: If ``num_classes`` differs from ``protocol``'s.
    """

    def __init__(
        self,
        num_classes: Optional[int] = None,
        in_channels: int = 512,
        hidden_channels: Optional[int] = None,
        feat_size: Optional[Sequence[int]] = None,
        max_flops: Optional[float] = None,
        max_params: Optional[float] = None,
        loss_cls: Dict = dict(type='CrossEntropyLoss', loss_weight=0.1),
        protocol: Union[PRPProtocol, Dict, None] = None,
        init_cfg: Optional[Union[Dict, List[Dict]]] = dict(
            type='Normal', layer='Linear', std=0.01)
    ) -> None:
        num_classes = self.setting_from_protocol('rate_head.num_classes',
                                                 num_classes, protocol,
                                                 lambda prp: prp.num_rates)
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            loss_cls=loss_cls,
            topk=(1, ),
            init_cfg=init_cfg)
        self.hidden_channels = hidden_channels or default_hidden_channels(
            in_channels, feat_size, max_flops, max_params)
        self.conv = ConvModule(
            in_channels,
            self.hidden_channels,
            3,
            padding=1,
            conv_cfg=dict(type='Conv3d'),
            norm_cfg=dict(type='BN3d'),
            act_cfg=dict(type='ReLU'))
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc_rate = nn.Linear(self.hidden_channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Compute playback-rate logits.

        Args:
            x (Tensor): Encoder feature map, shape (N, C, T, H, W).

        Returns:
            Tensor: Logits, shape (N, num_classes).
        """
        x = self.pool(self.conv(x)).flatten(1)
        return self.fc_rate(x)

    def _rate_labels(self, data_samples: SampleList,
                     device: torch.device) -> Tensor:
        """The samples' rate labels, after checking the number of rates.

        Raises:
            KeyError: If the samples lack ``rate_label`` or ``num_rates``.
            ValueError: If the sampler's number of rates is not
                ``num_classes``.
        """
        for key in (RATE_LABEL_KEY, NUM_RATES_KEY):
            if key not in data_samples[0]:
                raise KeyError(
                    f'data sample lacks `{key}`: put PlaybackRateSampler in '
                    f'the pipeline and end it with PackPRPInputs')
        num_rates = int(data_samples[0].get(NUM_RATES_KEY))
        if num_rates != self.num_classes:
            raise ValueError(
                f'the PlaybackRateSampler draws from {num_rates} rates, but '
                f'model.rate_head has num_classes={self.num_classes}: set '
                f'num_classes to len(rates), {num_rates}')
        return torch.as_tensor(
            [int(sample.get(RATE_LABEL_KEY)) for sample in data_samples],
            dtype=torch.long,
            device=device)

    def loss_by_feat(self, cls_scores: Tensor,
                     data_samples: SampleList) -> Dict[str, Tensor]:
        """Classification loss and top-1 accuracy from logits.

        Args:
            cls_scores (Tensor): Logits, shape (N, num_classes).
            data_samples (list[ActionDataSample]): With ``rate_label`` and
                ``num_rates`` (from :class:`PlaybackRateSampler`).

        Returns:
            Dict[str, Tensor]: ``loss_rate`` (weighted loss) and ``rate_acc``
            (detached top-1 accuracy in [0, 1]).
        """
        rate_labels = self._rate_labels(data_samples, cls_scores.device)
        correct = cls_scores.detach().argmax(dim=1) == rate_labels
        return dict(
            loss_rate=self.loss_cls(cls_scores, rate_labels),
            rate_acc=correct.float().mean())

    def loss(self, feats: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Forward the head and compute :meth:`loss_by_feat`.

        Args:
            feats (Tensor): Encoder feature map, shape (N, C, T, H, W).
            data_samples (list[ActionDataSample]): See :meth:`loss_by_feat`.

        Returns:
            Dict[str, Tensor]: ``loss_rate`` and ``rate_acc``.
        """
        return self.loss_by_feat(self(feats), data_samples)

    def predict_by_feat(self, cls_scores: Tensor,
                        data_samples: SampleList) -> SampleList:
        """Write the rate prediction into each data sample.

        Args:
            cls_scores (Tensor): Logits, shape (N, num_classes).
            data_samples (list[ActionDataSample]): One per clip.

        Returns:
            list[ActionDataSample]: With ``rate_scores`` (num_classes,)
            softmax probabilities and ``pred_rate`` (0-d, the index of the
            most likely rate).
        """
        probs = torch.softmax(cls_scores.detach(), dim=1)
        for sample, prob in zip(data_samples, probs):
            sample.set_field(prob, RATE_SCORES_KEY)
            sample.set_field(prob.argmax(), PRED_RATE_KEY)
        return data_samples

    def predict(self, feats: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Predict the playback rate of each clip, with its loss.

        Args:
            feats (Tensor): Encoder feature map, shape (N, C, T, H, W).
            data_samples (list[ActionDataSample]): With ``rate_label`` and
                ``num_rates``, one per clip.

        Returns:
            list[ActionDataSample]: See :meth:`predict_by_feat`, plus each
            sample's weighted ``loss_rate`` (0-d).
        """
        cls_scores = self(feats)
        rate_labels = self._rate_labels(data_samples, cls_scores.device)
        self.predict_by_feat(cls_scores, data_samples)
        losses = self.loss_cls(cls_scores, rate_labels, reduction='none')
        return self.write_sample_losses(dict(loss_rate=losses), data_samples)
