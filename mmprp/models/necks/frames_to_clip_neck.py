"""Per-frame (2-D-plus-time) backbone outputs to one 5-D encoder map."""
from typing import Optional, Union

from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor


@MODELS.register_module()
class FramesToClipNeck(BaseModule):
    """Runs a per-frame backbone (TSM, TSN, TANet...) on PRP clips.

    Such backbones take frames (N * T, C, H, W) and return per-frame maps
    (N * T, C', H', W'). :meth:`backbone_input` (called by
    :class:`SelfSupRecognizer` before the backbone) turns the clips
    (N, C, T, H, W) into frames; :meth:`forward` stacks the frame maps back
    into a clip map (N, C', T, H', W'). The map keeps all T frames (no
    temporal downsampling), so the decoder upsamples time by r alone. No
    parameters.

    Args:
        num_segments (int): Frames per clip, T: the PlaybackRateSampler's
            ``clip_len`` and the backbone's own ``num_segments`` (TSM
            shifts channels between the frames of a segment group).
        init_cfg (dict, optional): Unused (no parameters). Defaults to None.

    Raises:
        ValueError: If ``num_segments`` is not positive.
    """

    def __init__(self,
                 num_segments: int,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_segments < 1:
            raise ValueError(
                f'num_segments must be positive, got {num_segments}')
        self.num_segments = num_segments

    def backbone_input(self, clips: Tensor) -> Tensor:
        """Frames of the clips, clip by clip.

        Args:
            clips (Tensor): (N, C, T, H, W) with T = ``num_segments``.

        Returns:
            Tensor: (N * T, C, H, W).

        Raises:
            ValueError: If T is not ``num_segments``.
        """
        if clips.ndim != 5 or clips.shape[2] != self.num_segments:
            raise ValueError(
                f'FramesToClipNeck(num_segments={self.num_segments}) needs '
                f'clips (N, C, {self.num_segments}, H, W), got '
                f'{tuple(clips.shape)}: set num_segments (and the '
                f"backbone's) to the PlaybackRateSampler's clip_len")
        return clips.transpose(1, 2).flatten(0, 1)

    def forward(self, frame_maps: Tensor) -> Tensor:
        """Stack per-frame maps into clip maps.

        Args:
            frame_maps (Tensor): (N * T, C', H', W') with T =
                ``num_segments``.

        Returns:
            Tensor: (N, C', T, H', W').

        Raises:
            ValueError: If the input is not such a 4-D tensor.
        """
        if (not isinstance(frame_maps, Tensor) or frame_maps.ndim != 4
                or frame_maps.shape[0] % self.num_segments):
            shape = tuple(frame_maps.shape) if isinstance(
                frame_maps, Tensor) else type(frame_maps).__name__
            raise ValueError(
                f'FramesToClipNeck(num_segments={self.num_segments}) takes '
                f'per-frame maps (N * {self.num_segments}, C, H, W), got '
                f'{shape}')
        return frame_maps.unflatten(0, (-1, self.num_segments)).transpose(1, 2)
