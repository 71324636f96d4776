"""PRP's self-supervised recognizer: one encoder, its pretext heads."""
import copy
from typing import Dict, Iterator, Optional, Sequence

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from mmaction.utils import (ConfigType, OptConfigType, OptMultiConfig,
                            SampleList)
from torch import Tensor

from ...structures import PRPProtocol
from ..common import (complete_head_configs, describe_output, probe_encoder,
                      shape_advice)
from ..heads import BasePretextHead


@MODELS.register_module()
class SelfSupRecognizer(BaseRecognizer):
    """Playback-rate perception: encode the clip, then each pretext head.

    The data preprocessor (:class:`PRPDataPreprocessor`) rebuilds the input
    clip and puts each head's targets into the data samples; the heads
    (:class:`BasePretextHead`: ``rate_head``, ``decoder`` and any of
    ``extra_heads``) read them from there, so a head is added by config
    alone. ``prp`` (:class:`PRPProtocol`) reaches the preprocessor and every
    head. With ``input_size`` the encoder is probed once at build time for
    the heads' input sizes and default widths (docs/backbones.md).

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
        extra_heads (dict[str, dict], optional): Further pretext heads by
            attribute name. Defaults to None.
        prp (dict, optional): PRP's protocol (``rates``, ``clip_len``,
            ``recon_rate``, ``attention``), the one of the data pipeline.
            Defaults to None (:class:`PRPProtocol`'s defaults).
        input_size (Sequence[int], optional): Clip size (T, H, W) of the
            pipeline; enables the build-time probe: the heads'
            ``in_channels`` and ``feat_size``, the decoder's ``clip_size``
            and, for default widths, FLOP and parameter budgets. Defaults to
            None: the heads' ``in_channels`` are required.
        head_flops_share (float): With ``input_size``, the share of the
            encoder's forward FLOPs the rate head's default width must fit.
            Defaults to 0.25.
        head_params_share (float): Same for the rate head's hidden conv's
            parameters against the encoder's. Defaults to 0.25.
        decoder_flops_share (float): Same as ``head_flops_share`` for the
            decoder's default widths. Defaults to 0.75.
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='PRPDataPreprocessor')`` (pixels to [0, 1], as the
            authors); it is given ``protocol``.
        train_cfg (dict, optional): Unused; kept for MMAction2 configs.
        test_cfg (dict, optional): Unused; kept for MMAction2 configs.
        init_cfg (dict | list[dict], optional): Initialisation of the whole
            model, e.g. ``dict(type='TorchLegacyInit')``. Defaults to None:
            each module initialises itself.

    Raises:
        ValueError: Without any head, or if the probe finds the backbone
            unfit (see :func:`probe_encoder`).
        TypeError: If a head is no :class:`BasePretextHead`.
    """

    def __init__(self,
                 backbone: ConfigType,
                 rate_head: OptConfigType = None,
                 decoder: OptConfigType = None,
                 neck: OptConfigType = None,
                 extra_heads: Optional[Dict[str, ConfigType]] = None,
                 prp: Optional[dict] = None,
                 input_size: Optional[Sequence[int]] = None,
                 head_flops_share: float = 0.25,
                 head_params_share: float = 0.25,
                 decoder_flops_share: float = 0.75,
                 data_preprocessor: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        heads = dict(rate_head=rate_head, decoder=decoder, **extra_heads or {})
        heads = {name: cfg for name, cfg in heads.items() if cfg}
        if not heads:
            raise ValueError('SelfSupRecognizer needs `rate_head`, `decoder` '
                             'or both; the model config sets neither')
        self.protocol = PRPProtocol.of(prp)
        data_preprocessor = dict(
            data_preprocessor or dict(type='PRPDataPreprocessor'))
        data_preprocessor.setdefault('protocol', self.protocol)
        super().__init__(
            backbone=backbone,
            neck=neck,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        self.input_size = None if input_size is None else tuple(input_size)
        if self.input_size is not None:
            heads = self._sized_heads(
                heads,
                dict(
                    head_flops=head_flops_share,
                    head_params=head_params_share,
                    decoder_flops=decoder_flops_share))
        for name, cfg in heads.items():
            self.add_module(name, self._build_head(name, cfg))
        self.head_names = tuple(heads)
        for name in {'rate_head', 'decoder'} - set(heads):
            setattr(self, name, None)  # PRP's two heads, read as absent
        # MMAction2's BaseRecognizer takes no init_cfg; mmengine reads it here
        self.init_cfg = copy.deepcopy(init_cfg)

    def _sized_heads(self, heads: Dict[str, ConfigType],
                     shares: Dict[str, float]) -> Dict[str, ConfigType]:
        """Probe the encoder at ``input_size``; complete the head configs.

        Args:
            heads (dict[str, dict]): Head configs by name.
            shares (dict[str, float]): ``head_flops``, ``head_params`` and
                ``decoder_flops``, the shares of the encoder's forward FLOPs
                and parameters the default widths must fit.

        Returns:
            dict[str, dict]: The completed configs.
        """
        feat_shape, flops = probe_encoder(self, self.extract_feat,
                                          self.input_size)
        params = sum(param.numel() for param in self._encoder_parameters())
        return complete_head_configs(
            heads, feat_shape,
            dict(
                rate_head=dict(
                    max_flops=shares['head_flops'] * flops,
                    max_params=shares['head_params'] * params),
                decoder=dict(
                    max_flops=shares['decoder_flops'] * flops,
                    clip_size=self.input_size)))

    def _build_head(self, name: str, cfg: ConfigType) -> BasePretextHead:
        """Build a head, giving it the protocol.

        Raises:
            TypeError: If it is no :class:`BasePretextHead`.
        """
        cfg = dict(cfg)
        cfg.setdefault('protocol', self.protocol)
        head = MODELS.build(cfg)
        if not isinstance(head, BasePretextHead):
            raise TypeError(f'model.{name} is a {type(head).__name__}, not a '
                            f'BasePretextHead (loss and predict on the '
                            f'encoder map and the data samples)')
        return head

    def _encoder_parameters(self) -> Iterator:
        """Parameters of the backbone and, with one, the neck."""
        yield from self.backbone.parameters()
        if self.with_neck:
            yield from self.neck.parameters()

    def heads(self) -> Iterator[BasePretextHead]:
        """The pretext heads, in config order."""
        return (getattr(self, name) for name in self.head_names)

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

    def _encode(self, clip: Tensor) -> Tensor:
        """Encode the clips, naming the settings to fix if they are too small.

        Raises:
            ValueError: If a shape check explains the encoder's error (see
                :func:`shape_advice`); any other error passes unchanged.
        """
        try:
            return self.extract_feat(clip)
        except RuntimeError as error:
            advice = shape_advice(self, self.extract_feat, clip.shape, error)
            if advice is None:
                raise
            raise ValueError(
                f'{type(self.backbone).__name__} cannot encode clips of shape '
                f'{tuple(clip.shape)} (N, C, T, H, W): {error}\n'
                f'{advice}') from error

    def loss(self, inputs: Tensor, data_samples: SampleList,
             **kwargs) -> Dict[str, Tensor]:
        """Encode the clips (N, C, T, H, W); the heads' losses, merged."""
        feats = self._encode(inputs)
        losses = {}
        for head in self.heads():
            losses.update(head.loss(feats, data_samples))
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Each head's predictions and per-sample losses, for validation.

        Args:
            inputs (Tensor): See :meth:`loss`.
            data_samples (list[ActionDataSample]): See :meth:`loss`.

        Returns:
            list[ActionDataSample]: With ``pred_rate``, ``rate_scores`` and
            0-d ``loss_*`` fields (:class:`PretextLossMetric` averages them).
        """
        feats = self._encode(inputs)
        for head in self.heads():
            head.predict(feats, data_samples)
        return data_samples
