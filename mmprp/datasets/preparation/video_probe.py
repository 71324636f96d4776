"""Open and decode videos as training does, in a child process.

decord can kill the process that decodes a broken file (MMAction2's
``DecordInit`` on truncated AVIs: a segmentation fault, depending on the
memory layout), so :class:`VideoProber` decodes in a child process: a crash
becomes a finding about that file, the child is started again, and the scan
goes on.
"""
import multiprocessing
import os
import re
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import List, NamedTuple, Optional

import cv2
import numpy as np
from decord._ffi.base import DECORDError
from mmcv.transforms import BaseTransform

from mmprp.datasets.transforms.decord_init_by_path import DecordInitByPath
from mmprp.datasets.video_container import PathLike, TruncatedVideoError

PROBLEMS = ('unreadable', 'truncated', 'corrupt', 'too narrow',
            'crashes decord', 'hangs decord')
# decord 0.6 fails to decode frames of some widths below this (8, 12, 16
# and 24 px fail; 20 and 26-31 px work).
MIN_SAFE_WIDTH = 32
# decord raises RuntimeError("Error reading ...") for files it cannot open,
# DECORDError for streams it cannot decode and asserts a positive frame count.
OPEN_ERRORS = (RuntimeError, DECORDError, OSError, AssertionError)
DECORD_PREFIX = re.compile(r'\[\d\d:\d\d:\d\d\] \S+:\d+: ')
# On Linux the child is forked: it starts (and restarts after a crash) at
# once with decord and mmaction imported, where a fresh interpreter takes
# seconds. The parent never decodes, so no decoder state is forked.
START_METHOD = 'fork' if sys.platform == 'linux' else 'spawn'


class VideoProbe(NamedTuple):
    """What opening and decoding one video found.

    Attributes:
        num_frames (int): Frames decord counts; 0 if it cannot open it.
        problem (str): ``''`` for a usable video, else one of
            :data:`PROBLEMS`.
        detail (str): What went wrong, for the report.
    """

    num_frames: int
    problem: str = ''
    detail: str = ''


def sample_indices(num_frames: int, num_samples: int) -> List[int]:
    """Frame indices spread evenly over a video, first and last included.

    Args:
        num_frames (int): Frames of the video, at least 1.
        num_samples (int): Indices wanted; 0 for every frame.

    Returns:
        list[int]: Distinct increasing indices.
    """
    if num_samples <= 0 or num_samples >= num_frames:
        return list(range(num_frames))
    spread = np.linspace(0, num_frames - 1, num_samples).round()
    return sorted(set(spread.astype(int).tolist()))


def _decord_message(error: Exception) -> str:
    """The first line of a decord error without its source prefixes."""
    lines = str(error).strip().splitlines() or ['']
    return f'{type(error).__name__}: {DECORD_PREFIX.sub("", lines[0])}'


def _frame_width(path: str) -> int:
    """The frame width the container declares (0 if unknown)."""
    capture = cv2.VideoCapture(path)
    try:
        return max(int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), 0)
    finally:
        capture.release()


def probe_video(path: str, opener: BaseTransform,
                sample_frames: int) -> VideoProbe:
    """Open a video with a pipeline's opener and decode a sample of frames.

    Run it in a child process (:class:`VideoProber`): decord may crash.

    Args:
        path (str): The video file.
        opener (BaseTransform): The opening transform of the pipeline, a
            ``DecordInit``: takes ``filename``, adds ``video_reader``.
        sample_frames (int): Frames to decode, spread from the first to the
            last; 0 decodes every frame.

    Returns:
        VideoProbe: The frame count, or the problem found.
    """
    if os.path.getsize(path) == 0:
        return VideoProbe(0, 'unreadable', 'empty file')
    try:
        reader = opener(dict(filename=path))['video_reader']
    except TruncatedVideoError as error:
        return VideoProbe(0, 'truncated', error.reason)
    except OPEN_ERRORS as error:
        return VideoProbe(0, 'unreadable', _decord_message(error))
    num_frames = len(reader)
    for index in sample_indices(num_frames, sample_frames):
        try:
            reader.get_batch([index])
        except DECORDError as error:
            width = _frame_width(path)
            if 0 < width < MIN_SAFE_WIDTH:
                return VideoProbe(
                    num_frames, 'too narrow',
                    f'frames {width} px wide: decord fails to decode some '
                    f'widths below {MIN_SAFE_WIDTH} px '
                    f'({_decord_message(error)})')
            return VideoProbe(
                num_frames, 'corrupt', f'frame {index} of {num_frames} '
                f'cannot be decoded: {_decord_message(error)}')
    return VideoProbe(num_frames)


def _serve(connection: Connection, opener: BaseTransform,
           sample_frames: int) -> None:
    """The child process: probe each path received until None arrives.

    Sends a :class:`VideoProbe`, or the traceback (str) of an error the
    probe does not expect, which the parent raises.
    """
    while True:
        path = connection.recv()
        if path is None:
            return
        try:
            answer = probe_video(path, opener, sample_frames)
        except Exception:  # unexpected: the parent raises it again
            answer = traceback.format_exc()
        connection.send(answer)


class VideoProber:
    """Probes videos one by one in a child process that may crash.

    The child opens each video as training does (by default with
    :class:`DecordInitByPath`, the shipped configs' first step) and decodes
    a sample of its frames (:func:`probe_video`). If the child dies (decord
    crashed) or does not answer within ``timeout``, the video is reported
    as ``'crashes decord'`` or ``'hangs decord'`` and a new child serves the
    next one. Use as a context manager.

    Args:
        sample_frames (int): Frames decoded per video, spread from the first
            to the last; 0 decodes every frame. Defaults to 8.
        opener (BaseTransform, optional): The transform that opens a video,
            a pipeline's ``DecordInit`` step (picklable). Defaults to
            ``DecordInitByPath()``.
        timeout (float): Seconds a video may take. Defaults to 300.
    """

    def __init__(self,
                 sample_frames: int = 8,
                 opener: Optional[BaseTransform] = None,
                 timeout: float = 300.) -> None:
        self.sample_frames = sample_frames
        self.opener = opener or DecordInitByPath()
        self.timeout = timeout
        self._context = multiprocessing.get_context(START_METHOD)
        self._process: Optional[multiprocessing.Process] = None
        self._connection: Optional[Connection] = None

    def __enter__(self) -> 'VideoProber':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def probe(self, path: PathLike) -> VideoProbe:
        """Open and decode one video in the child process.

        Args:
            path (str | Path): The video file.

        Returns:
            VideoProbe: What was found.

        Raises:
            RuntimeError: On an error of the probe itself (not of decord),
                with the child's traceback.
        """
        if self._process is None:
            self._start()
        self._connection.send(str(path))
        if not self._connection.poll(self.timeout):
            return self._child_failed(hung=True)
        try:
            answer = self._connection.recv()
        except EOFError:  # the child died
            return self._child_failed(hung=False)
        if isinstance(answer, str):
            raise RuntimeError(f'probing {path} failed in the child '
                               f'process:\n{answer}')
        return answer

    def close(self) -> None:
        """Stop the child process (a new one starts on the next probe)."""
        if self._process is None:
            return
        self._connection.send(None)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._connection.close()
        self._process = self._connection = None

    def _start(self) -> None:
        self._connection, child_end = self._context.Pipe()
        self._process = self._context.Process(
            target=_serve,
            args=(child_end, self.opener, self.sample_frames),
            daemon=True)
        self._process.start()
        child_end.close()

    def _child_failed(self, hung: bool) -> VideoProbe:
        if hung:
            self._process.kill()
        self._process.join()
        exitcode = self._process.exitcode
        self._connection.close()
        self._process = self._connection = None
        if hung:
            return VideoProbe(0, 'hangs decord',
                              f'no answer within {self.timeout:g} s')
        if exitcode < 0:
            how = f'killed by {signal.Signals(-exitcode).name}'
        else:
            how = f'exited with status {exitcode}'
        return VideoProbe(0, 'crashes decord',
                          f'the process decoding it was {how}')
