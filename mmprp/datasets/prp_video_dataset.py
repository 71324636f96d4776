"""A VideoDataset that checks its list and deals with unusable videos."""
import codecs
import logging
import os.path as osp
from contextlib import nullcontext
from functools import cached_property
from typing import Callable, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from decord._ffi.base import DECORDError
from mmaction.datasets import VideoDataset
from mmaction.datasets.transforms import (CenterCrop, RandomCrop, TenCrop,
                                          ThreeCrop)
from mmaction.registry import DATASETS
from mmengine import fileio
from mmengine.logging import print_log

from ..structures import PRPProtocol
from .annotation_list import require_annotation_list
from .seeded_index import SeededIndex
from .transforms.playback_rate_sampler import (RELATIVE_FILENAME_KEY,
                                               PlaybackRateSampler,
                                               RateStarvationError,
                                               VideoTooShortError)
from .transforms.sample_rng import SAMPLE_RNG_KEY
from .video_container import TruncatedVideoError, UnreadableVideoError

BAD_VIDEO_POLICIES = ('raise', 'skip')
# What an unusable video raises, and nothing else (a bug in a later
# transform must not be skipped): UnreadableVideoError (OpenCVInitByPath or
# DecordInitByPath cannot open the file, OpenCVForwardDecode cannot decode a
# frame it needs, also where the file ends before its header's count) and
# TruncatedVideoError, decord's DECORDError while decoding (pipelines with
# DecordDecode), OSError from the file system and the sampler's
# VideoTooShortError. A pipeline with MMAction2's DecordInit raises a plain
# RuntimeError for unreadable files: it stops the run with its traceback.
BAD_VIDEO_ERRORS = (DECORDError, OSError, VideoTooShortError,
                    UnreadableVideoError, TruncatedVideoError)
OTHER_DELIMITERS = (',', '\t', ';')
SCAN_HINT = 'tools/misc/scan_videos.py lists every unusable video of a list'
BYTE_ORDER_MARK = '\ufeff'


def pipeline_with_protocol(pipeline: List[Union[Dict, Callable]],
                           prp: Optional[Dict]) -> List[Union[Dict, Callable]]:
    """``pipeline`` with ``prp`` in its PlaybackRateSampler steps.

    Args:
        pipeline (list[dict | Callable]): Pipeline steps.
        prp (dict, optional): PRP's protocol; None leaves the steps as
            they are.

    Returns:
        list[dict | Callable]: The steps, the sampler configs completed.

    Raises:
        ValueError: If ``prp`` is not a valid protocol
            (:meth:`PRPProtocol.of`: e.g. a misspelt key), or a sampler step
            sets a setting of ``prp`` too, or is a sampler built already.
    """
    if prp is None:
        return pipeline
    PRPProtocol.of(prp)
    steps = []
    for step in pipeline:
        if isinstance(step, PlaybackRateSampler):
            raise ValueError('PRPVideoDataset: with prp, give the '
                             'PlaybackRateSampler step as a config dict')
        if isinstance(step,
                      dict) and step.get('type') in ('PlaybackRateSampler',
                                                     PlaybackRateSampler):
            twice = sorted(set(prp) & set(step))
            if twice:
                raise ValueError(
                    f'PRPVideoDataset: {twice} set in both prp and the '
                    f'PlaybackRateSampler step; set them once, in prp')
            step = dict(step, **prp)
        steps.append(step)
    return steps


class BadVideoError(RuntimeError):
    """A listed video cannot be used; the message names it."""


@DATASETS.register_module()
class PRPVideoDataset(VideoDataset):
    """MMAction2's ``VideoDataset`` with checked lists and bad-video policy.

    The annotation list is checked when the dataset is built: it must be
    UTF-8 (a leading byte-order mark, as Windows editors write, is ignored)
    and list at least one video, every line must be
    ``<video>[<delimiter><label>]`` with an integer label, no video may be
    listed twice (``a.avi``, ``./a.avi`` and ``<data_prefix>/a.avi`` are the
    same video), and every listed file must exist. Errors name the file and
    the line. Each data info gets ``relative_filename``, the list entry
    relative to ``data_prefix`` (normalised; an absolute path outside
    ``data_prefix`` stays absolute), which fixes the validation playback
    rate of the video wherever the data lives.

    Every crop step of the pipeline (``RandomCrop``, ``CenterCrop``,
    ``ThreeCrop``, ``TenCrop``) must fit the frames it crops: MMAction2's
    ``CenterCrop`` would otherwise return degenerate frames. A crop larger
    than the frame raises ``ValueError`` naming both sizes and the video.

    A video that cannot be used while training (missing, empty, truncated,
    corrupt, unreadable, holding fewer frames than its header declares, or
    shorter than the smallest playback rate's window) either stops training
    with :class:`BadVideoError` naming it (``bad_videos='raise'``, the
    default), or (``'skip'``) is logged once, counted, and replaced by
    another video; the playback rate already drawn for it goes to the
    replacement, so rate labels stay uniform. Missing
    files are dropped when the dataset is built (a list none of whose videos
    exist is refused). Once every remaining video has been skipped, or
    ``max_refetch`` fetches in a row were unusable, :class:`BadVideoError`
    names the list. ``skipped_videos`` gives the count so far, across
    data-loader workers
    (:class:`~mmprp.engine.BadVideoReportHook` logs it every epoch).
    Validation and test datasets (``test_mode``) always raise.

    Indices from :class:`~mmprp.datasets.SeededSampler` make training
    samples reproducible: all of a sample's randomness (its playback rate,
    window, and the videos that replace unusable ones) comes from one
    generator seeded by ``(seed, epoch, index)``, given to the pipeline as
    ``results['rng']``. Plain integer indices keep mmengine's behaviour
    (numpy's global generator of the data-loader worker).

    Args:
        ann_file (str): The annotation list.
        pipeline (list[dict | Callable]): The data pipeline.
        bad_videos (str): ``'raise'`` or ``'skip'``. Defaults to
            ``'raise'``.
        prp (dict, optional): PRP's protocol (``rates``, ``clip_len``,
            ``recon_rate``, ``attention``; the config's ``prp``, which the
            model takes too), given to every ``PlaybackRateSampler`` step of
            ``pipeline``. Defaults to None: the steps' own settings.
        **kwargs: Other arguments of ``VideoDataset`` (``data_prefix``,
            ``delimiter``, ``test_mode``, ...).

    Raises:
        ValueError: If ``prp`` and a sampler step both set a setting.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 bad_videos: str = 'raise',
                 prp: Optional[Dict] = None,
                 **kwargs) -> None:
        if bad_videos not in BAD_VIDEO_POLICIES:
            raise ValueError(f'PRPVideoDataset: bad_videos must be one of '
                             f'{BAD_VIDEO_POLICIES}, got {bad_videos!r}')
        if kwargs.get('multi_class'):
            raise ValueError('PRPVideoDataset reads single-label lists; '
                             'multi_class=True is not supported')
        self.bad_videos = bad_videos
        self.missing_videos: List[str] = []
        super().__init__(ann_file, pipeline_with_protocol(pipeline, prp),
                         **kwargs)
        # shared with data-loader workers, one flag per listed video
        self._skipped = torch.zeros(len(self), dtype=torch.bool)
        self._skipped.share_memory_()
        # consecutive skips in this process (a worker's refetch loop)
        self._skips_in_a_row = 0

    @property
    def skipped_videos(self) -> int:
        """Videos left out so far: missing at build time plus skipped."""
        return len(self.missing_videos) + int(self._skipped.sum())

    def load_data_list(self) -> List[dict]:
        """Parse and check the annotation list.

        Returns:
            list[dict]: ``filename``, ``label`` and ``relative_filename`` of
            each listed video.

        Raises:
            FileNotFoundError: If the list does not exist (naming the
                command that writes it, for the UCF101 and HMDB51 lists).
            ValueError: On a list that is not UTF-8 or lists no video, on a
                malformed or repeated line, or on missing videos (all of
                them, or with ``bad_videos='raise'`` any).
        """
        require_annotation_list(self.ann_file)
        data_list, first_listed = [], {}
        for number, line in self._read_lines():
            if not line.strip():
                continue
            video, label = self._parse_line(line, number)
            filename, relative = self._locate(video)
            same = osp.abspath(filename)
            if same in first_listed:
                first_number, first_video = first_listed[same]
                written = (''
                           if first_video == video else f' as {first_video!r}')
                raise ValueError(
                    f'{self.ann_file}, line {number}: {video!r} is already '
                    f'listed on line {first_number}{written}')
            first_listed[same] = (number, video)
            data_list.append({
                'filename': filename,
                'label': label,
                RELATIVE_FILENAME_KEY: relative
            })
        if not data_list:
            raise ValueError(
                f'{self.ann_file} lists no videos: every line is blank. '
                f'Point ann_file at a list of '
                f'"<video>{self.delimiter}<label>" lines')
        return self._without_missing(data_list)

    def _read_lines(self) -> Iterator[Tuple[int, str]]:
        """Yield ``(line number, text)``, decoding each line as UTF-8."""
        content = fileio.get(self.ann_file)
        if content.startswith(codecs.BOM_UTF8):
            content = content[len(codecs.BOM_UTF8):]
        for number, raw in enumerate(content.splitlines(), 1):
            where = f'{self.ann_file}, line {number}'
            try:
                line = raw.decode('utf-8')
            except UnicodeDecodeError as error:
                raise ValueError(
                    f'{where} is not UTF-8 ({error.reason} at byte '
                    f'{error.start}): {raw!r}. Save the list as UTF-8'
                ) from None
            if BYTE_ORDER_MARK in line:
                raise ValueError(
                    f'{where}: {line!r} holds a byte-order mark (U+FEFF), as '
                    f'when lists saved with one are concatenated; remove it')
            yield number, line

    def _locate(self, video: str) -> Tuple[str, str]:
        """The file to open and the list entry relative to ``data_prefix``.

        Args:
            video (str): The path as written in the list.

        Returns:
            tuple[str, str]: ``data_prefix`` joined with ``video``, and the
            normalised path of the video relative to ``data_prefix`` (an
            absolute path outside ``data_prefix`` stays absolute).
        """
        prefix = self.data_prefix['video']
        if not prefix:
            return video, osp.normpath(video)
        filename = osp.join(prefix, video)
        relative = osp.normpath(video)
        if osp.isabs(video):
            inside = osp.relpath(video, osp.abspath(prefix))
            if inside.split(osp.sep)[0] != osp.pardir:
                relative = inside
        return filename, relative

    def _parse_line(self, line: str, number: int) -> Tuple[str, int]:
        fields = line.strip().split(self.delimiter)
        where = f'{self.ann_file}, line {number}: {line.strip()!r}'
        if len(fields) == 1:
            used = [d for d in OTHER_DELIMITERS if d in fields[0]]
            if used:
                raise ValueError(
                    f'{where} is separated by {used[0]!r}, but the '
                    f'delimiter is {self.delimiter!r}; set the dataset\'s '
                    f'`delimiter` or rewrite the list')
            return fields[0], -1
        if len(fields) != 2:
            raise ValueError(f'{where} has {len(fields)} fields; expected '
                             f'"<video>{self.delimiter}<label>"')
        try:
            label = int(fields[1])
        except ValueError:
            raise ValueError(f'{where}: the label {fields[1]!r} is not an '
                             f'integer') from None
        if label < 0:
            raise ValueError(f'{where}: negative label {label}')
        return fields[0], label

    def _without_missing(self, data_list: List[dict]) -> List[dict]:
        missing = [
            item['filename'] for item in data_list
            if not osp.isfile(item['filename'])
        ]
        if len(missing) == len(data_list):
            raise ValueError(
                f'none of the {len(missing)} videos of {self.ann_file} exist '
                f'(the first would be {missing[0]}): check data_prefix and '
                f'the list')
        if missing and self.bad_videos == 'raise':
            shown = '\n  '.join(missing[:10])
            if len(missing) > 10:
                shown += f'\n  ... and {len(missing) - 10} more'
            raise ValueError(
                f'{len(missing)} videos of {self.ann_file} do not exist:\n  '
                f'{shown}\nFix the list or data_prefix, or set '
                f"bad_videos='skip' to train without them ({SCAN_HINT})")
        for video in missing:
            print_log(
                f'skipping missing video {video}',
                logger='current',
                level=logging.WARNING)
        self.missing_videos = missing
        missing_set = set(missing)
        return [
            item for item in data_list if item['filename'] not in missing_set
        ]

    @cached_property
    def rate_sampler(self) -> Optional[PlaybackRateSampler]:
        """PlaybackRateSampler | None: The pipeline's sampler (found once)."""
        return next((t for t in self.pipeline.transforms
                     if isinstance(t, PlaybackRateSampler)), None)

    def __getitem__(self, idx: Union[int, SeededIndex]) -> dict:
        """One sample; in training, another video replaces an unusable one.

        Args:
            idx (int | SeededIndex): Index of the video, with the seed of
                the sample when it comes from ``SeededSampler``.

        Returns:
            dict: The packed sample.

        Raises:
            RuntimeError: If ``max_refetch`` replacements in a row are
                unusable too.
        """
        if not isinstance(idx, SeededIndex):
            return super().__getitem__(idx)
        if self.test_mode:
            return super().__getitem__(idx.index)
        index, rng = idx.index, idx.generator()
        for _ in range(self.max_refetch + 1):
            data = self.prepare_data(index, rng)
            if data is not None:
                return data
            index = int(rng.integers(len(self)))
        raise RuntimeError(
            f'{self.ann_file}: {self.max_refetch + 1} videos in a row were '
            f'unusable or too short for the drawn rate ({SCAN_HINT})')

    def prepare_data(
            self,
            idx: int,
            rng: Optional[np.random.Generator] = None) -> Optional[dict]:
        """Run the pipeline on one video, applying the bad-video policy.

        Args:
            idx (int): Index of the video.
            rng (np.random.Generator, optional): The sample's generator,
                given to the pipeline as ``results['rng']``. Defaults to
                None (numpy's global generator).

        Returns:
            dict | None: The packed sample, or None to make mmengine's
            ``BaseDataset`` fetch another video (too short for the drawn
            rate, or skipped).

        Raises:
            BadVideoError: If the video is unusable and the policy is
                ``'raise'`` (always in ``test_mode``), or when skipping has
                left no usable video.
            ValueError: If a crop step is larger than the frames it crops.
        """
        sampler = self.rate_sampler
        kept = sampler.rate_kept_on_error() if sampler else nullcontext()
        try:
            data_info = self.get_data_info(idx)
            if rng is not None:
                data_info[SAMPLE_RNG_KEY] = rng
            with kept:
                data = self._run_pipeline(data_info)
        except RateStarvationError:
            raise
        except BAD_VIDEO_ERRORS as error:
            filename = self.get_data_info(idx)['filename']
            if self.bad_videos == 'raise' or self.test_mode:
                raise BadVideoError(
                    f'{filename} cannot be used: {type(error).__name__}: '
                    f"{error}\nRemove it from {self.ann_file} or set "
                    f"bad_videos='skip' ({SCAN_HINT})") from error
            self._skip(idx, filename, error)
            return None
        if data is not None:
            self._skips_in_a_row = 0
        return data

    def _run_pipeline(self, results: dict) -> Optional[dict]:
        """mmengine's ``Compose``, checking each crop against its input."""
        for transform in self.pipeline.transforms:
            self._check_crop_fits(transform, results)
            results = transform(results)
            if results is None:
                return None
        return results

    @staticmethod
    def _check_crop_fits(transform: Callable, results: dict) -> None:
        if isinstance(transform, (CenterCrop, ThreeCrop, TenCrop)):
            crop_width, crop_height = transform.crop_size
        elif isinstance(transform, RandomCrop):
            crop_width = crop_height = transform.size
        else:
            return
        height, width = results['img_shape']
        if crop_width > width or crop_height > height:
            raise ValueError(
                f'{transform!r} crops {crop_width}x{crop_height} (width x '
                f'height) but the frames of {results["filename"]} are '
                f'{width}x{height} at that step; resize them to at least '
                f'the crop size or crop less')

    def _skip(self, idx: int, filename: str, error: Exception) -> None:
        if not self._skipped[idx]:
            self._skipped[idx] = True
            print_log(
                f'skipping unusable video {filename}: '
                f'{type(error).__name__}: {error}',
                logger='current',
                level=logging.WARNING)
        self._skips_in_a_row += 1
        self._raise_if_nothing_left(filename, error)

    def _raise_if_nothing_left(self, filename: str, error: Exception) -> None:
        """Stop when every video was skipped or ``max_refetch`` in a row."""
        if self._skipped.all():
            cause = f'every video of {self.ann_file} is unusable'
        elif self._skips_in_a_row >= self.max_refetch:
            cause = (f'{self._skips_in_a_row} videos of {self.ann_file} '
                     f'fetched in a row were unusable')
        else:
            return
        raise BadVideoError(
            f"{cause} (bad_videos='skip'; {self.skipped_videos} of its "
            f'{len(self) + len(self.missing_videos)} videos left out so far; '
            f'the last: {filename}: {type(error).__name__}: {error}). Check '
            f'data_prefix, the videos and the pipeline ({SCAN_HINT})')
