"""List every video of an annotation list that PRP pretraining cannot use.

Every listed video is opened as training opens it (by path, decord) and a
sample of its frames, spread from the first to the last, is decoded in a
child process, so a video that crashes decord is reported instead of ending
the scan. Reported: missing files, unreadable files (empty, not a video),
truncated files (shorter than their AVI/MP4 container declares), corrupt
files (a frame fails to decode), frames too narrow for decord, files that
crash or hang decord, and videos too short for each playback rate's window
(clip_len x rate frames), so dirty data is found before a 300-epoch run
rather than during it::

    python tools/misc/scan_videos.py \
        data/ucf101/ucf101_prp_train_split_1_videos.txt \
        --video-dir data/ucf101/videos [--rates 1 2 4 8] [--clip-len 16] \
        [--delimiter ' '] [--sample-frames 8] [--report scan.txt]

Exits with status 1 when some video cannot be used at any rate.
"""
import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

from mmprp.datasets import PRPVideoDataset
from mmprp.datasets.preparation import VideoReport, check_videos


@dataclass
class VideoScan:
    """What a scan of an annotation list found.

    Attributes:
        ann_file (str): The scanned list.
        num_listed (int): Videos in the list.
        report (VideoReport): Missing and unusable videos (unreadable,
            truncated, corrupt, too narrow, crashing decord) and frame
            counts.
        too_short (dict[int, list[str]]): For each rate, the usable videos
            shorter than its window (``clip_len * rate`` frames).
        windows (dict[int, int]): The window length of each rate.
    """

    ann_file: str
    num_listed: int
    report: VideoReport
    windows: Dict[int, int]
    too_short: Dict[int, List[str]] = field(default_factory=dict)

    @property
    def unusable(self) -> List[str]:
        """list[str]: Videos no rate can use (missing, unusable, short)."""
        smallest = min(self.windows)
        return (self.report.missing + sorted(self.report.problems)
                + self.too_short[smallest])

    def format(self) -> str:
        """A human-readable report, one problem per line."""
        lines = [
            f'{self.ann_file}: {self.num_listed} videos listed, '
            f'{len(self.report.frame_counts)} usable'
        ]
        lines += [f'missing: {video}' for video in self.report.missing]
        lines += self.report.problem_lines()
        for rate, videos in self.too_short.items():
            lines.append(f'rate {rate} ({self.windows[rate]} frames): '
                         f'{len(videos)} videos too short')
            lines += [
                f'  too short for rate {rate}: {video} '
                f'({self.report.frame_counts[video]} frames)'
                for video in videos
            ]
        lines.append(f'{len(self.unusable)} videos cannot be used at any '
                     f'rate')
        return '\n'.join(lines)


def scan_video_list(ann_file: str,
                    video_dir: str,
                    rates: Sequence[int] = (1, 2, 4, 8),
                    clip_len: int = 16,
                    progress: bool = True,
                    delimiter: str = ' ',
                    sample_frames: int = 8) -> VideoScan:
    """Check every video of a list the way PRP pretraining will use it.

    The list is parsed by :class:`PRPVideoDataset` (same checks and error
    messages as training); every existing video is opened as training opens
    it and a sample of its frames is decoded, in a child process
    (:func:`~mmprp.datasets.preparation.check_videos`); its frame count is
    compared with each rate's window.

    Args:
        ann_file (str): An MMAction2 video list.
        video_dir (str): The folder its paths are relative to.
        rates (Sequence[int]): Playback rates. Defaults to (1, 2, 4, 8).
        clip_len (int): Clip length. Defaults to 16.
        progress (bool): Show a progress bar. Defaults to True.
        delimiter (str): The list's field delimiter. Defaults to ``' '``.
        sample_frames (int): Frames decoded per video, spread from the first
            to the last; 0 decodes every frame. Defaults to 8.

    Returns:
        VideoScan: What was found.
    """
    dataset = PRPVideoDataset(
        ann_file=ann_file,
        pipeline=[],
        data_prefix=dict(video=str(video_dir)),
        delimiter=delimiter,
        bad_videos='skip')
    root = Path(video_dir)
    listed = [
        str(Path(dataset.get_data_info(index)['filename']).relative_to(root))
        for index in range(len(dataset))
    ]
    report = check_videos(
        root, listed, progress=progress, sample_frames=sample_frames)
    report.missing = [
        str(Path(video).relative_to(root)) for video in dataset.missing_videos
    ]
    windows = {rate: clip_len * rate for rate in sorted(rates)}
    too_short = {
        rate: [
            video for video, count in report.frame_counts.items()
            if count < window
        ]
        for rate, window in windows.items()
    }
    return VideoScan(ann_file,
                     len(listed) + len(report.missing), report, windows,
                     too_short)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='MMAction2 video list')
    parser.add_argument(
        '--video-dir',
        required=True,
        help='folder the list\'s paths are relative to')
    parser.add_argument(
        '--rates',
        type=int,
        nargs='+',
        default=[1, 2, 4, 8],
        help='playback rates (default: 1 2 4 8)')
    parser.add_argument(
        '--clip-len',
        type=int,
        default=16,
        help='frames per clip (default: 16)')
    parser.add_argument(
        '--delimiter',
        default=' ',
        help='field delimiter of the list, as the dataset\'s '
        '`delimiter` (default: a space; use e.g. "," for '
        'file names with spaces)')
    parser.add_argument(
        '--sample-frames',
        type=int,
        default=8,
        help='frames decoded per video, spread from the '
        'first to the last; 0 decodes every frame (slow) '
        '(default: 8)')
    parser.add_argument(
        '--no-progress',
        dest='progress',
        action='store_false',
        help='no progress bar')
    parser.add_argument(
        '--report', type=Path, help='also write the report to this file')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    try:
        scan = scan_video_list(args.ann_file, args.video_dir, args.rates,
                               args.clip_len, args.progress, args.delimiter,
                               args.sample_frames)
    except (ValueError, FileNotFoundError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    text = scan.format()
    print(f'\n{text}')
    if args.report:
        args.report.write_text(text + '\n')
    return 1 if scan.unusable else 0


if __name__ == '__main__':
    sys.exit(main())
