"""PRP's views: the input clip and what the pretext heads compare with."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS
from mmaction.utils import SampleList
from torch import Tensor

from ...structures import (ATTENTION_KEY, CLIP_INDS_KEY, MOTION_ATTENTION_KEY,
                           PLAYBACK_RATE_KEY, PRP_VIEW_KEYS, RATE_LABEL_KEY,
                           RECON_TARGET_KEY, RECON_VALID_KEY, TARGET_INDS_KEY,
                           TARGET_VALID_KEY, TARGET_WEIGHTS_KEY, PRPProtocol)
from ..losses.motion_attention import (dense_motion_attention,
                                       sparse_motion_attention)

ATTENTION_FUNCTIONS = dict(
    sparse=sparse_motion_attention, dense=dense_motion_attention)


@MODELS.register_module()
class PRPDataPreprocessor(ActionDataPreprocessor):
    """MMAction2's preprocessor, then PRP's views of each sample.

    :class:`PlaybackRateSampler` decodes only the distinct frames a sample
    needs and packs index maps into them; after casting and scaling, this
    preprocessor rebuilds on the model's device the input clip (the model's
    ``inputs``) and, as fields of each data sample, the slowed-down
    ``recon_target``, its ``recon_valid`` mask and, with attention, the
    ``motion_attention`` (computed per rate group). Samples without the
    sampler's index maps (plain clips) pass as MMAction2's would.

    Args:
        protocol (PRPProtocol | dict, optional): PRP's settings; its
            ``attention`` picks the attention. :class:`SelfSupRecognizer`
            passes its own. Defaults to None (the default protocol).
        attention_range (tuple[float, float]): Attention value range
            ``(lambda1, lambda2)``. Defaults to ``(0.8, 2.0)``.
        mean (Sequence[float]): Defaults to 0 (the authors' scaling: no mean
            subtraction).
        std (Sequence[float]): Defaults to 255 (pixels to [0, 1]).
        format_shape (str): Defaults to ``'NCTHW'``.
        **kwargs: Other arguments of ``ActionDataPreprocessor``.
    """

    def __init__(self,
                 protocol: Union[PRPProtocol, Dict, None] = None,
                 attention_range: Tuple[float, float] = (0.8, 2.0),
                 mean: Sequence[float] = (0., 0., 0.),
                 std: Sequence[float] = (255., 255., 255.),
                 format_shape: str = 'NCTHW',
                 **kwargs) -> None:
        super().__init__(
            mean=mean, std=std, format_shape=format_shape, **kwargs)
        self.protocol = PRPProtocol.of(protocol)
        self.attention_range = tuple(attention_range)

    def forward_onesample(self, data: dict, training: bool = False) -> dict:
        """Cast, scale and pad; then build the views of PRP samples.

        Args:
            data (dict): ``inputs`` (decoded distinct frames per sample) and
                ``data_samples``.
            training (bool): Whether in training.

        Returns:
            dict: ``inputs`` the clips (N, C, L, H, W) for PRP samples, and
            the data samples with the views above.
        """
        data = super().forward_onesample(data, training)
        samples = data['data_samples']
        if samples and CLIP_INDS_KEY in samples[0]:
            data.update(self.add_views(data['inputs'], samples))
        return data

    def add_views(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """The clips as inputs; target, mask and attention into the samples.

        Args:
            inputs (Tensor): See :meth:`prepare_views`.
            data_samples (list[ActionDataSample]): See :meth:`prepare_views`.

        Returns:
            dict: ``inputs``, the clips (N, C, L, H, W), and
            ``data_samples``, each with ``recon_target``, ``recon_valid``
            and, with attention, ``motion_attention``.
        """
        views = self.prepare_views(inputs, data_samples)
        fields = {
            RECON_TARGET_KEY: views['target'],
            RECON_VALID_KEY: views['target_valid'],
            MOTION_ATTENTION_KEY: views['attention']
        }
        for key, batch in fields.items():
            if batch is not None:
                for sample, value in zip(data_samples, batch):
                    sample.set_field(value, key)
        return dict(inputs=views['clip'], data_samples=data_samples)

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
            ``attention`` (N, C, L * r, H, W) or None without attention;
            ``rate_label`` (N,) long. ``clip`` and ``target`` are each
            written once, by one gather (``target``: one gather of both
            interpolation ends, then the interpolation), and left in the
            gather's frame-major layout (N, T, C, H, W): the encoder's first
            convolution converts its input to its own layout anyway.

        Raises:
            KeyError: If the samples lack a key of the sampler.
            ValueError: If the samples' clip or target length is not the
                protocol's (the datasets' ``prp`` is not the model's).
        """
        if inputs.ndim == 6:
            inputs = inputs.flatten(1, 2)
        maps = self._stack_view_keys(data_samples, inputs.device)
        self._check_lengths(maps)
        frames = inputs.transpose(1, 2)  # (N, T, C, H, W)
        batch = torch.arange(frames.shape[0], device=inputs.device)[:, None]
        clip = frames[batch, maps[CLIP_INDS_KEY]]
        ends = frames[batch[..., None], maps[TARGET_INDS_KEY]]  # (N, L*r, 2,.)
        weights = maps[TARGET_WEIGHTS_KEY][..., None, None,
                                           None].to(frames.dtype)
        target = torch.lerp(ends[:, :, 0], ends[:, :, 1], weights)
        return dict(
            clip=clip.transpose(1, 2),
            target=target.transpose(1, 2),
            target_valid=maps[TARGET_VALID_KEY].bool(),
            attention=self._attention(frames, data_samples,
                                      maps[PLAYBACK_RATE_KEY],
                                      target.shape[1]),
            rate_label=maps[RATE_LABEL_KEY].long())

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

    def _check_lengths(self, maps: Dict[str, Tensor]) -> None:
        """Refuse samples drawn with another clip length or target length.

        Args:
            maps (dict[str, Tensor]): The stacked index maps; ``clip_inds``
                (N, L) and ``target_inds`` (N, L * r, 2).

        Raises:
            ValueError: Naming both lengths of the samples and the protocol.
        """
        drawn = (maps[CLIP_INDS_KEY].shape[1], maps[TARGET_INDS_KEY].shape[1])
        expected = (self.protocol.clip_len, self.protocol.target_len)
        if drawn != expected:
            raise ValueError(
                f'PRPDataPreprocessor: the samples have {drawn[0]}-frame '
                f'clips and {drawn[1]}-frame targets; the model\'s prp '
                f'(clip_len={self.protocol.clip_len}, recon_rate='
                f'{self.protocol.recon_rate}) needs {expected[0]} and '
                f'{expected[1]}: give the model and the datasets the same prp')

    def _attention(self, frames: Tensor, data_samples: SampleList,
                   rates: Tensor, target_len: int) -> Optional[Tensor]:
        """Motion attention of every sample, computed per rate group.

        Args:
            frames (Tensor): Decoded frames (N, T, C, H, W).
            data_samples (list[ActionDataSample]): With ``attention_inds``.
            rates (Tensor): (N,) playback rate of each sample.
            target_len (int): Frames of the target.

        Returns:
            Tensor | None: (N, C, target_len, H, W), or None without
            attention.

        Raises:
            KeyError: If the samples lack ``attention_inds``.
        """
        mode = self.protocol.attention
        if mode is None:
            return None
        if ATTENTION_KEY not in data_samples[0]:
            raise KeyError(
                f'prp.attention={mode!r} needs `{ATTENTION_KEY}`: set '
                f'PlaybackRateSampler(attention={mode!r}) and end the '
                f'pipeline with PackPRPInputs')
        num, _, channels, height, width = frames.shape
        attention = frames.new_empty(num, channels, target_len, height, width)
        for rate in torch.unique(rates).tolist():
            members = torch.nonzero(rates == rate).flatten()
            inds = torch.from_numpy(
                np.stack([
                    data_samples[i].get(ATTENTION_KEY)
                    for i in members.tolist()
                ])).to(frames.device)
            group = frames[members.view(-1, *[1] * (inds.ndim - 1)), inds]
            # sparse: (n, S, 4, C, H, W) -> (n, C, S, 4, H, W);
            # dense: (n, T, C, H, W) -> (n, C, T, H, W)
            attention[members] = ATTENTION_FUNCTIONS[mode](group.movedim(
                -3, 1), target_len, self.attention_range)
        return attention
