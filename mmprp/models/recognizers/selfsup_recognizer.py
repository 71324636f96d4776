"""PRP's self-supervised recognizer: encoder + rate head + decoder."""
import copy
from typing import Dict, Optional

import numpy as np
import torch
from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import (ConfigType, OptConfigType, OptMultiConfig,
                            SampleList)
from torch import Tensor

def unit_range_preprocessor() -> dict:
    """Config of MMAction2's preprocessor scaling pixels to [0, 1].

    PRP's input scaling (the authors' code): no mean subtraction, divide by
    255, clips in NCTHW layout.

    Returns:
        dict: A new ``ActionDataPreprocessor`` config.
    """
    return dict(
        type='ActionDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        format_shape='NCTHW')


VIEW_KEYS = ('clip_inds', 'target_inds', 'target_weights', 'target_valid',
             'rate_label', 'playback_rate')
# The sampler's number of rates, which the rate head's classes must equal.
NUM_RATES_KEY = 'num_rates'


@MODELS.register_module()
class SelfSupRecognizer(BaseRecognizer):
    """Playback-rate perception: discriminative and/or generative pretext.

    The data pipeline (:class:`PlaybackRateSampler`) decodes only the
    distinct frames a sample needs and carries index maps in the data
    samples; :meth:`prepare_views` rebuilds the input clip, the slowed-down
    target, its validity mask and the motion attention on the model's
    device. The encoder map of the clip feeds the rate classifier
    (``rate_head``, loss ``loss_rate``) and the decoder (``decoder``, loss
    ``loss_recon``); either may be None, not both. With a rate head, every
    batch must carry ``num_rates`` (the sampler's ``len(rates)``, listed in
    ``PackActionInputs(algorithm_keys=)``) equal to ``rate_head.num_classes``;
    otherwise :meth:`loss` and :meth:`predict` raise before any forward pass.

    Args:
        backbone (dict): Encoder config; any MMAction2 backbone that returns
            a 5-D map (N, C, T', H', W').
        rate_head (dict, optional): Config of a :class:`PRPHead`.
        decoder (dict, optional): Config of a
            :class:`MotionAttentionDecoder`.
        data_preprocessor (dict, optional): Defaults to scaling pixels to
            [0, 1] with no mean subtraction, as in the authors' code.
        train_cfg (dict, optional): Unused; kept for MMAction2 configs.
        test_cfg (dict, optional): Unused; kept for MMAction2 configs.
        init_cfg (dict | list[dict], optional): Initialisation of the whole
            model, e.g. ``dict(type='TorchLegacyInit')`` (the authors'
            torch 0.4.1 defaults). Defaults to None: each module initialises
            itself.
    """

    def __init__(self,
                 backbone: ConfigType,
                 rate_head: OptConfigType = None,
                 decoder: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if rate_head is None and decoder is None:
            raise ValueError('SelfSupRecognizer needs `rate_head`, `decoder` '
                             'or both; the model config sets neither')
        super().__init__(
            backbone=backbone,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor or unit_range_preprocessor())
        self.rate_head = MODELS.build(rate_head) if rate_head else None
        self.decoder = MODELS.build(decoder) if decoder else None
        # MMAction2's BaseRecognizer takes no init_cfg; mmengine reads it here
        self.init_cfg = copy.deepcopy(init_cfg)

    def extract_feat(self, inputs: Tensor, **kwargs) -> Tensor:
        """Encode clips.

        Args:
            inputs (Tensor): Clips (N, C, T, H, W), or (N, M, C, T, H, W) for
                M clips per video (flattened to N * M clips).

        Returns:
            Tensor: The encoder map (N or N * M, C', T', H', W').
        """
        if inputs.ndim == 6:
            inputs = inputs.flatten(0, 1)
        return self.backbone(inputs)

    def _forward(self, inputs: Tensor, stage: str = 'backbone',
                 **kwargs) -> Tensor:
        """Return the encoder map (``mode='tensor'``)."""
        return self.extract_feat(inputs)

    def prepare_views(self, inputs: Tensor,
                      data_samples: SampleList) -> Dict[str, Optional[Tensor]]:
        """Build the tensors the pretext losses see, on the inputs' device.

        Args:
            inputs (Tensor): Decoded distinct frames of each sample, padded
                to the batch maximum T: (N, 1, C, T, H, W) or (N, C, T, H, W).
            data_samples (list[ActionDataSample]): With the index maps of
                :class:`PlaybackRateSampler` (``clip_inds``, ``target_inds``,
                ``target_weights``, ``target_valid``, ``rate_label``,
                ``playback_rate`` and, with attention, ``attention_inds``).

        Returns:
            dict: ``clip`` (N, C, L, H, W) with L the clip length; ``target``
            (N, C, L * r, H, W); ``target_valid`` (N, L * r) bool;
            ``attention`` (N, C, L * r, H, W) or None when the decoder uses
            no attention (or there is no decoder); ``rate_label`` (N,) long.
        """
        if inputs.ndim == 6:
            inputs = inputs.flatten(1, 2)
        maps = self._stack_view_keys(data_samples, inputs.device)
        frames = inputs.transpose(1, 2)  # (N, T, C, H, W)
        batch = torch.arange(frames.shape[0], device=inputs.device)[:, None]
        clip = frames[batch, maps['clip_inds']].transpose(1, 2)
        lower = frames[batch, maps['target_inds'][..., 0]]
        upper = frames[batch, maps['target_inds'][..., 1]]
        weights = maps['target_weights'][..., None, None, None].to(
            frames.dtype)
        target = torch.lerp(lower, upper, weights).transpose(1, 2)
        return dict(
            clip=clip.contiguous(),
            target=target.contiguous(),
            target_valid=maps['target_valid'].bool(),
            attention=self._attention(frames, data_samples, maps,
                                      target.shape[2]),
            rate_label=maps['rate_label'].long())

    @staticmethod
    def _stack_view_keys(data_samples: SampleList,
                         device: torch.device) -> Dict[str, Tensor]:
        maps = {}
        for key in VIEW_KEYS:
            if key not in data_samples[0]:
                raise KeyError(
                    f'data sample lacks `{key}`: put PlaybackRateSampler in '
                    f'the pipeline and list {VIEW_KEYS} (and '
                    f"'attention_inds') in PackActionInputs(algorithm_keys=)")
            values = np.stack([np.asarray(sample.get(key))
                               for sample in data_samples])
            maps[key] = torch.from_numpy(values).to(device)
        return maps

    def _attention(self, frames: Tensor, data_samples: SampleList,
                   maps: Dict[str, Tensor], target_len: int
                   ) -> Optional[Tensor]:
        """Motion attention of every sample, computed per rate group.

        Args:
            frames (Tensor): Decoded frames (N, T, C, H, W).
            data_samples (list[ActionDataSample]): With ``attention_inds``.
            maps (dict): Stacked index maps (``playback_rate`` is used).
            target_len (int): Frames of the target.

        Returns:
            Tensor | None: (N, C, target_len, H, W), or None without
            attention.
        """
        if self.decoder is None or self.decoder.attention is None:
            return None
        if 'attention_inds' not in data_samples[0]:
            raise KeyError(
                f'decoder.attention={self.decoder.attention!r} needs '
                f'`attention_inds`: set PlaybackRateSampler(attention='
                f'{self.decoder.attention!r}) and add it to '
                f'PackActionInputs(algorithm_keys=)')
        num, _, channels, height, width = frames.shape
        attention = frames.new_empty(num, channels, target_len, height, width)
        rates = maps['playback_rate']
        for rate in torch.unique(rates).tolist():
            members = torch.nonzero(rates == rate).flatten()
            inds = torch.from_numpy(
                np.stack([data_samples[i].attention_inds
                          for i in members.tolist()])).to(frames.device)
            group = frames[members.view(-1, *[1] * (inds.ndim - 1)), inds]
            # sparse: (n, S, 4, C, H, W) -> (n, C, S, 4, H, W);
            # dense: (n, T, C, H, W) -> (n, C, T, H, W)
            group = group.movedim(-3, 1)
            attention[members] = self.decoder.motion_attention(
                group, target_len)
        return attention

    def _check_views(self, views: Dict[str, Optional[Tensor]],
                     data_samples: SampleList) -> None:
        """Fail clearly when the sampler and the model configs disagree."""
        if self.rate_head is not None:
            self._check_num_rates(data_samples)
        if self.decoder is not None:
            target_len = views['target'].shape[2]
            expected = views['clip'].shape[2] * self.decoder.recon_rate
            if target_len != expected:
                raise ValueError(
                    f'the PlaybackRateSampler builds {target_len} target '
                    f'frames for a {views["clip"].shape[2]}-frame clip, but '
                    f'model.decoder has recon_rate={self.decoder.recon_rate}:'
                    f' use the same recon_rate in both')

    def _check_num_rates(self, data_samples: SampleList) -> None:
        """The rate head must have one class per rate of the sampler."""
        if NUM_RATES_KEY not in data_samples[0]:
            raise KeyError(
                f'data sample lacks `{NUM_RATES_KEY}`, which the rate head '
                f'needs to check its num_classes against the '
                f"PlaybackRateSampler's rates: add '{NUM_RATES_KEY}' to "
                f'PackActionInputs(algorithm_keys=)')
        num_rates = int(data_samples[0].get(NUM_RATES_KEY))
        num_classes = self.rate_head.num_classes
        if num_rates != num_classes:
            raise ValueError(
                f'the PlaybackRateSampler draws from {num_rates} rates, but '
                f'model.rate_head has num_classes={num_classes}: set '
                f'num_classes to len(rates), {num_rates}')

    def _encode(self, clip: Tensor) -> Tensor:
        """Encode the clips, naming the settings to fix if they do not fit."""
        try:
            return self.extract_feat(clip)
        except RuntimeError as error:
            raise ValueError(
                f'{type(self.backbone).__name__} cannot encode clips of shape '
                f'{tuple(clip.shape)} (N, C, T, H, W): {error}\nCheck '
                f'clip_len of the PlaybackRateSampler and the crop size of '
                f'the pipeline (C3D, R3D and R(2+1)D need 16x112x112 or '
                f'comparable)') from error

    def _pretext_outputs(self, inputs: Tensor, data_samples: SampleList
                         ) -> Dict[str, Tensor]:
        views = self.prepare_views(inputs, data_samples)
        self._check_views(views, data_samples)
        feats = self._encode(views['clip'])
        outputs = dict(views=views, feats=feats)
        if self.rate_head is not None:
            outputs['rate_scores'] = self.rate_head(feats)
        if self.decoder is not None:
            outputs['reconstruction'] = self.decoder(
                feats, tuple(views['target'].shape[2:]))
        return outputs

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Pretext losses of a batch.

        Args:
            inputs (Tensor): See :meth:`prepare_views`.
            data_samples (list[ActionDataSample]): See :meth:`prepare_views`.

        Returns:
            dict: ``loss_rate`` and ``rate_acc`` (with a rate head),
            ``loss_recon`` (with a decoder), all already weighted.
        """
        outputs = self._pretext_outputs(inputs, data_samples)
        return self._losses(outputs, slice(None))

    def _losses(self, outputs: Dict, index: slice) -> Dict[str, Tensor]:
        views = outputs['views']
        losses = {}
        if self.rate_head is not None:
            losses.update(self.rate_head.loss_by_feat(
                outputs['rate_scores'][index], views['rate_label'][index]))
        if self.decoder is not None:
            attention = views['attention']
            losses['loss_recon'] = self.decoder.loss_recon(
                outputs['reconstruction'][index], views['target'][index],
                views['target_valid'][index],
                None if attention is None else attention[index])
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Per-sample pretext losses and rate predictions, for validation.

        Each returned data sample gets ``loss_rate``, ``rate_correct`` and
        ``pred_rate`` (with a rate head) and ``loss_recon`` (with a decoder),
        as 0-d tensors, which :class:`PretextLossMetric` averages.

        Args:
            inputs (Tensor): See :meth:`prepare_views`.
            data_samples (list[ActionDataSample]): See :meth:`prepare_views`.

        Returns:
            list[ActionDataSample]: ``data_samples`` with the fields above.
        """
        outputs = self._pretext_outputs(inputs, data_samples)
        for index, sample in enumerate(data_samples):
            losses = self._losses(outputs, slice(index, index + 1))
            for name, value in self._per_sample_fields(losses).items():
                sample.set_field(value.detach(), name)
            if self.rate_head is not None:
                sample.set_field(
                    outputs['rate_scores'][index].argmax().detach(),
                    'pred_rate')
        return data_samples

    @staticmethod
    def _per_sample_fields(losses: Dict[str, Tensor]) -> Dict[str, Tensor]:
        fields = {k: v for k, v in losses.items() if k.startswith('loss')}
        if 'rate_acc' in losses:
            fields['rate_correct'] = losses['rate_acc']
        return fields
