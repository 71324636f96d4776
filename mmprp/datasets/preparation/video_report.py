"""Which listed videos training can use: :func:`check_videos` opens and
decodes each as training does and gathers what it found in a
:class:`VideoReport`."""
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence

from mmengine.utils import track_iter_progress

from .ucf101_splits import PathLike, _write_lines
from .video_probe import PROBLEMS, VideoProbe, VideoProber


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
