"""Encoder activation maps on video frames (the paper's Fig. 6).

A centred clip at playback rate 1 goes through the config's resize and crop
and the model's encoder; the encoder map (N, C, T', H', W') is summarised
over channels (mean absolute activation, or the L2 norm) and time,
upsampled to the frame size and overlaid on the clip's middle frame. Several
checkpoints (for instance PRP and a random initialisation) give one overlay
column each, side by side.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import Normalize
from mmengine.config import Config, ConfigDict
from torch import Tensor, nn

from ..apis import (build_model, load_config, load_video_batch, pipeline_steps,
                    step_index, with_frame_indices)
from ..utils.typing_utils import PathLike
from .figure import (add_colorbar, new_figure, overlay_heatmap, save_figure,
                     show_image, to_display)

REDUCTIONS = ('mean-abs', 'l2')
PANEL_SIZE = (2.4, 2.6)
EXTRA_SIZE = (1.1, 0.7)


@dataclass
class ActivationMap:
    """One video's middle frame and its activation map under one model.

    Attributes:
        frame (np.ndarray): The clip's middle frame (H, W, 3) in [0, 1].
        frame_index (int): Its raw frame index in the video.
        clip_frames (tuple[int, int]): First and last raw frame of the clip.
        heatmap (np.ndarray): (H, W) activation, min-max normalised to
            [0, 1].
        value_range (tuple[float, float]): The map's values before
            normalisation (at the encoder's resolution).
        feat_shape (tuple[int, ...]): Encoder map shape (C, T', H', W').
    """

    frame: np.ndarray
    frame_index: int
    clip_frames: Tuple[int, int]
    heatmap: np.ndarray
    value_range: Tuple[float, float]
    feat_shape: Tuple[int, ...]


def activation_pipeline(cfg: Config, clip_len: int = 16) -> List[ConfigDict]:
    """The validation pipeline with a centred ``clip_len`` clip at rate 1.

    The config's frame sampler (the step before the decoder) becomes
    MMAction2's ``SampleFrames`` in test mode; resize, crop and format steps
    stay as configured.

    Args:
        cfg (Config): Any MMAction2 video config.
        clip_len (int): Frames of the clip. Defaults to 16.

    Returns:
        list[ConfigDict]: The steps.
    """
    steps = with_frame_indices(pipeline_steps(cfg))
    decode = step_index(steps, 'Decode')
    sampler = dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=1,
        num_clips=1,
        test_mode=True)
    return steps[:decode - 1] + [sampler] + steps[decode:]


def reduce_feature_map(feats: Tensor, reduction: str = 'mean-abs') -> Tensor:
    """Summarise an encoder map over channels and time.

    Args:
        feats (Tensor): (N, C, T', H', W').
        reduction (str): ``'mean-abs'`` (mean absolute activation over
            channels) or ``'l2'`` (L2 norm over channels). Defaults to
            ``'mean-abs'``.

    Returns:
        Tensor: (N, H', W'), averaged over T'.

    Raises:
        ValueError: If ``feats`` is not 5-D or ``reduction`` is unknown.
    """
    if feats.ndim != 5:
        raise ValueError(f'the backbone returns shape {tuple(feats.shape)}, '
                         f'not a 5-D map (N, C, T, H, W): use a config whose '
                         f'backbone keeps its spatial map')
    if reduction == 'mean-abs':
        per_time = feats.abs().mean(1)
    elif reduction == 'l2':
        per_time = feats.norm(dim=1)
    else:
        raise ValueError(f'reduction must be one of {REDUCTIONS}, '
                         f'got {reduction!r}')
    return per_time.mean(1)


def _normalise(heat: Tensor) -> Tensor:
    """Min-max rescale a map to [0, 1] (a constant map becomes 0)."""
    low, high = heat.min(), heat.max()
    return (heat - low) / (high - low).clamp_min(1e-12)


@torch.no_grad()
def compute_activation_map(model: nn.Module,
                           steps: List[ConfigDict],
                           video: PathLike,
                           reduction: str = 'mean-abs') -> ActivationMap:
    """The activation map of one video's clip under one model.

    Args:
        model (nn.Module): A recognizer with a ``backbone``.
        steps (list[ConfigDict]): From :func:`activation_pipeline`.
        video (str | Path): The video file.
        reduction (str): See :func:`reduce_feature_map`.

    Returns:
        ActivationMap: The frame and the map.
    """
    batch = load_video_batch(steps, video, model)
    clip = batch['inputs'].flatten(0, 1)  # (N * clips, C, T, H, W)
    feats = model.backbone(clip)
    heat = reduce_feature_map(feats, reduction)[0]
    frames = to_display(clip[0], model.data_preprocessor)
    size = frames.shape[1:3]
    upsampled = F.interpolate(
        heat[None, None], size=size, mode='bilinear', align_corners=False)[0,
                                                                           0]
    frame_inds = np.asarray(batch['data_samples'][0].frame_inds)
    middle = len(frames) // 2
    return ActivationMap(
        frame=frames[middle],
        frame_index=int(frame_inds[middle]),
        clip_frames=(int(frame_inds[0]), int(frame_inds[-1])),
        heatmap=_normalise(upsampled).cpu().numpy(),
        value_range=(float(heat.min()), float(heat.max())),
        feat_shape=tuple(feats.shape[1:]))


def plot_activation_maps(maps: Dict[str, List[ActivationMap]],
                         videos: Sequence[PathLike],
                         out_png: PathLike,
                         reduction: str = 'mean-abs') -> Path:
    """One row per video: its frame, then one overlay per model.

    Args:
        maps (dict[str, list[ActivationMap]]): Model label to the maps of
            ``videos``, in order.
        videos (Sequence[str | Path]): The videos.
        out_png (str | Path): Output PNG.
        reduction (str): Named in the title.

    Returns:
        Path: The written PNG.
    """
    fig, axes = new_figure(len(videos), 1 + len(maps), PANEL_SIZE, EXTRA_SIZE)
    norm = Normalize(0., 1.)
    for row, video in enumerate(videos):
        first = next(iter(maps.values()))[row]
        show_image(
            axes[row, 0], first.frame,
            f'{Path(video).name}\nframe {first.frame_index} '
            f'(clip {first.clip_frames[0]}-{first.clip_frames[1]})')
        for col, (label, per_video) in enumerate(maps.items(), start=1):
            found = per_video[row]
            low, high = found.value_range
            show_image(axes[row, col], found.frame,
                       f'{label}\nvalues {low:.3g} to {high:.3g}')
            overlay_heatmap(axes[row, col], found.heatmap, norm)
    add_colorbar(fig, axes[:, 1:].flat, norm,
                 'activation\n(min-max normalised per map)')
    summary = ('mean |activation|' if reduction == 'mean-abs' else
               'L2 norm') + ' over channels, mean over time'
    shape = 'x'.join(map(str, first.feat_shape))
    fig.suptitle(
        f'Encoder activation maps\n{summary}\nencoder map '
        f'C x T\' x H\' x W\' = {shape}, upsampled',
        fontsize=10)
    return save_figure(fig, out_png)


def default_label(checkpoint: Optional[PathLike]) -> str:
    """``'random init'`` for None, else the checkpoint's file name.

    Args:
        checkpoint (str | Path, optional): A checkpoint.

    Returns:
        str: The label.
    """
    return 'random init' if checkpoint is None else Path(checkpoint).name


def visualize_activations(
        config: Union[PathLike, Config],
        checkpoints: Sequence[Optional[PathLike]],
        videos: Sequence[PathLike],
        out_png: PathLike,
        labels: Optional[Sequence[str]] = None,
        reduction: str = 'mean-abs',
        clip_len: int = 16,
        seed: int = 0,
        device: str = 'cpu') -> Dict[str, List[ActivationMap]]:
    """Activation maps of several checkpoints on several videos.

    Args:
        config (str | Path | Config): Config of the model and pipeline.
        checkpoints (Sequence[str | Path | None]): Checkpoints; None is the
            config's random initialisation (seeded).
        videos (Sequence[str | Path]): Video files.
        out_png (str | Path): Output PNG.
        labels (Sequence[str], optional): One per checkpoint; defaults to
            :func:`default_label`.
        reduction (str): See :func:`reduce_feature_map`.
        clip_len (int): Frames of the clip. Defaults to 16.
        seed (int): Seed of random initialisations. Defaults to 0.
        device (str): Defaults to ``'cpu'``.

    Returns:
        dict[str, list[ActivationMap]]: Label to the maps of ``videos``.

    Raises:
        ValueError: If labels and checkpoints differ in number or repeat.
    """
    labels = list(labels or [default_label(c) for c in checkpoints])
    if len(labels) != len(checkpoints) or len(set(labels)) != len(labels):
        raise ValueError(f'need one distinct label per checkpoint, got '
                         f'{labels} for {len(checkpoints)} checkpoints')
    cfg = load_config(config)
    steps = activation_pipeline(cfg, clip_len)
    maps = {}
    for label, checkpoint in zip(labels, checkpoints):
        model = build_model(cfg, checkpoint, seed, device)
        maps[label] = [
            compute_activation_map(model, steps, video, reduction)
            for video in videos
        ]
    plot_activation_maps(maps, videos, out_png, reduction)
    return maps
