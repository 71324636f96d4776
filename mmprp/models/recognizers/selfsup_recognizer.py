"""PRP's self-supervised recognizer: encoder + rate head + decoder."""
import copy
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import (ConfigType, OptConfigType, OptMultiConfig,
                            SampleList)
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

from ...datasets.transforms import ATTENTION_KEY, PRP_VIEW_KEYS
from ..common import describe_output

MapShape = Tuple[int, int, int, int]  # (C, T, H, W) of an encoder map
Size3d = Tuple[int, int, int]  # (T, H, W)

# torch's messages for inputs smaller than a kernel or pooling window
SHAPE_ERROR_MARKERS = ('too small', "can't be greater than actual input size",
                       'Kernel size can\'t be greater')


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


@MODELS.register_module()
class SelfSupRecognizer(BaseRecognizer):
    """Playback-rate perception: discriminative and/or generative pretext.

    The data pipeline (:class:`PlaybackRateSampler`) decodes only the
    distinct frames a sample needs and carries index maps in the data
    samples; :meth:`prepare_views` rebuilds the input clip, the slowed-down
    target, its validity mask and the motion attention on the model's
    device. The encoder map of the clip feeds the rate classifier
    (``rate_head``, loss ``loss_rate``) and the decoder (``decoder``, loss
    ``loss_recon``); either may be None, not both. :meth:`loss` reads like
    mmpretrain's ``MAE.loss``: build the views, encode the clip, then the
    heads' own ``loss`` (MMAction2's ``BaseHead`` signatures: labels and
    checks come from the data samples).

    The views are built here rather than in a data preprocessor: they depend
    on the model (the decoder's attention variant and range; no attention
    for a model without decoder), and the preprocessor stays MMAction2's
    stock ``ActionDataPreprocessor`` (casting, [0, 1] scaling, padding of
    the frame axis), shared with the finetuning configs.

    With ``input_size`` (the clip size the pipeline makes) the model encodes
    one zero clip at build time (eval mode, no gradients, training mode
    restored) and learns the map's shape (C, T', H', W') and the encoder's
    FLOPs: the heads' ``in_channels`` may then be left out (given ones are
    checked), the decoder plans its strides from T', H', W' to the target
    (r T, H, W) and, without explicit widths, the decoder and the rate head
    choose widths costing at most ``decoder_flops_share`` and
    ``head_flops_share`` of the encoder's forward FLOPs. All parameters
    exist before the optimiser is built. A backbone (plus neck) that does
    not return one 5-D map is refused there, naming what it returns.

    Args:
        backbone (dict): Encoder config; any MMAction2 backbone that returns
            a 5-D map (N, C, T', H', W'), or another output with a ``neck``
            that turns it into one.
        rate_head (dict, optional): Config of a :class:`PRPHead`.
        decoder (dict, optional): Config of a
            :class:`MotionAttentionDecoder`.
        neck (dict, optional): Adapter from the backbone's output to one
            5-D map, e.g. :class:`PathwayConcatNeck` (SlowFast) or
            :class:`FramesToClipNeck` (TSM). Defaults to None.
        input_size (Sequence[int], optional): Clip size (T, H, W) of the
            pipeline (``clip_len`` of the PlaybackRateSampler, crop size),
            e.g. ``(16, 112, 112)``; enables the build-time probe above.
            Defaults to None: no probe, the heads' ``in_channels`` are
            required and the decoder uses its fixed C3D-style strides.
        head_flops_share (float): With ``input_size``, the share of the
            encoder's forward FLOPs the rate head's default hidden width
            must fit. Defaults to 0.25.
        head_params_share (float): With ``input_size``, the share of the
            encoder's parameter count the rate head's default hidden conv
            may have. Defaults to 0.25: a small map (I3D-R50's 2x4x4) keeps
            the FLOPs low but a 2048 x 512 x 27 conv would outweigh the
            encoder.
        decoder_flops_share (float): Same for the decoder's default widths.
            Defaults to 0.75: PRP's forward costs at most twice the
            encoder's FLOPs, and C3D (decoder 0.66, head 0.02 of its
            encoder's 77 GFLOPs) keeps the authors' widths. The decoder's
            full-resolution stages run at fewer FLOP/s than the encoder on
            CPU: lower it where the step time says so.
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
                 neck: OptConfigType = None,
                 input_size: Optional[Sequence[int]] = None,
                 head_flops_share: float = 0.25,
                 head_params_share: float = 0.25,
                 decoder_flops_share: float = 0.75,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if rate_head is None and decoder is None:
            raise ValueError('SelfSupRecognizer needs `rate_head`, `decoder` '
                             'or both; the model config sets neither')
        super().__init__(
            backbone=backbone,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor or unit_range_preprocessor())
        self.input_size = None if input_size is None else tuple(input_size)
        if self.input_size is not None:
            feat_shape, flops = self._probe_encoder(self.input_size)
            budgets = dict(
                rate_head=dict(
                    max_flops=head_flops_share * flops,
                    max_params=head_params_share
                    * self._encoder_parameter_count()),
                decoder=dict(max_flops=decoder_flops_share * flops))
            rate_head, decoder = self._complete_head_configs(
                rate_head, decoder, feat_shape, budgets)
        self.rate_head = MODELS.build(rate_head) if rate_head else None
        self.decoder = MODELS.build(decoder) if decoder else None
        # MMAction2's BaseRecognizer takes no init_cfg; mmengine reads it here
        self.init_cfg = copy.deepcopy(init_cfg)

    def _probe_encoder(self, input_size: Size3d) -> Tuple[MapShape, int]:
        """Encode one zero clip to learn the encoder map's shape and cost.

        Runs once at build time, in eval mode and without gradients (the
        BN statistics stay untouched), then restores the training mode.

        Args:
            input_size (tuple[int, int, int]): Clip size (T, H, W).

        Returns:
            tuple: The map's (C, T', H', W') and the forward FLOPs of the
            encoder (and neck) for one clip.

        Raises:
            ValueError: If ``input_size`` is not (T, H, W), the encoder
                fails on such a clip, or it (with the neck, if any) does not
                return one 5-D map.
        """
        if len(input_size) != 3:
            raise ValueError(f'model.input_size must be the clip size '
                             f'(T, H, W), got {input_size}')
        training = self.training
        self.eval()
        counter = FlopCounterMode(display=False)
        clip = torch.zeros(1, 3, *input_size)
        try:
            with torch.no_grad(), counter:
                feats = self._encode(clip)
        except RuntimeError as error:
            raise ValueError(
                f'{type(self.backbone).__name__} fails on a clip of shape '
                f'{tuple(clip.shape)} (model.input_size={input_size}): '
                f'{error}\nA backbone of 2-D frames (TSM, TSN) needs '
                f'neck=dict(type=\'FramesToClipNeck\', '
                f'num_segments={input_size[0]})') from error
        finally:
            self.train(training)
        return tuple(feats.shape[1:]), counter.get_total_flops()

    def _encoder_parameter_count(self) -> int:
        """Parameters of the backbone and, with one, the neck.

        Returns:
            int: Their number of elements.
        """
        modules = [self.backbone] + ([self.neck] if self.with_neck else [])
        return sum(param.numel() for module in modules
                   for param in module.parameters())

    def _check_feature_map(self, feats: object) -> Tensor:
        """The encoder map, or an error naming what the encoder returned.

        Raises:
            ValueError: If ``feats`` is not a 5-D tensor.
        """
        if isinstance(feats, Tensor) and feats.ndim == 5:
            return feats
        source = type(self.backbone).__name__
        if self.with_neck:
            source += f' + {type(self.neck).__name__}'
        raise ValueError(
            f'PRP needs one 5-D encoder map (N, C, T, H, W), but {source} '
            f'returns {describe_output(feats)}. Add a neck that makes one: '
            f'PathwayConcatNeck for SlowFast-like two-pathway outputs, '
            f'FramesToClipNeck for 2-D-plus-time backbones such as TSM '
            f'(docs/backbones.md); token outputs such as TimeSformer\'s are '
            f'not supported')

    def _complete_head_configs(
        self, rate_head: OptConfigType, decoder: OptConfigType,
        feat_shape: MapShape, budgets: Dict[str, Dict[str, float]]
    ) -> Tuple[OptConfigType, OptConfigType]:
        """Fill the heads' encoder-dependent keys from the probe.

        ``in_channels`` of both heads (checked when given), the map size
        ``feat_size``, the decoder's ``clip_size``, and the budgets their
        default widths must fit (``budgets['rate_head']``: ``max_flops``,
        ``max_params``; ``budgets['decoder']``: ``max_flops``), unless the
        configs set them.

        Returns:
            tuple: Copies of the rate head and decoder configs.

        Raises:
            ValueError: If a given ``in_channels`` differs from the map's.
        """
        channels = feat_shape[0]
        completed = []
        for key, cfg in (('rate_head', rate_head), ('decoder', decoder)):
            if cfg is not None:
                cfg = copy.deepcopy(cfg)
                given = cfg.setdefault('in_channels', channels)
                if given != channels:
                    raise ValueError(
                        f'model.{key}.in_channels={given}, but the backbone '
                        f'returns {channels} channels for model.input_size: '
                        f'set in_channels={channels} or leave it out')
                cfg.setdefault('feat_size', feat_shape[1:])
                for budget, value in budgets[key].items():
                    cfg.setdefault(budget, value)
            completed.append(cfg)
        rate_head, decoder = completed
        if decoder is not None:
            decoder.setdefault('clip_size', self.input_size)
        return rate_head, decoder

    def extract_feat(self, inputs: Tensor, **kwargs) -> Tensor:
        """Encode clips.

        Args:
            inputs (Tensor): Clips (N, C, T, H, W), or (N, M, C, T, H, W) for
                M clips per video (flattened to N * M clips).

        Returns:
            Tensor: The encoder map (N or N * M, C', T', H', W'), through the
            neck if there is one.

        Raises:
            ValueError: If the encoder (and neck) return anything else than
                one 5-D map.
        """
        if inputs.ndim == 6:
            inputs = inputs.flatten(0, 1)
        if self.with_neck and hasattr(self.neck, 'backbone_input'):
            inputs = self.neck.backbone_input(inputs)
        feats = self.backbone(inputs)
        if self.with_neck:
            feats = self.neck(feats)
        return self._check_feature_map(feats)

    def _forward(self,
                 inputs: Tensor,
                 stage: str = 'backbone',
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
            ``clip`` and ``target`` are each written once, by one gather
            (``target``: one gather of both interpolation ends, then the
            interpolation), and left in the gather's frame-major layout
            (N, T, C, H, W) rather than copied into NCTHW order: the
            encoder's first convolution converts its input to its own
            layout (NCDHW or channels-last) anyway, and the loss reads any
            strides.
        """
        if inputs.ndim == 6:
            inputs = inputs.flatten(1, 2)
        maps = self._stack_view_keys(data_samples, inputs.device)
        frames = inputs.transpose(1, 2)  # (N, T, C, H, W)
        batch = torch.arange(frames.shape[0], device=inputs.device)[:, None]
        clip = frames[batch, maps['clip_inds']]
        ends = frames[batch[..., None], maps['target_inds']]  # (N, L*r, 2,...)
        weights = maps['target_weights'][..., None, None,
                                         None].to(frames.dtype)
        target = torch.lerp(ends[:, :, 0], ends[:, :, 1], weights)
        return dict(
            clip=clip.transpose(1, 2),
            target=target.transpose(1, 2),
            target_valid=maps['target_valid'].bool(),
            attention=self._attention(frames, data_samples, maps,
                                      target.shape[1]),
            rate_label=maps['rate_label'].long())

    @staticmethod
    def _stack_view_keys(data_samples: SampleList,
                         device: torch.device) -> Dict[str, Tensor]:
        maps = {}
        for key in PRP_VIEW_KEYS:
            if key not in data_samples[0]:
                raise KeyError(
                    f'data sample lacks `{key}`: put PlaybackRateSampler in '
                    f'the pipeline and end it with PackPRPInputs')
            values = np.stack(
                [np.asarray(sample.get(key)) for sample in data_samples])
            maps[key] = torch.from_numpy(values).to(device)
        return maps

    def _attention(self, frames: Tensor, data_samples: SampleList,
                   maps: Dict[str,
                              Tensor], target_len: int) -> Optional[Tensor]:
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
        if ATTENTION_KEY not in data_samples[0]:
            raise KeyError(
                f'decoder.attention={self.decoder.attention!r} needs '
                f'`{ATTENTION_KEY}`: set PlaybackRateSampler(attention='
                f'{self.decoder.attention!r}) and end the pipeline with '
                f'PackPRPInputs')
        num, _, channels, height, width = frames.shape
        attention = frames.new_empty(num, channels, target_len, height, width)
        rates = maps['playback_rate']
        for rate in torch.unique(rates).tolist():
            members = torch.nonzero(rates == rate).flatten()
            inds = torch.from_numpy(
                np.stack([
                    data_samples[i].attention_inds for i in members.tolist()
                ])).to(frames.device)
            group = frames[members.view(-1, *[1] * (inds.ndim - 1)), inds]
            # sparse: (n, S, 4, C, H, W) -> (n, C, S, 4, H, W);
            # dense: (n, T, C, H, W) -> (n, C, T, H, W)
            group = group.movedim(-3, 1)
            attention[members] = self.decoder.motion_attention(
                group, target_len)
        return attention

    def _check_recon_rate(self, views: Dict[str, Optional[Tensor]]) -> None:
        """The sampler's target must be the decoder's slow-down of the clip."""
        target_len = views['target'].shape[2]
        expected = views['clip'].shape[2] * self.decoder.recon_rate
        if target_len != expected:
            raise ValueError(
                f'the PlaybackRateSampler builds {target_len} target frames '
                f'for a {views["clip"].shape[2]}-frame clip, but '
                f'model.decoder has recon_rate={self.decoder.recon_rate}: use '
                f'the same recon_rate in both')

    def _encode(self, clip: Tensor) -> Tensor:
        """Encode the clips, naming the settings to fix if they are too small.

        Only torch's errors about an input smaller than a kernel or pooling
        window are rewritten; any other error (out of memory, a bug) passes
        unchanged.
        """
        try:
            return self.extract_feat(clip)
        except RuntimeError as error:
            if not any(marker in str(error) for marker in SHAPE_ERROR_MARKERS):
                raise
            raise ValueError(
                f'{type(self.backbone).__name__} cannot encode clips of shape '
                f'{tuple(clip.shape)} (N, C, T, H, W): {error}\nCheck '
                f'clip_len of the PlaybackRateSampler and the crop size of '
                f'the pipeline (C3D, R3D and R(2+1)D need 16x112x112 or '
                f'comparable)') from error

    def _encode_views(
        self, inputs: Tensor, data_samples: SampleList
    ) -> Tuple[Dict[str, Optional[Tensor]], Tensor]:
        """Build the views, check them against the decoder, encode the clip.

        Returns:
            tuple[dict, Tensor]: The views of :meth:`prepare_views` and the
            encoder map (N, C', T', H', W').
        """
        views = self.prepare_views(inputs, data_samples)
        if self.decoder is not None:
            self._check_recon_rate(views)
        return views, self._encode(views['clip'])

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
        views, feats = self._encode_views(inputs, data_samples)
        losses = {}
        if self.rate_head is not None:
            losses.update(self.rate_head.loss(feats, data_samples))
        if self.decoder is not None:
            losses.update(
                self.decoder.loss(feats, views['target'],
                                  views['target_valid'], views['attention']))
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Rate predictions and per-sample pretext losses, for validation.

        The rate head writes ``pred_rate`` and ``rate_scores``
        (:meth:`PRPHead.predict`); each sample also gets its own weighted
        ``loss_rate`` and ``loss_recon`` (0-d tensors), which
        :class:`PretextLossMetric` averages.

        Args:
            inputs (Tensor): See :meth:`prepare_views`.
            data_samples (list[ActionDataSample]): See :meth:`prepare_views`.

        Returns:
            list[ActionDataSample]: ``data_samples`` with the fields above.
        """
        views, feats = self._encode_views(inputs, data_samples)
        if self.rate_head is not None:
            scores = self.rate_head(feats)
            self.rate_head.predict_by_feat(scores, data_samples)
            for index, sample in enumerate(data_samples):
                loss = self.rate_head.loss_by_feat(scores[index:index + 1],
                                                   [sample])['loss_rate']
                sample.set_field(loss.detach(), 'loss_rate')
        if self.decoder is not None:
            reconstruction = self.decoder(feats, views['target'].shape[2:])
            attention = views['attention']
            for index, sample in enumerate(data_samples):
                part = slice(index, index + 1)
                loss = self.decoder.loss_by_feat(
                    reconstruction[part], views['target'][part],
                    views['target_valid'][part],
                    None if attention is None else attention[part])
                sample.set_field(loss['loss_recon'].detach(), 'loss_recon')
        return data_samples
