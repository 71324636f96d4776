"""Open a local video once, with OpenCV: its frame count and frame rate."""
import os.path as osp
from typing import Dict

import cv2
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_container import UnreadableVideoError, check_not_truncated

LOCAL_BACKEND = 'disk'
# Where OpenCVInitByPath hands its open capture to OpenCVForwardDecode.
CAPTURE_KEY = 'video_capture'


def local_video_path(filename: str) -> str:
    """The file to open: ``.mp4`` appended to a name without extension, as
    MMAction2's ``DecordInit`` does.

    Args:
        filename (str): The video as the dataset lists it.

    Returns:
        str: The path to open.

    Raises:
        FileNotFoundError: If that path is not a file.
    """
    if osp.splitext(filename)[0] == filename:
        filename = filename + '.mp4'
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} is not a local file')
    return filename


def open_capture(filename: str, num_threads: int) -> cv2.VideoCapture:
    """Open a local video with OpenCV's FFmpeg backend.

    Args:
        filename (str): The video (see :func:`local_video_path`).
        num_threads (int): FFmpeg decoding threads.

    Returns:
        cv2.VideoCapture: The opened capture, before its first frame.

    Raises:
        FileNotFoundError: If the file does not exist.
        UnreadableVideoError: If OpenCV cannot open it (empty, not a
            video).
    """
    filename = local_video_path(filename)
    capture = cv2.VideoCapture(filename, cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_N_THREADS, num_threads])
    if not capture.isOpened():
        raise UnreadableVideoError(f'OpenCV cannot open {filename}')
    return capture


@TRANSFORMS.register_module()
class OpenCVInitByPath(BaseTransform):
    """Open a local video once, for the sampler and the decoder after it.

    The first step of mmprp's pipelines, in place of MMAction2's
    ``DecordInit``: samplers (``PlaybackRateSampler``, ``SampleFrames``)
    need the frame count before any frame is decoded, and
    :class:`OpenCVForwardDecode` then decodes from the capture opened here,
    so that every video is opened once per sample, by one decoder. decord
    is not used: it crashes the process on truncated AVIs read from memory
    (``DecordInit``), and its random access returns wrong frames on MPEG-4
    AVIs with B-frames.

    The file is first checked against the size its AVI or MP4 container
    declares (:func:`~mmprp.datasets.video_container.check_not_truncated`):
    a truncated file raises :class:`TruncatedVideoError` naming it, which
    :class:`~mmprp.datasets.PRPVideoDataset` handles by its ``bad_videos``
    policy. The frame count is the one the container's header declares
    (``CAP_PROP_FRAME_COUNT``); a file that holds fewer frames than that
    (cut in a way its container does not show) is refused by
    :class:`OpenCVForwardDecode` when a sample needs a missing frame.

    The capture holds an open file: :class:`OpenCVForwardDecode` releases
    it. If the sample ends before (a sampler returns None for a video too
    short for its rate, or a bad-video error is raised), it is released
    when the sample's results are dropped. Results holding a capture cannot
    be pickled or deep-copied: decode in the process that opened it, as
    data-loader workers do.

    Local files only; for other MMAction2 file backends use ``DecordInit``
    and ``DecordDecode`` (or :class:`DecordInitByPath`).

    Required Keys:

        - filename (a local file; ``.mp4`` is appended to a name without
          extension, as ``DecordInit`` does)

    Added Keys:

        - video_capture (the open ``cv2.VideoCapture``)
        - total_frames (the container's frame count)
        - avg_fps

    Args:
        io_backend (str): Only ``'disk'``, accepted so that configs written
            for ``DecordInit`` (``dict(type=..., io_backend='disk')``) can
            name this transform instead. Defaults to ``'disk'``.
        num_threads (int): FFmpeg decoding threads of the capture. Defaults
            to 1 (data-loader workers decode in parallel).

    Raises:
        ValueError: If ``io_backend`` is not ``'disk'``.
    """

    def __init__(self,
                 io_backend: str = LOCAL_BACKEND,
                 num_threads: int = 1) -> None:
        if io_backend != LOCAL_BACKEND:
            raise ValueError(
                f'{self.__class__.__name__} opens local files only '
                f"(io_backend='{LOCAL_BACKEND}'), got io_backend="
                f"{io_backend!r}; for other backends use DecordInit and "
                f'DecordDecode')
        self.io_backend = io_backend
        self.num_threads = num_threads

    def transform(self, results: Dict) -> Dict:
        """Open ``results['filename']`` and count its frames.

        Args:
            results (dict): With ``filename``.

        Returns:
            dict: ``results`` with ``video_capture``, ``total_frames`` and
            ``avg_fps``.

        Raises:
            FileNotFoundError: If the file does not exist.
            TruncatedVideoError: If the file is shorter than its AVI or MP4
                container declares.
            UnreadableVideoError: If OpenCV cannot open it or finds no
                frames in it.
        """
        filename = local_video_path(results['filename'])
        check_not_truncated(filename)
        capture = open_capture(filename, self.num_threads)
        total_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        if total_frames <= 0:
            capture.release()
            raise UnreadableVideoError(
                f'OpenCV finds no frames in {filename} (frame count '
                f'{total_frames})')
        results.update({
            CAPTURE_KEY: capture,
            'total_frames': total_frames,
            'avg_fps': capture.get(cv2.CAP_PROP_FPS)
        })
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(io_backend={self.io_backend}, '
                f'num_threads={self.num_threads})')
