"""Annotation lists of UCF101 and HMDB51 from their official split files.

For each split ``k`` and a dataset ``<prefix>`` (``ucf101``, ``hmdb51``),
:func:`write_dataset_lists` writes MMAction2 ``VideoDataset`` lists
(``"<class>/<video> <0-based label>"`` lines) named as MMAction2 names them:

* ``<prefix>_train_split_{k}_videos.txt``: the official train list;
* ``<prefix>_val_split_{k}_videos.txt``: the official test list;
* ``<prefix>_prp_train_split_{k}_videos.txt`` and
  ``<prefix>_prp_val_split_{k}_videos.txt``: PRP pretraining's lists, the
  official train list with ``num_val`` videos held out for validation (the
  authors hold out 800 for UCF101 and 400 for HMDB51).

:func:`check_videos` opens every listed video first; :func:`main` (behind
``tools/data/<dataset>/prepare_<dataset>_annotations.py``) leaves the
missing, unusable (unreadable, truncated, corrupt, too narrow for decord,
crashing decord) and too short ones out of every list and names them in a
report, or with ``--strict`` fails naming them.
"""
import argparse
import random
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.utils import track_iter_progress

from .hmdb51_splits import read_hmdb51_split
from .ucf101_splits import (Entry, OfficialSplit, PathLike, _write_lines,
                            read_ucf101_split, write_mmaction_list)
from .video_probe import PROBLEMS, VideoProbe, VideoProber

SplitReader = Callable[[PathLike, int], OfficialSplit]
Splits = Dict[int, Tuple[List[Entry], List[Entry]]]

LIST_FILE = '{prefix}_{subset}_split_{split}_videos.txt'
SUBSETS = ('train', 'val', 'prp_train', 'prp_val')
REPORT_FILE = '{prefix}_video_report.txt'


def hold_out_validation(entries: Sequence[Entry], num_val: int,
                        seed: int) -> Tuple[List[Entry], List[Entry]]:
    """Hold out a seeded random subset of a train list for validation.

    As the authors' code (a random split of the train list, not stratified
    by class), every video is equally likely to be held out. Both lists keep
    the order of ``entries``.

    Args:
        entries (Sequence[tuple[str, int]]): The train list.
        num_val (int): Videos to hold out, in ``[1, len(entries))``.
        seed (int): The seed; the same entries and seed give the same lists.

    Returns:
        tuple[list, list]: The remaining train entries and the held out
        validation entries, disjoint and together ``entries``.

    Raises:
        ValueError: If ``num_val`` is out of range.
    """
    if not 1 <= num_val < len(entries):
        raise ValueError(f'cannot hold out {num_val} of {len(entries)} '
                         f'train videos for validation: need 1 <= num_val '
                         f'< {len(entries)}')
    held_out = set(random.Random(seed).sample(range(len(entries)), num_val))
    train = [entry for i, entry in enumerate(entries) if i not in held_out]
    val = [entry for i, entry in enumerate(entries) if i in held_out]
    return train, val


@dataclass
class VideoReport:
    """What :func:`check_videos` found.

    Attributes:
        video_dir (Path): The folder the videos were looked up in.
        min_frames (int): The fewest frames a video must have; 0 for no
            bound.
        frame_counts (dict[str, int]): Frame count of each usable video,
            by path relative to ``video_dir``.
        missing (list[str]): Videos that are not files.
        problems (dict[str, VideoProbe]): Videos training cannot use
            (unreadable, truncated, corrupt, too narrow, or crashing or
            hanging decord), with what was found.
        too_short (list[str]): Usable videos with fewer than ``min_frames``
            frames.
    """

    video_dir: Path
    min_frames: int = 0
    frame_counts: Dict[str, int] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)
    problems: Dict[str, VideoProbe] = field(default_factory=dict)
    too_short: List[str] = field(default_factory=list)

    @property
    def excluded(self) -> List[str]:
        """list[str]: The missing, unusable and too short videos."""
        return [*self.missing, *self.problems, *self.too_short]

    def summary(self) -> str:
        """Count the videos checked and the problems found.

        Missing and unreadable videos are always counted, the other
        problems when some video has them.

        Returns:
            str: One line.
        """
        checked = sum(
            map(len, (self.frame_counts, self.missing, self.problems)))
        found = Counter(probe.problem for probe in self.problems.values())
        counts = [f'{len(self.missing)} missing'] + [
            f'{found[problem]} {problem}' for problem in PROBLEMS
            if found[problem] or problem == 'unreadable'
        ]
        if self.min_frames:
            counts.append(f'{len(self.too_short)} with fewer than '
                          f'{self.min_frames} frames')
        return f'checked {checked} videos: {", ".join(counts)}'

    def problem_lines(self) -> List[str]:
        """Name each unusable video and what is wrong with it.

        Returns:
            list[str]: ``'<problem>: <video> (<detail>)'`` lines, in the
            order of :data:`~mmprp.datasets.preparation.video_probe.PROBLEMS`.
        """
        return [
            f'{problem}: {video} ({probe.detail})' for problem in PROBLEMS
            for video, probe in self.problems.items()
            if probe.problem == problem
        ]

    def excluded_lines(self) -> List[str]:
        """Name each excluded video and what is wrong with it.

        Returns:
            list[str]: One line per video.
        """
        return ([f'missing: {video}'
                 for video in self.missing] + self.problem_lines() + [
                     f'too short: {video} ({self.frame_counts[video]} frames)'
                     for video in self.too_short
                 ])

    def write(self, path: PathLike) -> Path:
        """Write a human-readable report.

        Args:
            path (str | Path): The file; its folder is created.

        Returns:
            Path: The file written.
        """
        lines = [f'videos in {self.video_dir}', self.summary()]
        counts = list(self.frame_counts.values())
        if counts:
            lines.append(f'frames per usable video: min {min(counts)}, '
                         f'median {statistics.median(counts):g}, '
                         f'max {max(counts)}')
        problems = self.excluded_lines()
        lines.append(f'left out of every annotation list ({len(problems)}):')
        lines += [f'  {problem}' for problem in problems]
        return _write_lines(path, lines)


def check_videos(video_dir: PathLike,
                 videos: Sequence[str],
                 min_frames: int = 0,
                 progress: bool = True,
                 sample_frames: int = 8) -> VideoReport:
    """Open and decode every video as training does and collect the ones
    that fail.

    Each video is opened by :class:`~mmprp.datasets.DecordInitByPath` (the
    shipped configs' opener) and ``sample_frames`` of its frames, spread
    from the first to the last, are decoded, in a child process that is
    started again when decord crashes (see
    :class:`~mmprp.datasets.preparation.video_probe.VideoProber`).

    Args:
        video_dir (str | Path): The folder the paths are relative to.
        videos (Sequence[str]): Video paths relative to ``video_dir``.
        min_frames (int): Report usable videos with fewer frames as too
            short; 0 for no bound. Defaults to 0.
        progress (bool): Show a progress bar. Defaults to True.
        sample_frames (int): Frames decoded per video; 0 decodes every
            frame. Defaults to 8.

    Returns:
        VideoReport: Frame counts and problems.
    """
    report = VideoReport(Path(video_dir), min_frames)
    if progress:
        videos = track_iter_progress(videos, file=sys.stdout)
    with VideoProber(sample_frames) as prober:
        for video in videos:
            path = report.video_dir / video
            if not path.is_file():
                report.missing.append(video)
                continue
            probe = prober.probe(path)
            if probe.problem:
                report.problems[video] = probe
                continue
            report.frame_counts[video] = probe.num_frames
            if probe.num_frames < min_frames:
                report.too_short.append(video)
    return report


def read_splits(read_split: SplitReader, split_dir: PathLike,
                splits: Sequence[int]) -> Splits:
    """Read several official splits of a dataset.

    Args:
        read_split (SplitReader): Reads one split, as
            :func:`~mmprp.datasets.preparation.read_ucf101_split` or
            :func:`~mmprp.datasets.preparation.read_hmdb51_split`.
        split_dir (str | Path): The official split files.
        splits (Sequence[int]): The split numbers.

    Returns:
        dict[int, tuple[list, list]]: Split number to its train and test
        entries.
    """
    return {split: read_split(split_dir, split)[:2] for split in splits}


def unique_videos(splits: Splits) -> List[str]:
    """List every video of some splits once, in order of appearance.

    Args:
        splits (dict[int, tuple[list, list]]): As :func:`read_splits`
            returns.

    Returns:
        list[str]: The relative video paths.
    """
    return list(
        dict.fromkeys(video for train, test in splits.values()
                      for video, _ in [*train, *test]))


def write_dataset_lists(
    out_dir: PathLike,
    prefix: str,
    splits: Splits,
    num_val: int,
    seed: int,
    exclude: Sequence[str] = ()) -> Dict[Path, int]:
    """Write the MMAction2 and the PRP pretraining lists of every split.

    Every list is computed before any is written, so an invalid ``num_val``
    writes nothing.

    Args:
        out_dir (str | Path): The output folder.
        prefix (str): The dataset's file name prefix, e.g. ``'ucf101'``.
        splits (dict[int, tuple[list, list]]): Split number to its train and
            test entries, as :func:`read_splits` returns.
        num_val (int): Train videos held out for PRP's validation list.
        seed (int): Seed of the hold-out (see :func:`hold_out_validation`).
        exclude (Sequence[str]): Videos left out of every list, e.g.
            :attr:`VideoReport.excluded`. Defaults to none.

    Returns:
        dict[Path, int]: Each file written and its number of videos, per
        split the train, val, PRP train and PRP val list.

    Raises:
        ValueError: If ``num_val`` is not less than the train videos left.
    """
    excluded = set(exclude)
    lists = {}
    for split, official in splits.items():
        train, test = ([
            entry for entry in entries if entry[0] not in excluded
        ] for entries in official)
        prp_train, prp_val = hold_out_validation(train, num_val, seed)
        for subset, entries in zip(SUBSETS, (train, test, prp_train, prp_val)):
            name = LIST_FILE.format(prefix=prefix, subset=subset, split=split)
            lists[Path(out_dir) / name] = entries
    return {
        write_mmaction_list(path, entries): len(entries)
        for path, entries in lists.items()
    }


class DatasetFormat(NamedTuple):
    """How a dataset's official splits are read, for :func:`main`.

    Attributes:
        name (str): The file name prefix and folder under ``data/``.
        read_split (SplitReader): Reads one official split.
        num_val (int): Default number of train videos held out.
        split_dir (str): Default folder of the official split files.
        split_files (str): The names of the official split files, for help.
    """

    name: str
    read_split: SplitReader
    num_val: int
    split_dir: str
    split_files: str


UCF101 = DatasetFormat('ucf101', read_ucf101_split, 800,
                       'data/ucf101/ucfTrainTestlist',
                       'classInd.txt, trainlist0N.txt and testlist0N.txt')
HMDB51 = DatasetFormat('hmdb51', read_hmdb51_split, 400,
                       'data/hmdb51/testTrainMulti_7030_splits',
                       '<class>_test_split<N>.txt')


def parse_args(dataset: DatasetFormat,
               argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line of a ``prepare_<dataset>_annotations.py`` tool.

    Args:
        dataset (DatasetFormat): The dataset.
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    data_dir = f'data/{dataset.name}'
    parser = argparse.ArgumentParser(
        description=f'Write the {dataset.name} annotation lists of MMAction2 '
        'and PRP pretraining from the official split files, leaving out '
        'listed videos that are missing or that training cannot decode '
        '(each is opened and a sample of its frames decoded as training '
        'does, in a child process).')
    parser.add_argument(
        '--split-dir',
        default=dataset.split_dir,
        help=f'folder of the official {dataset.split_files} '
        '(default: %(default)s)')
    parser.add_argument(
        '--video-dir',
        default=f'{data_dir}/videos',
        help='folder of the class folders of videos (default: %(default)s)')
    parser.add_argument(
        '--out-dir',
        default=data_dir,
        help='where the lists and the report go (default: %(default)s)')
    parser.add_argument(
        '--num-val',
        type=int,
        default=dataset.num_val,
        help='train videos held out for PRP validation (default: '
        '%(default)s)')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the hold-out')
    parser.add_argument(
        '--splits',
        type=int,
        nargs='+',
        default=[1, 2, 3],
        help='official splits to convert (default: 1 2 3)')
    parser.add_argument(
        '--min-frames',
        type=int,
        default=0,
        help='also leave out videos with fewer frames (default: 0, none)')
    parser.add_argument(
        '--sample-frames',
        type=int,
        default=8,
        help='frames decoded per video, spread from the first to the last; '
        '0 decodes every frame (default: %(default)s)')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='fail naming the missing, unusable or too short videos '
        'instead of leaving them out')
    return parser.parse_args(argv)


def prepare_annotations(dataset: DatasetFormat,
                        args: argparse.Namespace) -> None:
    """Check the videos, write the lists and the report, print a summary.

    Args:
        dataset (DatasetFormat): The dataset.
        args (argparse.Namespace): As :func:`parse_args` returns.

    Raises:
        OSError: If a split file cannot be read or an output written.
        ValueError: On a malformed split file, an invalid ``--num-val``, or
            with ``--strict`` a video that is missing, unusable or too
            short.
    """
    splits = read_splits(dataset.read_split, args.split_dir, args.splits)
    report = check_videos(
        args.video_dir,
        unique_videos(splits),
        args.min_frames,
        sample_frames=args.sample_frames)
    print(f'\n{report.summary()}')
    if args.strict and report.excluded:
        raise ValueError('--strict and some videos cannot be used:\n'
                         + '\n'.join(report.excluded_lines()))
    written = write_dataset_lists(args.out_dir, dataset.name, splits,
                                  args.num_val, args.seed, report.excluded)
    for path, count in written.items():
        print(f'wrote {path} ({count} videos)')
    report_file = Path(args.out_dir) / REPORT_FILE.format(prefix=dataset.name)
    print(f'wrote {report.write(report_file)}')
    if report.excluded:
        print(f'{len(report.excluded)} listed videos left out of every '
              f'list, named in {report_file}')


def main(dataset: DatasetFormat, argv: Optional[List[str]] = None) -> None:
    """Run a ``prepare_<dataset>_annotations.py`` tool.

    Args:
        dataset (DatasetFormat): The dataset.
        argv (list[str], optional): Arguments; defaults to ``sys.argv``.

    Raises:
        SystemExit: With the message of any error of
            :func:`prepare_annotations`.
    """
    args = parse_args(dataset, argv)
    try:
        prepare_annotations(dataset, args)
    except (OSError, ValueError) as error:
        raise SystemExit(f'error: {error}') from None
