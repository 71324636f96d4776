"""Dilated sampling of PRP: a playback rate, a window, the frames it needs."""
import os.path as osp
import zlib
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...structures import (ATTENTION_KEY, CLIP_INDS_KEY, NUM_RATES_KEY,
                           NUM_SPARSE_FRAMES, PLAYBACK_RATE_KEY,
                           RATE_LABEL_KEY, TARGET_INDS_KEY, TARGET_VALID_KEY,
                           TARGET_WEIGHTS_KEY, PRPProtocol)
from .sample_rng import sample_rng

# Data-info key of a video's list entry, its path relative to data_prefix
# (set by PRPVideoDataset): what fixes the validation rate of the video.
RELATIVE_FILENAME_KEY = 'relative_filename'


class VideoTooShortError(ValueError):
    """A video has fewer frames than the smallest rate's window needs."""


class RateStarvationError(RuntimeError):
    """Too many consecutive videos were unusable for one kept rate."""


@TRANSFORMS.register_module()
class PlaybackRateSampler(BaseTransform):
    """Draw a playback rate and the frames that PRP needs for it.

    A rate ``s`` is drawn uniformly from ``rates``; the sampling window covers
    ``clip_len * s`` consecutive raw frames. Three views live in the window:

    * the input clip: every ``s``-th frame (``clip_len`` frames);
    * the reconstruction target: the clip slowed down ``recon_rate`` times
      (``clip_len * recon_rate`` frames at raw step ``s / recon_rate``).
      Where the step falls between raw frames (``s < recon_rate``) the frame
      is linearly interpolated and marked invalid, so the loss ignores it;
      the last slots repeat the window's last frame (also invalid);
    * the motion-attention frames: ``'sparse'`` (the authors' code) uses raw
      offsets 0, 5, 10, 15 of each ``clip_len``-frame segment, ``'dense'``
      (the paper) every raw frame of the window, ``None`` none.

    Only the distinct frames of the three views go to ``frame_inds``, sorted,
    so ``DecordDecode`` decodes each needed frame once (for rates 1, 2, 4, 8
    with ``recon_rate=2``, sparse: 16, 32, 40 and 56 frames). Index maps into
    the decoded frames let the model rebuild every view on its device after
    the usual resize / crop / flip, which then apply identically to all views.

    Too-short videos: a video needs ``clip_len * s`` frames for rate ``s``.
    In training, when it is too short for the drawn rate, the transform
    returns ``None`` and keeps the rate for its next call: mmengine's
    ``BaseDataset`` then immediately re-fetches a random other video in the
    same process, which gets the same rate. Rate labels therefore stay
    uniform (the authors' policy), and no frame is looped or dropped. After
    ``max_retries`` consecutive videos too short for a kept rate it raises
    :class:`RateStarvationError` (too few long videos for that rate). In
    ``test_mode`` the rate is fixed per video: a CRC-32 of its list entry
    (``relative_filename``, the path relative to ``data_prefix`` that
    :class:`~mmprp.datasets.PRPVideoDataset` adds), so moving the data or
    reading it through a symlinked root keeps the validation labels. In a
    dataset without that key (MMAction2's ``VideoDataset``) the hash is of
    the file name without its folders, which is just as stable; videos of the
    same name in different folders then share their validation rate. A video
    too short for its rate uses the largest rate that fits. A video shorter
    than ``clip_len * min(rates)`` frames can never be used and raises
    :class:`VideoTooShortError` (``PRPVideoDataset(bad_videos='skip')``
    skips it instead).

    Required Keys:

        - total_frames
        - start_index (optional, default 0)
        - relative_filename, else filename (test_mode only, to fix the rate
          per video)
        - rng (optional): the sample's ``np.random.Generator``

    Added Keys:

        - frame_inds: sorted distinct absolute frame indices to decode
        - clip_len: the number of those frames (for ``FormatShape``)
        - num_clips: 1
        - frame_interval: None
        - rate_label: index of the drawn rate in ``rates``
        - playback_rate: the drawn rate ``s``
        - num_rates: ``len(rates)``, which the rate head's ``num_classes``
          must equal (:class:`~mmprp.models.PRPHead` checks)
        - clip_inds: (clip_len,) positions of the input clip's frames in
          ``frame_inds``
        - target_inds: (clip_len * recon_rate, 2) positions of the two frames
          each target frame interpolates between
        - target_weights: (clip_len * recon_rate,) float32 weight of the
          second of them
        - target_valid: (clip_len * recon_rate,) bool, True for real frames
        - attention_inds: positions of the attention frames, (s, 4) for
          ``'sparse'`` and (clip_len * s,) for ``'dense'``; absent for None

    The four settings of :class:`~mmprp.structures.PRPProtocol` (a config's
    ``prp``, which the model takes too) are validated there; the keys it adds
    are the constants of :mod:`mmprp.structures.prp_protocol`.

    Args:
        rates (Sequence[int]): Candidate playback rates, strictly increasing
            positive integers (steps between the sampled raw frames);
            floats and bools are refused. Defaults to (1, 2, 4, 8).
        clip_len (int): Frames of the input clip. Defaults to 16.
        recon_rate (int): Slow-down factor ``r`` of the reconstruction
            target. Defaults to 2.
        attention (str, optional): ``'sparse'``, ``'dense'`` or None.
            Defaults to ``'sparse'``.
        test_mode (bool): Deterministic rate and centred window per video.
            Defaults to False.
        max_retries (int): Consecutive too-short videos tolerated for one
            kept rate before giving up. Defaults to 100.

    Randomness (the rate and the window start) comes from the sample's
    generator ``results['rng']``: :class:`~mmprp.datasets.PRPVideoDataset`
    fed by :class:`~mmprp.datasets.SeededSampler` seeds it by
    ``(seed, epoch, index)``, so a resumed run draws what an uninterrupted
    one does. Without it, from numpy's global generator, which mmengine
    seeds in every data-loader worker (``randomness=dict(seed=...)``).
    """

    def __init__(self,
                 rates: Sequence[int] = (1, 2, 4, 8),
                 clip_len: int = 16,
                 recon_rate: int = 2,
                 attention: Optional[str] = 'sparse',
                 test_mode: bool = False,
                 max_retries: int = 100) -> None:
        # validated, with the rates as Python ints
        self.rates = PRPProtocol(rates, clip_len, recon_rate, attention).rates
        self.clip_len = clip_len
        self.recon_rate = recon_rate
        self.attention = attention
        self.test_mode = test_mode
        self.max_retries = max_retries
        self._pending_rate_label: Optional[int] = None
        self._retries = 0
        self._num_draws = 0
        self._last_rate_label: Optional[int] = None
        self._layouts = {rate: self._layout(rate) for rate in self.rates}

    def _layout(self, rate: int) -> Dict[str, np.ndarray]:
        """Window offsets of every view and their positions among the
        distinct frames, for one rate."""
        window = self.clip_len * rate
        clip = np.arange(self.clip_len) * rate
        target_pos = np.arange(self.clip_len * self.recon_rate) * (
            rate / self.recon_rate)
        lower = np.floor(target_pos).astype(np.int64)
        upper = np.minimum(np.ceil(target_pos).astype(np.int64), window - 1)
        weights = np.where(upper > lower, target_pos - lower, 0.0)
        valid = target_pos == lower
        views = [clip, lower, upper]
        attention = self._attention_offsets(rate)
        if attention is not None:
            views.append(attention.ravel())
        offsets = np.unique(np.concatenate(views))
        layout = {
            'offsets':
            offsets,
            CLIP_INDS_KEY:
            np.searchsorted(offsets, clip),
            TARGET_INDS_KEY:
            np.searchsorted(offsets, np.stack([lower, upper], axis=1)),
            TARGET_WEIGHTS_KEY:
            weights.astype(np.float32),
            TARGET_VALID_KEY:
            valid
        }
        if attention is not None:
            layout[ATTENTION_KEY] = np.searchsorted(offsets, attention)
        return layout

    def _attention_offsets(self, rate: int) -> Optional[np.ndarray]:
        if self.attention == 'dense':
            return np.arange(self.clip_len * rate)
        if self.attention == 'sparse':
            within = np.linspace(0, self.clip_len - 1,
                                 NUM_SPARSE_FRAMES).round().astype(int)
            segments = np.arange(rate)[:, None] * self.clip_len
            return segments + within[None, :]
        return None

    def _draw_rate_label(self, rng: np.random.Generator) -> int:
        self._num_draws += 1
        if self._pending_rate_label is not None:
            label, self._pending_rate_label = self._pending_rate_label, None
        else:
            label = int(rng.integers(len(self.rates)))
        self._last_rate_label = label
        return label

    @contextmanager
    def rate_kept_on_error(self) -> Iterator[None]:
        """Give the rate drawn inside the block to the next sample on error.

        The dataset wraps the pipeline run of one training video in it: when
        the video turns out unusable after this sampler drew its rate (an
        unreadable or truncated file that ``bad_videos='skip'`` replaces),
        the replacement gets the same rate, so rate labels stay uniform. The
        error propagates unchanged.

        Raises:
            RateStarvationError: After ``max_retries`` consecutive kept
                rates.
        """
        draws = self._num_draws
        try:
            yield
        except Exception:
            if self._num_draws != draws:
                self.keep_rate(self._last_rate_label)
            raise

    def keep_rate(self, label: int) -> None:
        """Give ``label`` to the next training sample.

        Used when a sample is dropped after its rate was drawn (a video too
        short for it, see also :meth:`rate_kept_on_error`), so that
        re-fetching keeps the labels uniform; also a way to ask for a rate.

        Args:
            label (int): Index of the rate in ``rates``.

        Raises:
            RateStarvationError: After ``max_retries`` consecutive kept
                rates.
        """
        self._retries += 1
        if self._retries > self.max_retries:
            self._retries = 0
            window = self.clip_len * self.rates[label]
            raise RateStarvationError(
                f'PlaybackRateSampler: {self.max_retries} videos in a row '
                f'were too short or unreadable for rate {self.rates[label]} '
                f'({window} frames); drop that rate or the short videos '
                f'(tools/misc/scan_videos.py lists them)')
        self._pending_rate_label = label

    def _check_usable(self, results: Dict, total_frames: int) -> None:
        needed = self.clip_len * self.rates[0]
        if total_frames < needed:
            name = results.get('filename', results.get('frame_dir', 'video'))
            raise VideoTooShortError(
                f'{name} has {total_frames} frames, fewer than the {needed} '
                f'that the smallest rate {self.rates[0]} needs')

    @staticmethod
    def _video_key(results: Dict) -> str:
        """The list entry of the video, else its file name without folders."""
        if RELATIVE_FILENAME_KEY in results:
            return str(results[RELATIVE_FILENAME_KEY])
        path = str(results.get('filename', results.get('frame_dir', '')))
        return osp.basename(osp.normpath(path))

    def _test_rate_label(self, results: Dict, total_frames: int) -> int:
        key = self._video_key(results)
        label = zlib.crc32(key.encode()) % len(self.rates)
        fitting = [
            index for index, rate in enumerate(self.rates)
            if self.clip_len * rate <= total_frames
        ]
        return min(label, fitting[-1])

    def transform(self, results: Dict) -> Optional[Dict]:
        """Sample the frames of one PRP training example.

        Args:
            results (dict): The result dict, with ``total_frames``.

        Returns:
            dict | None: The result dict with the keys listed in the class
            docstring, or None (training only) when the video is too short
            for the drawn rate.

        Raises:
            VideoTooShortError: If the video is too short for every rate.
        """
        total_frames = int(results['total_frames'])
        self._check_usable(results, total_frames)
        rng = None if self.test_mode else sample_rng(results)
        if self.test_mode:
            label = self._test_rate_label(results, total_frames)
        else:
            label = self._draw_rate_label(rng)
        rate = self.rates[label]
        slack = total_frames - self.clip_len * rate
        if slack < 0:
            self.keep_rate(label)
            return None
        self._retries = 0
        start = slack // 2 if self.test_mode else int(rng.integers(slack + 1))
        layout = self._layouts[rate]
        frame_inds = layout['offsets'] + start + results.get('start_index', 0)
        results.update(
            frame_inds=frame_inds.astype(np.int64),
            clip_len=len(frame_inds),
            num_clips=1,
            frame_interval=None,
            **{
                RATE_LABEL_KEY: label,
                PLAYBACK_RATE_KEY: rate,
                NUM_RATES_KEY: len(self.rates)
            },
            **{
                key: value
                for key, value in layout.items() if key != 'offsets'
            })
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(rates={self.rates}, '
                f'clip_len={self.clip_len}, recon_rate={self.recon_rate}, '
                f'attention={self.attention!r}, test_mode={self.test_mode})')
