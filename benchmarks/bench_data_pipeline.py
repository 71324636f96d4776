"""Samples/s and decoded frames: PRP's training pipeline vs the authors' path.

PIPELINE: exactly ``train_pipeline`` of ``configs/prp/prp_c3d_ucf101.py``
(DecordInitByPath -> PlaybackRateSampler -> DecordDecode -> Resize 171x128 ->
CenterCrop 112 -> FormatShape -> PackPRPInputs), built from MMAction2's
``TRANSFORMS`` into a ``Compose``. It decodes only the distinct frames a
sample needs; the clip, target and motion attention are built later, on the
model's device (``SelfSupRecognizer.prepare_views``), so its cost ends at
packing.

BASELINE: the authors' data path (``datasets/predict_dataset.py`` of their
code) reproduced per sample in this process: the same rate and window draw
(same seed, same ``sample_rng``), decoding EVERY frame from the first through
the end of the ``16 * s`` window sequentially, as their ``cv2.VideoCapture``
loop does; here ``decord.VideoReader.get_batch(range(0, end))``, which
decodes forward from frame 0 and converts every frame to RGB, like
``capture.read()``. Then each of the ``16 * s`` window frames is resized and
centre-cropped (MMAction2's ``Resize`` / ``CenterCrop`` of the same config:
cv2, faster than the authors' PIL, so the baseline is if anything
flattered), scaled to a float tensor in [0, 1] (their ``ToTensor``) and, on
the CPU, the input clip (every s-th frame), the slowed-down target (every
``s / r``-th frame; linear interpolation for ``s < r``: f0, (f0+f1)/2, f1,
..., f15, f15) and the sparse motion mask (the authors' code, computed by
``mmprp``'s ``sparse_motion_attention`` on the CPU: frames 0, 5, 10, 15 of
each 16-frame segment) are built. Both sides open the video with the same
``DecordInitByPath``, so opening costs the same.

Each sample is drawn once with a seed and run through both sides, the order
alternating per sample so that load changes hit both; the input clips of
both sides are checked to be identical (same video, rate and window). A few
warm-up samples are not timed. Torch runs with one thread, as in the
DataLoader workers where both paths run in training (decord uses one
thread too: ``DecordInitByPath``'s default).

Frames decoded per sample: the frames the decoder returns (the pipeline:
its ``frame_inds``; the baseline: ``start + 16 * s``). Because MPEG-4 frames
between key frames depend on their predecessors, the codec decodes more than
it returns; ``codec_frames`` estimates that count from the key-frame index,
following decord 0.6's ``VideoReader::SeekAccurate`` (forward within a group
of pictures, else a jump to the key frame before the wanted frame).

Usage (from the repository root)::

    python -m benchmarks.bench_data_pipeline --quick --json out.json
"""
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import decord
import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from torch import Tensor

from mmprp.datasets.transforms import sample_rng
from mmprp.models.losses.motion_attention import sparse_motion_attention
from benchmarks.common import (Video, base_parser, build_pipeline,
                               check_targets, format_table, load_average,
                               load_config, load_text, make_videos,
                               pipeline_input, pipeline_step, quiet_notices,
                               target_lines, write_json)

# The authors' sparse attention frames inside each 16-frame segment.
AUTHORS_ATTENTION_OFFSETS = (0, 5, 10, 15)
TARGETS = dict(speedup=('>=', 3.0), decoded_frames_ratio=('<=', 0.5))
# PyTorch's DataLoader workers, where both data paths run in training, use
# one intra-op thread.
WORKER_THREADS = 1


class AuthorsDataPath:
    """The authors' per-sample data path (see the module docstring).

    Args:
        train_pipeline (Sequence[dict]): The PRP config's training pipeline;
            its ``DecordInitByPath``, ``PlaybackRateSampler`` (rates, clip
            length, reconstruction rate), ``Resize`` and ``CenterCrop`` are
            used.
    """

    def __init__(self, train_pipeline: Sequence[dict]) -> None:
        self.open = TRANSFORMS.build(
            pipeline_step(train_pipeline, 'DecordInitByPath'))
        self.resize_crop = build_pipeline([
            pipeline_step(train_pipeline, 'Resize'),
            pipeline_step(train_pipeline, 'CenterCrop')
        ])
        sampler = pipeline_step(train_pipeline, 'PlaybackRateSampler')
        self.rates = tuple(sampler['rates'])
        self.clip_len = sampler['clip_len']
        self.recon_rate = sampler['recon_rate']

    def __call__(self, results: Dict) -> Dict:
        """Load one training sample the authors' way.

        Args:
            results (dict): What ``VideoDataset`` gives a pipeline (see
                :func:`pipeline_input`).

        Returns:
            dict: ``clip`` (C, 16, H, W), ``target`` (C, 16r, H, W) and
            ``attention`` (C, 16r, H, W) float tensors; ``rate``, ``start``
            (first window frame) and ``decoded`` (frames decoded).
        """
        results = self.open(results)
        rng = sample_rng(results)
        rate = self.rates[rng.integers(len(self.rates))]
        window_len = self.clip_len * rate
        start = int(rng.integers(results['total_frames'] - window_len + 1))
        end = start + window_len
        frames = results['video_reader'].get_batch(list(range(end)))
        frames = frames.asnumpy()[start:]
        imgs = self.resize_crop(
            dict(imgs=list(frames), img_shape=frames.shape[1:3]))['imgs']
        window = torch.from_numpy(np.stack(imgs)).permute(3, 0, 1, 2)
        window = window.float().div_(255)
        target = self._slowed_down(window, rate)
        return dict(
            clip=window[:, ::rate],
            target=target,
            attention=self._attention(window, rate, target.shape[1]),
            rate=rate,
            start=start,
            decoded=end)

    def _slowed_down(self, window: Tensor, rate: int) -> Tensor:
        """The clip slowed down ``recon_rate`` times (interpolated if needed).

        Args:
            window (Tensor): The window's frames (C, 16 * rate, H, W).
            rate (int): The playback rate.

        Returns:
            Tensor: (C, 16 * recon_rate, H, W).
        """
        if rate >= self.recon_rate:
            return window[:, ::rate // self.recon_rate]
        position = torch.arange(self.clip_len * self.recon_rate) * (
            rate / self.recon_rate)
        lower = position.floor().long()
        upper = position.ceil().long().clamp(max=window.shape[1] - 1)
        weight = (position - lower).view(1, -1, 1, 1)
        return torch.lerp(window[:, lower], window[:, upper], weight)

    def _attention(self, window: Tensor, rate: int, target_len: int) -> Tensor:
        """The sparse motion mask of one window, on the CPU.

        Args:
            window (Tensor): The window's frames (C, 16 * rate, H, W).
            rate (int): The playback rate (number of 16-frame segments).
            target_len (int): Frames of the target.

        Returns:
            Tensor: (C, target_len, H, W).
        """
        channels, _, height, width = window.shape
        segments = window.view(channels, rate, self.clip_len, height, width)
        selected = segments[:, :, list(AUTHORS_ATTENTION_OFFSETS)]
        return sparse_motion_attention(selected[None], target_len)[0]


def codec_frames(indices: Sequence[int], key_frames: np.ndarray) -> int:
    """Estimate the frames decord 0.6's codec decodes for ``get_batch``.

    On a freshly opened reader (position 0), each wanted frame in the
    current group of pictures and not behind the position is reached by
    decoding forward; any other by seeking to its group's key frame and
    decoding from there (``VideoReader::SeekAccurate``).

    Args:
        indices (Sequence[int]): The frames asked for.
        key_frames (np.ndarray): Sorted key-frame indices of the video.

    Returns:
        int: Frames decoded, including the wanted ones.
    """

    def group(frame: int) -> int:
        return int(key_frames[np.searchsorted(key_frames, frame, 'right') - 1])

    position = decoded = 0
    for index in sorted(set(int(i) for i in indices)):
        if group(index) != group(position) or index < position:
            position = group(index)
        decoded += index - position + 1
        position = index + 1
    return decoded


def _check_same_draw(frame_inds: np.ndarray, packed: Dict,
                     loaded: Dict) -> None:
    """Raise unless both sides loaded the drawn window and the same clip.

    Args:
        frame_inds (np.ndarray): The sampler's frames for the seed.
        packed (dict): The pipeline's output.
        loaded (dict): The baseline's output.
    """
    sample = packed['data_samples']
    clip = packed['inputs'][0][:, sample.clip_inds].float().div(255)
    same = (
        packed['inputs'].shape[2] == len(frame_inds)
        and loaded['start'] == frame_inds[0]
        and sample.playback_rate == loaded['rate']
        and torch.equal(clip, loaded['clip']))
    if not same:
        raise RuntimeError('the pipeline and the baseline loaded different '
                           'samples; the comparison would be meaningless')


def _measure(videos: List[Video], train_pipeline: Sequence[dict],
             num_samples: int, warmup: int,
             seed: int) -> Dict[int, Dict[str, float]]:
    """Run both sides on the same draws, alternating which goes first.

    Sample ``i`` reads video ``i % len(videos)`` with numpy seeded by
    ``seed + i`` on both sides (and in a separate sampler that gives its
    frame indices for the checks and the codec estimate).

    Args:
        videos (list[Video]): The videos.
        train_pipeline (Sequence[dict]): The PRP training pipeline.
        num_samples (int): Timed samples.
        warmup (int): Untimed samples first.
        seed (int): Base seed.

    Returns:
        dict: Per rate, sums of ``samples`` and of ``{side}_seconds``,
        ``{side}_frames`` and ``{side}_codec_frames`` for the sides
        ``pipeline`` and ``baseline``.
    """
    sides = dict(
        pipeline=build_pipeline(train_pipeline),
        baseline=AuthorsDataPath(train_pipeline))
    sampler = TRANSFORMS.build(
        pipeline_step(train_pipeline, 'PlaybackRateSampler'))
    key_frames = [
        decord.VideoReader(video.filename).get_key_indices()
        for video in videos
    ]
    stats: Dict[int, Dict[str,
                          float]] = defaultdict(lambda: defaultdict(float))
    for index in range(warmup + num_samples):
        video = videos[index % len(videos)]
        np.random.seed(seed + index)
        frame_inds = sampler(
            dict(total_frames=video.total_frames))['frame_inds']
        order = list(sides) if index % 2 == 0 else list(sides)[::-1]
        outputs, seconds = {}, {}
        for side in order:
            data = pipeline_input(video.filename)
            np.random.seed(seed + index)
            start = time.perf_counter()
            outputs[side] = sides[side](data)
            seconds[side] = time.perf_counter() - start
        loaded = outputs['baseline']
        _check_same_draw(frame_inds, outputs['pipeline'], loaded)
        if index < warmup:
            continue
        decoded = dict(pipeline=frame_inds, baseline=range(loaded['decoded']))
        row = stats[loaded['rate']]
        row['samples'] += 1
        for side in sides:
            row[f'{side}_seconds'] += seconds[side]
            row[f'{side}_frames'] += len(decoded[side])
            row[f'{side}_codec_frames'] += codec_frames(
                decoded[side], key_frames[index % len(videos)])
    return stats


def _side_summary(totals: Dict[str, float], side: str) -> Dict[str, float]:
    """Samples/s and frames per sample of one side.

    Args:
        totals (dict): Sums as :func:`_measure` returns per rate.
        side (str): ``'pipeline'`` or ``'baseline'``.

    Returns:
        dict: ``samples_per_s``, ``ms_per_sample``, ``frames_per_sample``
        and ``codec_frames_per_sample``.
    """
    samples = totals['samples']
    return dict(
        samples_per_s=samples / totals[f'{side}_seconds'],
        ms_per_sample=1000 * totals[f'{side}_seconds'] / samples,
        frames_per_sample=totals[f'{side}_frames'] / samples,
        codec_frames_per_sample=totals[f'{side}_codec_frames'] / samples)


def _comparison(totals: Dict[str, float]) -> Dict[str, object]:
    """Both sides and their ratios for one set of sums.

    Args:
        totals (dict): Sums as :func:`_measure` returns per rate.

    Returns:
        dict: ``samples``, ``pipeline``, ``baseline``, ``speedup``,
        ``decoded_frames_ratio`` and ``codec_frames_ratio``.
    """
    pipeline = _side_summary(totals, 'pipeline')
    baseline = _side_summary(totals, 'baseline')
    return dict(
        samples=int(totals['samples']),
        pipeline=pipeline,
        baseline=baseline,
        speedup=pipeline['samples_per_s'] / baseline['samples_per_s'],
        decoded_frames_ratio=(pipeline['frames_per_sample']
                              / baseline['frames_per_sample']),
        codec_frames_ratio=(pipeline['codec_frames_per_sample']
                            / baseline['codec_frames_per_sample']))


def run_benchmark(num_samples: int = 400,
                  warmup: int = 8,
                  num_videos: int = 12,
                  frame_size: Tuple[int, int] = (240, 320),
                  num_frames: Tuple[int, int] = (140, 230),
                  seed: int = 0) -> Dict[str, object]:
    """Write synthetic videos and compare both data paths on them.

    Args:
        num_samples (int): Timed samples. Defaults to 400.
        warmup (int): Untimed samples first. Defaults to 8.
        num_videos (int): Synthetic videos. Defaults to 12.
        frame_size (tuple[int, int]): ``(height, width)`` of the videos.
            Defaults to UCF101's (240, 320).
        num_frames (tuple[int, int]): Inclusive ``(min, max)`` frames per
            video; the minimum must fit rate 8 (128). Defaults to
            (140, 230), UCF101's mean length of about 7 s at 25 fps.
        seed (int): Seed of the videos and the draws. Defaults to 0.

    Returns:
        dict: ``settings``, the overall :func:`_comparison` keys, ``per_rate``
        (one comparison per rate) and ``targets``.
    """
    load_before = load_average()
    cfg = load_config()
    threads = torch.get_num_threads()
    torch.set_num_threads(WORKER_THREADS)
    try:
        with tempfile.TemporaryDirectory() as work_dir:
            videos = make_videos(
                Path(work_dir), num_videos, frame_size, num_frames, seed)
            stats = _measure(videos, cfg.train_pipeline, num_samples, warmup,
                             seed)
    finally:
        torch.set_num_threads(threads)
    totals: Dict[str, float] = defaultdict(float)
    for row in stats.values():
        for key, value in row.items():
            totals[key] += value
    results = dict(
        settings=dict(
            samples=num_samples,
            warmup=warmup,
            videos=num_videos,
            frame_size=list(frame_size),
            num_frames=list(num_frames),
            seed=seed,
            torch_threads=WORKER_THREADS,
            load_average=[load_before, load_average()]),
        **_comparison(totals),
        per_rate=[
            dict(rate=rate, **_comparison(stats[rate]))
            for rate in sorted(stats)
        ])
    results['targets'] = check_targets(results, TARGETS)
    return results


def report(results: Dict[str, object]) -> str:
    """The result table and the summary lines.

    Args:
        results (dict): As :func:`run_benchmark` returns.

    Returns:
        str: Printable text.
    """
    header = ('rate', 'samples', 'pipeline ms', 'baseline ms', 'speedup',
              'pipeline frames', 'baseline frames', 'codec est. pipeline',
              'codec est. baseline')
    rows = [(row['rate'], row['samples'], row['pipeline']['ms_per_sample'],
             row['baseline']['ms_per_sample'], row['speedup'],
             row['pipeline']['frames_per_sample'],
             row['baseline']['frames_per_sample'],
             row['pipeline']['codec_frames_per_sample'],
             row['baseline']['codec_frames_per_sample'])
            for row in results['per_rate'] + [dict(results, rate='all')]]
    settings = results['settings']
    height, width = settings['frame_size']
    lines = [
        f'PRP training pipeline vs the authors\' data path: '
        f'{settings["samples"]} samples (+{settings["warmup"]} warm-up) from '
        f'{settings["videos"]} synthetic {height}x{width} videos of '
        f'{settings["num_frames"][0]}-{settings["num_frames"][1]} frames, '
        f'{load_text(settings)}',
        format_table(header, rows),
        f'samples/s: pipeline {results["pipeline"]["samples_per_s"]:.2f}, '
        f'baseline {results["baseline"]["samples_per_s"]:.2f}',
    ]
    lines += target_lines(results)
    lines.append(f'codec_frames_ratio = {results["codec_frames_ratio"]:.3f}'
                 '  (estimate, no target)')
    return '\n'.join(lines)


def main() -> None:
    """Parse the command line, run, print and optionally write JSON."""
    quiet_notices()
    parser = base_parser(
        __doc__.splitlines()[0],
        quick='6 videos, 48 samples + 4 warm-up (same frame size)')
    parser.add_argument('--samples', type=int, help='timed samples')
    args = parser.parse_args()
    settings = dict(
        num_videos=6, num_samples=48, warmup=4) if args.quick else {}
    if args.samples is not None:
        settings['num_samples'] = args.samples
    results = run_benchmark(seed=args.seed, **settings)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
