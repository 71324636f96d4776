"""Samples/s and decoded frames: PRP's training pipeline vs the authors' path.

PIPELINE: exactly ``train_pipeline`` of ``configs/prp/prp_c3d_ucf101.py``
(OpenCVInitByPath -> PlaybackRateSampler -> OpenCVForwardDecode with
Resize 171x128 -> CenterCrop 112 -> FormatShape -> PackPRPInputs), built
from MMAction2's ``TRANSFORMS``. It opens each video once (OpenCV; the
frame count from the container's header) and decodes only the distinct
frames a sample needs (one checked seek, then forward, converting only
those frames to RGB, each resized as soon as it is decoded);
the clip, target and motion attention are built later, on the model's
device (``PRPDataPreprocessor.prepare_views``), so its cost ends at packing.

BASELINE: the authors' data path (``datasets/predict_dataset.py`` of their
code) reproduced per sample in this process: the same rate and window draw
(same seed, same ``sample_rng``), decoding EVERY frame from the first through
the end of the ``16 * s`` window sequentially with their
``cv2.VideoCapture.read()`` loop (every frame decoded and converted), the
window's frames turned from BGR to RGB. Then each of the ``16 * s`` window
frames is resized and centre-cropped (MMAction2's ``Resize`` with the
pipeline's scale, and ``CenterCrop``: cv2, faster than the authors' PIL,
so the baseline is if anything flattered), scaled to a
float tensor in [0, 1] (their ``ToTensor``) and, on the CPU, the input clip
(every s-th frame), the slowed-down target (every ``s / r``-th frame; linear
interpolation for ``s < r``: f0, (f0+f1)/2, f1, ..., f15, f15) and the
sparse motion mask (the authors' code, computed by ``mmprp``'s
``sparse_motion_attention`` on the CPU: frames 0, 5, 10, 15 of each
16-frame segment) are built. Both sides open each video once, as the
authors' ``loadcvvideo_Finsert`` does: one ``cv2.VideoCapture``, its frame
count from the container's header (``CAP_PROP_FRAME_COUNT``), then read
from it (the pipeline also checks the file against its container's
declared size first). Both decode with the same OpenCV (one FFmpeg
thread).

Each sample is drawn once with a seed and run through both sides, the order
alternating per sample so that load changes hit both; the input clips of
both sides are checked to be identical (same video, rate and window). A
few warm-up samples are not timed. Torch runs with one thread and OpenCV
without threads, as in the DataLoader workers of mmengine's ``Runner``,
where both paths run in training.

Where the time goes: every transform of the pipeline and every step of the
baseline is timed on its own (``stages``), and the samples are collated in
batches of the config's ``batch_size`` as the DataLoader's workers do it
(the pipeline: mmengine's ``pseudo_collate``, lists; the baseline: PyTorch's
``default_collate``, which stacks the float clip, target and attention).
``speedup`` (the target) is per sample without the collation;
``speedup_with_collate`` adds each side's collation per sample.
``cpu_speedup`` is the ratio of the process's CPU time per sample (every
thread runs one at a time here), which other processes' load changes less
than the wall-clock time.

Frames decoded per sample: the frames converted to RGB (the pipeline: its
``frame_inds``; the baseline: ``start + 16 * s``). Because MPEG-4 frames
between key frames depend on their predecessors, the codec decodes more
than that; ``codec_frames`` estimates it for a forward decoder that seeks
once as ``OpenCVForwardDecode`` does (see :func:`codec_frames`; the
baseline: every frame through the last).

With ``--b-frames`` the videos are re-encoded (same frames) as MPEG-4 AVIs
with B-frames, UCF101's kind of file (``mmprp/testing/encode_video.py``),
where decord's random access returns wrong frames; the pipeline seeks in
them as in the others (its seek check passes there).

With ``--videos`` the same comparison runs on your own files instead of the
synthetic ones: a folder (its video files, recursively) or a list file (one
video per line, its first field; relative to ``--video-root``, else to the
list's folder, as MMAction2's annotation lists are). ``--num-videos`` of
them are drawn at random (``--seed``) from those the pipeline opens that
hold the largest rate's window (128 frames); the others met on the way are
counted. A file that holds fewer frames than its header declares stops the
run with the pipeline's error naming it, as it would stop training.

Usage (from the repository root)::

    python -m benchmarks.bench_data_pipeline --quick --json out.json
    python -m benchmarks.bench_data_pipeline --videos data/ucf101/videos
"""
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import decord
import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose, pseudo_collate
from torch import Tensor
from torch.utils.data import default_collate

from mmprp.datasets.transforms import OpenCVInitByPath, sample_rng
from mmprp.datasets.transforms.opencv_forward_decode import MIN_SEEK_FRAME
from mmprp.datasets.video_container import (TruncatedVideoError,
                                            UnreadableVideoError)
from mmprp.models.losses.motion_attention import sparse_motion_attention
from mmprp.testing.encode_video import encode_video
from benchmarks.common import (Video, base_parser, build_pipeline,
                               check_targets, format_table, load_average,
                               load_config, load_text, make_videos,
                               pipeline_input, pipeline_step,
                               prp_train_pipeline, quiet_notices, target_lines,
                               write_json)

# The authors' sparse attention frames inside each 16-frame segment.
AUTHORS_ATTENTION_OFFSETS = (0, 5, 10, 15)
TARGETS = dict(
    speedup=('>=', 4.0),
    cpu_speedup=('>=', 4.0),
    decoded_frames_ratio=('<=', 0.5))
# PyTorch's DataLoader workers, where both data paths run in training, use
# one intra-op thread, and mmengine's Runner turns OpenCV's threads off
# (cv2.setNumThreads(0): env_cfg's default opencv_num_threads).
WORKER_THREADS = 1
WORKER_OPENCV_THREADS = 0
# OpenCV's FFmpeg backend seeks to frame f by jumping to the key frame at
# or before f - 16 and decoding forward (CvCapture_FFMPEG::seek).
OPENCV_SEEK_MARGIN = 16
SIDES = ('pipeline', 'baseline')
# OpenCVForwardDecode's arguments that are Resize's.
RESIZE_KEYS = ('scale', 'keep_ratio', 'interpolation')
COLLATE = 'collate'
# Files that --videos takes from a folder.
VIDEO_SUFFIXES = ('.avi', '.mp4', '.mkv', '.mov', '.webm', '.m4v', '.mpg',
                  '.mpeg')
# What leaves one of your videos out: the pipeline's opening step refuses it.
UNUSABLE_ERRORS = (OSError, UnreadableVideoError, TruncatedVideoError)
# How report() names the videos, by the b_frames setting.
VIDEO_KINDS = {
    False: 'MPEG-4 (mp4v) videos',
    True: 'MPEG-4 AVIs with B-frames'
}


class StageClock:
    """Seconds spent per named stage, summed over calls.

    Attributes:
        seconds (dict[str, float]): Stage name to seconds.
    """

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        """Time the ``with`` block as ``stage``.

        Args:
            stage (str): The stage's name.
        """
        start = time.perf_counter()
        yield
        self.seconds[stage] += time.perf_counter() - start


class TimedPipeline:
    """A ``Compose`` run transform by transform, each timed as a stage.

    Args:
        pipeline (Compose): The pipeline (``Compose.__call__`` runs the same
            loop).
    """

    def __init__(self, pipeline: Compose) -> None:
        self.transforms = pipeline.transforms

    def __call__(self, results: Dict, clock: StageClock) -> Dict:
        """Run every transform on ``results``.

        Args:
            results (dict): The pipeline's input.
            clock (StageClock): Gets one stage per transform (its class
                name).

        Returns:
            dict: The packed sample.
        """
        for transform in self.transforms:
            with clock(type(transform).__name__):
                results = transform(results)
        return results


class AuthorsDataPath:
    """The authors' per-sample data path (see the module docstring).

    Args:
        train_pipeline (Sequence[dict]): The PRP config's training pipeline;
            its ``PlaybackRateSampler`` (rates, clip length, reconstruction
            rate), the ``Resize`` that ``OpenCVForwardDecode`` applies and
            ``CenterCrop`` are used.
    """

    def __init__(self, train_pipeline: Sequence[dict]) -> None:
        decode = pipeline_step(train_pipeline, 'OpenCVForwardDecode')
        resize = {key: decode[key] for key in RESIZE_KEYS if key in decode}
        self.resize_crop = build_pipeline([
            dict(type='Resize', **resize),
            pipeline_step(train_pipeline, 'CenterCrop')
        ])
        sampler = pipeline_step(train_pipeline, 'PlaybackRateSampler')
        self.rates = tuple(sampler['rates'])
        self.clip_len = sampler['clip_len']
        self.recon_rate = sampler['recon_rate']

    def __call__(self, results: Dict, clock: StageClock) -> Dict:
        """Load one training sample the authors' way.

        Args:
            results (dict): What ``VideoDataset`` gives a pipeline (see
                :func:`pipeline_input`).
            clock (StageClock): Gets the stages ``open``, ``decode``,
                ``resize + crop``, ``to float`` and ``clip, target,
                attention``.

        Returns:
            dict: ``clip`` (C, 16, H, W), ``target`` (C, 16r, H, W) and
            ``attention`` (C, 16r, H, W) float tensors; ``rate``, ``start``
            (first window frame) and ``decoded`` (frames decoded).
        """
        with clock('open'):
            capture = open_video(results['filename'])
            total_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        rng = sample_rng(results)
        rate = self.rates[rng.integers(len(self.rates))]
        window_len = self.clip_len * rate
        start = int(rng.integers(total_frames - window_len + 1))
        end = start + window_len
        with clock('decode'):
            frames = read_frames(capture, results['filename'], start, end)
        with clock('resize + crop'):
            imgs = self.resize_crop(
                dict(imgs=frames, img_shape=frames[0].shape[:2]))['imgs']
        with clock('to float'):
            window = torch.from_numpy(np.stack(imgs)).permute(3, 0, 1, 2)
            window = window.float().div_(255)
        with clock('clip, target, attention'):
            target = self._slowed_down(window, rate)
            attention = self._attention(window, rate, target.shape[1])
        return dict(
            clip=window[:, ::rate],
            target=target,
            attention=attention,
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


def open_video(filename: str) -> cv2.VideoCapture:
    """Open a video as the authors do, with one FFmpeg thread.

    Args:
        filename (str): The video.

    Returns:
        cv2.VideoCapture: The capture, at its first frame.

    Raises:
        RuntimeError: If OpenCV cannot open the file.
    """
    capture = cv2.VideoCapture(filename, cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_N_THREADS, 1])
    if not capture.isOpened():
        raise RuntimeError(f'OpenCV cannot open {filename}')
    return capture


def read_frames(capture: cv2.VideoCapture, filename: str, start: int,
                end: int) -> List[np.ndarray]:
    """The authors' reading loop: ``capture.read()`` from the first frame.

    Args:
        capture (cv2.VideoCapture): The video, at its first frame; released
            here.
        filename (str): The video's path, for the error message.
        start (int): First frame kept.
        end (int): One past the last frame read.

    Returns:
        list[np.ndarray]: Frames ``start`` to ``end - 1``, RGB (H, W, 3).

    Raises:
        RuntimeError: If a frame cannot be read.
    """
    frames = []
    for index in range(end):
        ok, frame = capture.read()
        if not ok:
            raise RuntimeError(f'cannot read frame {index} of {filename}')
        if index >= start:
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def with_b_frames(videos: List[Video], out_dir: Path) -> List[Video]:
    """The videos re-encoded as MPEG-4 AVIs with B-frames (same frames).

    Args:
        videos (list[Video]): The videos.
        out_dir (Path): Where to write the AVIs.

    Returns:
        list[Video]: The AVIs, in the same order.
    """
    encoded = []
    for index, video in enumerate(videos):
        capture = open_video(video.filename)
        frames = read_frames(capture, video.filename, 0, video.total_frames)
        path = encode_video(out_dir / f'{index:03d}.avi', np.stack(frames))
        encoded.append(Video(str(path), video.total_frames))
    return encoded


def list_video_files(path: Path,
                     video_root: Optional[Path] = None) -> List[str]:
    """Your videos: a folder's video files, or the videos of a list file.

    Args:
        path (Path): A folder (its files with a suffix of
            :data:`VIDEO_SUFFIXES`, recursively) or a list file (one video
            per line, its first whitespace-separated field, as MMAction2's
            annotation lists).
        video_root (Path, optional): What the list's relative paths are
            relative to (a config's ``data_prefix``). Defaults to the list's
            folder.

    Returns:
        list[str]: The paths, sorted.

    Raises:
        ValueError: If no video is found.
    """
    if path.is_dir():
        files = [
            str(file) for file in path.rglob('*')
            if file.suffix.lower() in VIDEO_SUFFIXES
        ]
    else:
        root = video_root or path.parent
        files = [
            str(root / line.split()[0])
            for line in path.read_text().splitlines() if line.strip()
        ]
    if not files:
        raise ValueError(f'no videos found in {path}')
    return sorted(files)


def longest_window(train_pipeline: Sequence[dict]) -> int:
    """Frames the largest rate's window spans (what a video needs for every
    rate).

    Args:
        train_pipeline (Sequence[dict]): With a ``PlaybackRateSampler``.

    Returns:
        int: ``clip_len * max(rates)``.
    """
    sampler = pipeline_step(train_pipeline, 'PlaybackRateSampler')
    return sampler['clip_len'] * max(sampler['rates'])


def own_videos(files: Sequence[str], num_videos: int, min_frames: int,
               seed: int) -> Tuple[List[Video], Dict[str, int]]:
    """``num_videos`` of your files, drawn at random, that the pipeline
    opens and that have ``min_frames`` frames.

    Files are tried in a random order (seeded) until enough are found, so
    that a large data set is not opened whole.

    Args:
        files (Sequence[str]): The videos.
        num_videos (int): How many to use.
        min_frames (int): Frames a video needs (see :func:`longest_window`).
        seed (int): Seed of the order.

    Returns:
        tuple[list[Video], dict]: The videos (sorted by name), with their
        frame counts as the pipeline reads them, and how many were
        ``listed``, ``tried``, left out as ``short`` or ``unusable``, and
        ``min_frames``.

    Raises:
        ValueError: If fewer than ``num_videos`` are usable and long enough
            (then it names how many).
    """
    opener = OpenCVInitByPath()
    videos: List[Video] = []
    counts = dict(listed=len(files), tried=0, short=0, unusable=0)
    for index in np.random.default_rng(seed).permutation(len(files)):
        if len(videos) == num_videos:
            break
        counts['tried'] += 1
        try:
            opened = opener(dict(filename=files[index]))
        except UNUSABLE_ERRORS:
            counts['unusable'] += 1
            continue
        opened['video_capture'].release()
        if opened['total_frames'] < min_frames:
            counts['short'] += 1
            continue
        videos.append(Video(files[index], opened['total_frames']))
    if len(videos) < num_videos:
        raise ValueError(
            f'only {len(videos)} of the {len(files)} videos can be used, '
            f'{num_videos} are asked for: {counts["short"]} have fewer than '
            f'{min_frames} frames, {counts["unusable"]} cannot be opened')
    return sorted(videos), dict(counts, min_frames=min_frames)


def codec_frames(indices: Sequence[int], key_frames: np.ndarray) -> int:
    """Estimate the frames the codec decodes to read ``indices`` forward.

    ``OpenCVForwardDecode`` seeks where the first index is
    ``MIN_SEEK_FRAME`` or later, else decodes forward from frame 0; OpenCV's
    FFmpeg backend seeks by jumping to the key frame at or before
    ``OPENCV_SEEK_MARGIN`` frames ahead of the frame asked for. Either then
    decodes every frame through the last index. (The first frame, which
    OpenCV decodes before it seeks, is not counted.)

    Args:
        indices (Sequence[int]): The frames wanted.
        key_frames (np.ndarray): Sorted key-frame indices of the video.

    Returns:
        int: Frames decoded, including the wanted ones.
    """
    first, last = min(indices), max(indices)
    start = 0
    if first >= MIN_SEEK_FRAME:
        target = max(first - OPENCV_SEEK_MARGIN, 0)
        start = int(key_frames[np.searchsorted(key_frames, target, 'right')
                               - 1])
    return last - start + 1


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
             batch_size: int, num_samples: int, warmup: int,
             seed: int) -> Dict[str, object]:
    """Run both sides on the same draws, alternating which goes first.

    Sample ``i`` reads video ``i % len(videos)`` with numpy seeded by
    ``seed + i`` on both sides (and in a separate sampler that gives its
    frame indices for the checks and the codec estimate). Each side's timed
    samples are collated in batches of ``batch_size`` (a last partial batch
    is not).

    Args:
        videos (list[Video]): The videos.
        train_pipeline (Sequence[dict]): The PRP training pipeline.
        batch_size (int): Samples per collated batch.
        num_samples (int): Timed samples.
        warmup (int): Untimed samples first.
        seed (int): Base seed.

    Returns:
        dict: ``per_rate``: per rate, sums of ``samples`` and of
        ``{side}_seconds``, ``{side}_frames`` and ``{side}_codec_frames``;
        ``stages``: per side, seconds per stage (``collate`` included) over
        the timed samples; ``collated``: samples collated per side.
    """
    sides: Dict[str, Callable[[Dict, StageClock], Dict]] = dict(
        pipeline=TimedPipeline(build_pipeline(train_pipeline)),
        baseline=AuthorsDataPath(train_pipeline))
    collate_fns = dict(pipeline=pseudo_collate, baseline=default_collate)
    sampler = TRANSFORMS.build(
        pipeline_step(train_pipeline, 'PlaybackRateSampler'))
    key_frames = [
        decord.VideoReader(video.filename).get_key_indices()
        for video in videos
    ]
    per_rate: Dict[int, Dict[str,
                             float]] = defaultdict(lambda: defaultdict(float))
    clocks = {side: StageClock() for side in SIDES}
    batches: Dict[str, List[Dict]] = {side: [] for side in SIDES}
    collated = dict.fromkeys(SIDES, 0)
    for index in range(warmup + num_samples):
        video = videos[index % len(videos)]
        np.random.seed(seed + index)
        frame_inds = sampler(
            dict(total_frames=video.total_frames))['frame_inds']
        order = SIDES if index % 2 == 0 else SIDES[::-1]
        timed = index >= warmup
        outputs, seconds, cpu_seconds = {}, {}, {}
        for side in order:
            data = pipeline_input(video.filename)
            clock = clocks[side] if timed else StageClock()
            np.random.seed(seed + index)
            start, cpu_start = time.perf_counter(), time.process_time()
            outputs[side] = sides[side](data, clock)
            seconds[side] = time.perf_counter() - start
            cpu_seconds[side] = time.process_time() - cpu_start
        loaded = outputs['baseline']
        _check_same_draw(frame_inds, outputs['pipeline'], loaded)
        if not timed:
            continue
        decoded = dict(pipeline=frame_inds, baseline=range(loaded['decoded']))
        row = per_rate[loaded['rate']]
        row['samples'] += 1
        for side in SIDES:
            row[f'{side}_seconds'] += seconds[side]
            row[f'{side}_cpu_seconds'] += cpu_seconds[side]
            row[f'{side}_frames'] += len(decoded[side])
            row[f'{side}_codec_frames'] += codec_frames(
                decoded[side], key_frames[index % len(videos)])
            batches[side].append(outputs[side])
            if len(batches[side]) == batch_size:
                with clocks[side](COLLATE):
                    collate_fns[side](batches[side])
                collated[side] += batch_size
                batches[side] = []
    return dict(
        per_rate=per_rate,
        stages={side: dict(clocks[side].seconds)
                for side in SIDES},
        collated=collated)


def _side_summary(totals: Dict[str, float], side: str) -> Dict[str, float]:
    """Samples/s and frames per sample of one side.

    Args:
        totals (dict): Sums as :func:`_measure` returns per rate.
        side (str): ``'pipeline'`` or ``'baseline'``.

    Returns:
        dict: ``samples_per_s``, ``ms_per_sample``, ``cpu_ms_per_sample``
        (the process's CPU time), ``frames_per_sample`` and
        ``codec_frames_per_sample``.
    """
    samples = totals['samples']
    return dict(
        samples_per_s=samples / totals[f'{side}_seconds'],
        ms_per_sample=1000 * totals[f'{side}_seconds'] / samples,
        cpu_ms_per_sample=1000 * totals[f'{side}_cpu_seconds'] / samples,
        frames_per_sample=totals[f'{side}_frames'] / samples,
        codec_frames_per_sample=totals[f'{side}_codec_frames'] / samples)


def _comparison(totals: Dict[str, float]) -> Dict[str, object]:
    """Both sides and their ratios for one set of sums.

    Args:
        totals (dict): Sums as :func:`_measure` returns per rate.

    Returns:
        dict: ``samples``, ``pipeline``, ``baseline``, ``speedup``,
        ``cpu_speedup`` (the ratio of CPU times per sample),
        ``decoded_frames_ratio`` and ``codec_frames_ratio``.
    """
    pipeline = _side_summary(totals, 'pipeline')
    baseline = _side_summary(totals, 'baseline')
    return dict(
        samples=int(totals['samples']),
        pipeline=pipeline,
        baseline=baseline,
        speedup=pipeline['samples_per_s'] / baseline['samples_per_s'],
        cpu_speedup=(baseline['cpu_ms_per_sample']
                     / pipeline['cpu_ms_per_sample']),
        decoded_frames_ratio=(pipeline['frames_per_sample']
                              / baseline['frames_per_sample']),
        codec_frames_ratio=(pipeline['codec_frames_per_sample']
                            / baseline['codec_frames_per_sample']))


def _stage_ms(measured: Dict[str, object],
              samples: int) -> Dict[str, Dict[str, float]]:
    """Milliseconds per sample of every stage of both sides.

    Args:
        measured (dict): As :func:`_measure` returns.
        samples (int): Timed samples.

    Returns:
        dict: Per side, stage name to ms per sample, in running order;
        ``collate`` per collated sample (absent if no batch was full).
    """
    stages = {}
    for side in SIDES:
        seconds = dict(measured['stages'][side])
        stages[side] = {
            stage: 1000 * value / samples
            for stage, value in seconds.items() if stage != COLLATE
        }
        if COLLATE in seconds:
            stages[side][COLLATE] = (1000 * seconds[COLLATE]
                                     / measured['collated'][side])
    return stages


def _with_collate(results: Dict[str, object]) -> float:
    """The speedup when each side's collation per sample is counted too.

    Args:
        results (dict): With both sides' ``ms_per_sample`` and ``stages``.

    Returns:
        float: Baseline ms over pipeline ms, collation included.
    """
    total = {
        side:
        results[side]['ms_per_sample']
        + results['stages'][side].get(COLLATE, 0.0)
        for side in SIDES
    }
    return total['baseline'] / total['pipeline']


def run_benchmark(
        num_samples: int = 400,
        warmup: int = 8,
        num_videos: int = 12,
        frame_size: Tuple[int, int] = (240, 320),
        num_frames: Tuple[int, int] = (140, 230),
        seed: int = 0,
        b_frames: bool = False,
        video_files: Optional[Sequence[str]] = None) -> Dict[str, object]:
    """Compare both data paths on synthetic videos or on given files.

    Args:
        num_samples (int): Timed samples. Defaults to 400.
        warmup (int): Untimed samples first. Defaults to 8.
        num_videos (int): Videos used. Defaults to 12.
        frame_size (tuple[int, int]): ``(height, width)`` of the synthetic
            videos. Defaults to UCF101's (240, 320).
        num_frames (tuple[int, int]): Inclusive ``(min, max)`` frames per
            synthetic video; the minimum must fit rate 8 (128). Defaults to
            (140, 230), UCF101's mean length of about 7 s at 25 fps.
        seed (int): Seed of the videos and the draws. Defaults to 0.
        b_frames (bool): Re-encode the synthetic videos as MPEG-4 AVIs with
            B-frames (see the module docstring). Defaults to False.
        video_files (Sequence[str], optional): Your videos instead of
            synthetic ones (see :func:`own_videos`). Defaults to None.

    Returns:
        dict: ``settings``, the overall :func:`_comparison` keys,
        ``speedup_with_collate``, ``stages`` (:func:`_stage_ms`),
        ``per_rate`` (one comparison per rate) and ``targets``.

    Raises:
        ValueError: If fewer than ``num_videos`` of ``video_files`` are
            usable, or ``video_files`` is given with ``b_frames``.
    """
    if video_files is not None and b_frames:
        raise ValueError('b_frames re-encodes the synthetic videos; it '
                         'cannot be combined with video_files')
    load_before = load_average()
    cfg = load_config()
    threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(WORKER_THREADS)
    cv2.setNumThreads(WORKER_OPENCV_THREADS)
    left_out = None
    try:
        with tempfile.TemporaryDirectory() as work_dir:
            if video_files is None:
                videos = make_videos(
                    Path(work_dir), num_videos, frame_size, num_frames, seed)
            else:
                videos, left_out = own_videos(
                    video_files, num_videos,
                    longest_window(prp_train_pipeline(cfg)), seed)
            if b_frames:
                videos = with_b_frames(videos, Path(work_dir) / 'b_frames')
            measured = _measure(videos, prp_train_pipeline(cfg),
                                cfg.train_dataloader.batch_size, num_samples,
                                warmup, seed)
    finally:
        torch.set_num_threads(threads[0])
        cv2.setNumThreads(threads[1])
    per_rate = measured['per_rate']
    totals: Dict[str, float] = defaultdict(float)
    for row in per_rate.values():
        for key, value in row.items():
            totals[key] += value
    results = dict(
        settings=dict(
            samples=num_samples,
            warmup=warmup,
            videos=len(videos),
            own_videos=left_out,
            frame_size=list(frame_size) if left_out is None else None,
            num_frames=list(num_frames) if left_out is None else None,
            seed=seed,
            b_frames=b_frames,
            torch_threads=WORKER_THREADS,
            opencv_threads=WORKER_OPENCV_THREADS,
            batch_size=cfg.train_dataloader.batch_size,
            load_average=[load_before, load_average()]),
        **_comparison(totals),
        stages=_stage_ms(measured, num_samples),
        per_rate=[
            dict(rate=rate, **_comparison(per_rate[rate]))
            for rate in sorted(per_rate)
        ])
    results['speedup_with_collate'] = _with_collate(results)
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
    lines = [
        f'PRP training pipeline vs the authors\' data path: '
        f'{settings["samples"]} samples (+{settings["warmup"]} warm-up) from '
        f'{settings["videos"]} {_video_text(settings)}, '
        f'{load_text(settings)}',
        format_table(header, rows),
        f'samples/s: pipeline {results["pipeline"]["samples_per_s"]:.2f}, '
        f'baseline {results["baseline"]["samples_per_s"]:.2f}',
    ]
    lines += target_lines(results)
    lines += [
        f'speedup_with_collate = {results["speedup_with_collate"]:.3f}  '
        f'(collation per sample counted, no target)',
        f'codec_frames_ratio = {results["codec_frames_ratio"]:.3f}'
        '  (estimate, no target)',
        f'Where the time goes (ms per sample; collate: batches of '
        f'{settings["batch_size"]}, per sample)',
        format_table(('side', 'stage', 'ms', 'share'), _stage_rows(results)),
    ]
    return '\n'.join(lines)


def _video_text(settings: Dict[str, object]) -> str:
    """What the videos were, for the title line.

    Args:
        settings (dict): The ``settings`` of :func:`run_benchmark`.

    Returns:
        str: E.g. ``'synthetic 240x320 MPEG-4 (mp4v) videos of 140-230
        frames'`` or ``'of your videos (drawn from 13320; ...)'``.
    """
    own = settings['own_videos']
    if own is not None:
        return (f'of your videos (drawn from {own["listed"]}; of '
                f'{own["tried"]} tried, left out: {own["short"]} shorter '
                f'than {own["min_frames"]} frames, {own["unusable"]} '
                f'unusable)')
    height, width = settings['frame_size']
    low, high = settings['num_frames']
    return (f'synthetic {height}x{width} {VIDEO_KINDS[settings["b_frames"]]} '
            f'of {low}-{high} frames')


def _stage_rows(results: Dict[str, object]) -> List[Tuple]:
    """Rows of the stage table: side, stage, ms per sample, share.

    Args:
        results (dict): As :func:`run_benchmark` returns.

    Returns:
        list[tuple]: One row per stage of each side, the share in percent
        of that side's stages together.
    """
    rows = []
    for side in SIDES:
        stages = results['stages'][side]
        total = sum(stages.values())
        rows += [(side, stage, ms, f'{100 * ms / total:.0f}%')
                 for stage, ms in stages.items()]
    return rows


def main() -> None:
    """Parse the command line, run, print and optionally write JSON."""
    quiet_notices()
    parser = base_parser(
        __doc__.splitlines()[0],
        quick='6 videos, 48 samples + 4 warm-up (same frame size)')
    parser.add_argument('--samples', type=int, help='timed samples')
    sources = parser.add_mutually_exclusive_group()
    sources.add_argument(
        '--b-frames',
        action='store_true',
        help='re-encode the synthetic videos as MPEG-4 AVIs with B-frames '
        '(UCF101\'s kind of file)')
    sources.add_argument(
        '--videos',
        type=Path,
        help='your videos instead of synthetic ones: a folder (its video '
        'files, recursively) or a list file (one video per line, first '
        'field)')
    parser.add_argument(
        '--video-root',
        type=Path,
        help='what the paths of a --videos list are relative to (default: '
        'the list\'s folder)')
    parser.add_argument(
        '--num-videos',
        type=int,
        help='videos used (default 12; --quick 6); with --videos, drawn at '
        'random (--seed) from those long enough for every rate')
    args = parser.parse_args()
    settings = dict(
        num_videos=6, num_samples=48, warmup=4) if args.quick else {}
    if args.samples is not None:
        settings['num_samples'] = args.samples
    if args.num_videos is not None:
        settings['num_videos'] = args.num_videos
    if args.videos is not None:
        settings['video_files'] = list_video_files(args.videos,
                                                   args.video_root)
    results = run_benchmark(seed=args.seed, b_frames=args.b_frames, **settings)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
