"""Motion attention maps over the reconstruction target (the paper's Fig. 4).

The config's validation pipeline samples one video exactly as PRP does; the
model's data preprocessor (:class:`PRPDataPreprocessor`) then builds the
input clip, the slowed-down target and the motion attention that weights the
reconstruction loss. The figure shows evenly spaced input-clip frames and
target frames with the attention overlaid, each titled with its raw frame
index (and, for the target, whether the frame is real or interpolated); with
a checkpoint a third row shows the decoder's reconstruction.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from matplotlib.colors import Normalize
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from torch import nn

from ..apis import (build_model, load_config, load_video_batch, pipeline_steps,
                    step_index, with_frame_indices)
from ..structures import MOTION_ATTENTION_KEY
from ..utils.typing_utils import PathLike
from .figure import (add_colorbar, new_figure, overlay_heatmap, save_figure,
                     show_image, to_display)

PANEL_SIZE = (1.7, 2.0)
EXTRA_SIZE = (1.0, 0.6)


@dataclass
class MotionAttentionViews:
    """What the figure shows, as arrays.

    Attributes:
        clip (np.ndarray): Input clip (L, H, W, 3) in [0, 1].
        target (np.ndarray): Target (L * r, H, W, 3) in [0, 1].
        attention (np.ndarray): Motion attention (L * r, H, W), mean over
            the colour channels.
        clip_frames (np.ndarray): (L,) raw frame index of each clip frame.
        target_positions (np.ndarray): (L * r,) raw frame position each
            target frame stands for (x.5 between two raw frames).
        target_kinds (list[str]): Per target frame ``'real'``,
            ``'interpolated'`` (between two raw frames) or ``'repeated'``
            (the window's last frame repeated past its end); only real ones
            count in the loss.
        playback_rate (int): Rate ``s`` of the clip.
        recon_rate (int): Slow-down ``r`` of the target.
        attention_range (tuple[float, float]): ``(lambda1, lambda2)``.
        sampling (str): How the window was drawn, for the figure.
        reconstruction (np.ndarray, optional): Decoder output like
            ``target`` (with a checkpoint).
        predicted_rate (tuple[int, float], optional): Rate predicted by the
            rate head and its probability (with a checkpoint).
    """

    clip: np.ndarray
    target: np.ndarray
    attention: np.ndarray
    clip_frames: np.ndarray
    target_positions: np.ndarray
    target_kinds: List[str]
    playback_rate: int
    recon_rate: int
    attention_range: Tuple[float, float]
    sampling: str
    reconstruction: Optional[np.ndarray] = None
    predicted_rate: Optional[Tuple[int, float]] = None


@contextmanager
def _numpy_seed(seed: Optional[int]) -> Iterator[None]:
    """Seed numpy's global generator inside the block, then restore it."""
    state = np.random.get_state()
    if seed is not None:
        np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def attention_pipeline(cfg: Config,
                       rate: Optional[int] = None,
                       seed: Optional[int] = None) -> Tuple[List, Tuple[int]]:
    """The validation pipeline with the sampler to visualise.

    Args:
        cfg (Config): A PRP config.
        rate (int, optional): Force this playback rate (one of the config's
            rates). Defaults to None (the validation sampler's choice).
        seed (int, optional): Draw the window (and the rate, unless given)
            at random like the training sampler. Defaults to None (the
            validation sampler's centred window).

    Returns:
        tuple[list, tuple[int]]: The steps (the sampler built) and the
        config's rates (the rate head's classes).

    Raises:
        ValueError: If ``rate`` is not one of the config's rates.
    """
    steps = with_frame_indices(pipeline_steps(cfg))
    index = step_index(steps, 'PlaybackRateSampler')
    sampler_cfg = dict(steps[index], test_mode=seed is None)
    rates = TRANSFORMS.build(sampler_cfg).rates
    if rate is not None:
        if rate not in rates:
            raise ValueError(f'rate {rate} is not one of the config\'s '
                             f'rates {rates}')
        sampler_cfg['rates'] = (rate, )
    steps[index] = TRANSFORMS.build(sampler_cfg)
    return steps, rates


def _target_layout(
        sample: ActionDataSample) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Raw frame indices of the clip, positions and kinds of the target.

    Args:
        sample (ActionDataSample): With the sampler's index maps and
            ``frame_inds``.

    Returns:
        tuple: Clip frame indices (L,), target positions (L * r,) and
        target kinds.
    """
    frames = np.asarray(sample.frame_inds)
    clip_frames = frames[np.asarray(sample.clip_inds)]
    valid = np.asarray(sample.target_valid)
    weights = np.asarray(sample.target_weights)
    step = sample.playback_rate / (len(valid) // len(clip_frames))
    positions = clip_frames[0] + step * np.arange(len(valid))
    kinds = [
        'real' if ok else 'interpolated' if weight > 0 else 'repeated'
        for ok, weight in zip(valid, weights)
    ]
    return clip_frames, positions, kinds


def _decode(
        model: nn.Module, views: Dict, rates: Sequence[int]
) -> Tuple[torch.Tensor, Optional[Tuple[int, float]]]:
    """Reconstruction and rate prediction of the clip.

    Args:
        model (nn.Module): The PRP model.
        views (dict): ``clip`` and ``target`` (1, C, T, H, W).
        rates (Sequence[int]): The rate head's classes.

    Returns:
        tuple: The decoder output (1, C, L * r, H, W) and the predicted
        rate with its probability (None without a rate head).
    """
    feats = model.extract_feat(views['clip'])
    recon = model.decoder(feats, tuple(views['target'].shape[2:]))
    if model.rate_head is None:
        return recon, None
    probs = model.rate_head(feats).softmax(-1)[0]
    best = int(probs.argmax())
    return recon, (rates[best], float(probs[best]))


@torch.no_grad()
def compute_motion_attention(model: nn.Module,
                             cfg: Config,
                             video: PathLike,
                             rate: Optional[int] = None,
                             seed: Optional[int] = None,
                             decode: bool = False) -> MotionAttentionViews:
    """Sample a video as PRP does and build its views and motion attention.

    Args:
        model (nn.Module): A :class:`SelfSupRecognizer` with a decoder that
            uses motion attention.
        cfg (Config): Its config (the validation pipeline is used).
        video (str | Path): The video file.
        rate (int, optional): See :func:`attention_pipeline`.
        seed (int, optional): See :func:`attention_pipeline`.
        decode (bool): Also run the encoder, decoder and rate head (worth it
            with trained weights). Defaults to False.

    Returns:
        MotionAttentionViews: The arrays to draw.

    Raises:
        ValueError: If the model is not PRP's or has no motion attention.
    """
    preprocessor = model.data_preprocessor
    if not hasattr(preprocessor, 'prepare_views'):
        raise ValueError(f'{type(model).__name__} builds no PRP views: use '
                         f'a PRP config (SelfSupRecognizer)')
    steps, rates = attention_pipeline(cfg, rate, seed)
    with _numpy_seed(seed):
        batch = load_video_batch(steps, video, model)
    sample = batch['data_samples'][0]
    if MOTION_ATTENTION_KEY not in sample:
        raise ValueError('the model uses no motion attention '
                         '(prp.attention=None): nothing to show')
    views = dict(clip=batch['inputs'], target=sample.recon_target[None])
    clip_frames, positions, kinds = _target_layout(sample)
    result = MotionAttentionViews(
        clip=to_display(views['clip'][0], preprocessor),
        target=to_display(views['target'][0], preprocessor),
        attention=sample.motion_attention.mean(0).cpu().numpy(),
        clip_frames=clip_frames,
        target_positions=positions,
        target_kinds=kinds,
        playback_rate=int(sample.playback_rate),
        recon_rate=model.decoder.recon_rate,
        attention_range=preprocessor.attention_range,
        sampling=('validation sampler (centred window)' if seed is None else
                  f'training sampler (random window, seed {seed})'))
    if decode:
        recon, result.predicted_rate = _decode(model, views, rates)
        result.reconstruction = to_display(recon[0], preprocessor)
    return result


def evenly_spaced(total: int, count: int) -> np.ndarray:
    """Up to ``count`` distinct indices spread over ``range(total)``.

    Args:
        total (int): Number of items.
        count (int): Wanted number of indices.

    Returns:
        np.ndarray: Sorted indices, first and last included.
    """
    return np.unique(np.linspace(0, total - 1, count).round().astype(int))


def _target_title(position: float, kind: str) -> str:
    """Panel title of a target frame: raw position and kind."""
    if kind == 'repeated':
        return f'frame {position:g}\nrepeats {int(position)}'
    return f'frame {position:g}\n{kind}'


def _suptitle(views: MotionAttentionViews, video_name: str) -> str:
    """Figure title: video, rates, sampling and the predicted rate."""
    s, r = views.playback_rate, views.recon_rate
    lines = [
        f'{video_name}: playback rate s = {s} (input clip frames {s} raw '
        f'frames apart), reconstruction rate r = {r} (target frames '
        f'{s}/{r} = {s / r:g} apart)',
        f'{views.sampling}; interpolated and repeated target frames are '
        f'masked out of the loss'
    ]
    if views.predicted_rate is not None:
        rate, prob = views.predicted_rate
        lines.append(f'rate head predicts s = {rate} (p = {prob:.2f})')
    return '\n'.join(lines)


def plot_motion_attention(views: MotionAttentionViews,
                          out_png: PathLike,
                          video_name: str,
                          num_frames: int = 8) -> Path:
    """Draw clip frames, target frames with attention and reconstructions.

    Args:
        views (MotionAttentionViews): From :func:`compute_motion_attention`.
        out_png (str | Path): Output PNG.
        video_name (str): Shown in the title.
        num_frames (int): Frames per row. Defaults to 8.

    Returns:
        Path: The written PNG.
    """
    clip_idx = evenly_spaced(len(views.clip), num_frames)
    target_idx = evenly_spaced(len(views.target), num_frames)
    rows = 2 if views.reconstruction is None else 3
    fig, axes = new_figure(rows, max(len(clip_idx), len(target_idx)),
                           PANEL_SIZE, EXTRA_SIZE)
    for ax in axes.flat:
        ax.set_axis_off()
    for col, i in enumerate(clip_idx):
        axes[0, col].set_axis_on()
        show_image(
            axes[0, col], views.clip[i],
            f'frame {views.clip_frames[i]}\nclip {i + 1}/'
            f'{len(views.clip)}', 'input clip' if col == 0 else None)
    norm = Normalize(*views.attention_range)
    for col, i in enumerate(target_idx):
        title = _target_title(views.target_positions[i], views.target_kinds[i])
        axes[1, col].set_axis_on()
        show_image(axes[1, col], views.target[i], title,
                   'target +\nmotion attention' if col == 0 else None)
        overlay_heatmap(axes[1, col], views.attention[i], norm)
        if views.reconstruction is not None:
            axes[2, col].set_axis_on()
            show_image(axes[2, col], views.reconstruction[i],
                       f'frame {views.target_positions[i]:g}',
                       'decoder output' if col == 0 else None)
    low, high = views.attention_range
    add_colorbar(
        fig,
        axes[1],
        norm,
        'motion attention\n(loss weight)',
        ticks=np.linspace(low, high, 7))
    fig.suptitle(_suptitle(views, video_name), fontsize=10)
    return save_figure(fig, out_png)


def visualize_motion_attention(config: Union[PathLike, Config],
                               video: PathLike,
                               out_png: PathLike,
                               rate: Optional[int] = None,
                               seed: Optional[int] = None,
                               checkpoint: Optional[PathLike] = None,
                               num_frames: int = 8,
                               device: str = 'cpu') -> MotionAttentionViews:
    """Build the config's model, sample ``video`` and draw the figure.

    The attention needs no weights; a checkpoint adds the decoder's
    reconstruction and the rate head's prediction.

    Args:
        config (str | Path | Config): A PRP config.
        video (str | Path): The video file.
        out_png (str | Path): Output PNG.
        rate (int, optional): See :func:`attention_pipeline`.
        seed (int, optional): See :func:`attention_pipeline`.
        checkpoint (str | Path, optional): PRP checkpoint of the config's
            model; it must fill the encoder, the rate head and the decoder.
        num_frames (int): Frames per row. Defaults to 8.
        device (str): Defaults to ``'cpu'``.

    Returns:
        MotionAttentionViews: The arrays drawn.

    Raises:
        ValueError: If the checkpoint is of another model.
    """
    cfg = load_config(config)
    model = build_model(
        cfg,
        checkpoint,
        device=device,
        required=('backbone', 'rate_head', 'decoder'))
    views = compute_motion_attention(
        model, cfg, video, rate, seed, decode=checkpoint is not None)
    plot_motion_attention(views, out_png, Path(video).name, num_frames)
    return views
