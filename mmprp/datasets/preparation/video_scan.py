"""Find the videos of an annotation list that PRP pretraining cannot use."""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

from mmprp.datasets import PRPVideoDataset
from .annotation_lists import VideoReport, check_videos


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
