"""Decode sorted frames with OpenCV: one seek, then forward; resize."""
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmaction.datasets.transforms import Resize
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_container import UnreadableVideoError


@TRANSFORMS.register_module()
class OpenCVForwardDecode(BaseTransform):
    """Decode ``frame_inds`` of a local video with OpenCV, seeking once.

    A drop-in for MMAction2's ``DecordDecode`` (same keys, the same RGB
    frames) after :class:`DecordInitByPath`, for local files and frames in
    increasing order, such as :class:`PlaybackRateSampler`'s. It seeks to the
    first frame wanted and decodes forward to the last: ``grab`` decodes a
    frame without converting it, ``retrieve`` converts only the frames
    wanted. decord 0.6 instead converts every frame it decodes to RGB,
    wanted or skipped, and seeks again at each group of pictures a wanted
    frame lies in; on MPEG-4 videos of 320x240 this transform decodes a PRP
    sample in about half of ``DecordDecode``'s time (see
    ``benchmarks/README.md``). Its frames equal decord's
    (``tests/datasets/transforms/test_opencv_forward_decode.py`` compares
    them on MPEG-4, MJPEG and XviD files, grayscale and odd sizes).

    With ``scale``, every frame is resized as soon as it is decoded, with
    MMAction2's ``Resize(scale, keep_ratio, interpolation)`` (its size
    rounding, its ``mmcv.imresize`` call, its keys), so that no frame is
    held at full size and no ``Resize`` need follow: ``imgs`` equal those of
    ``DecordDecode`` followed by that ``Resize``.

    The decord reader of :class:`DecordInitByPath` (which counts the frames
    and refuses truncated files) is released, as ``DecordDecode`` does.

    Required Keys:

        - filename (a local file)
        - frame_inds (increasing)
        - video_reader (optional, released)

    Added Keys:

        - imgs
        - original_shape (the video's frame size)
        - img_shape
        - keep_ratio, scale_factor (with ``scale``, as ``Resize`` adds them)

    Modified Keys:

        - video_reader (set to None)

    Args:
        num_threads (int): FFmpeg decoding threads. Defaults to 1 (as
            ``DecordInitByPath``; data-loader workers decode in parallel).
        scale (float | tuple[int, int], optional): ``Resize``'s ``scale``,
            e.g. ``(-1, 128)`` (short side 128) or ``(171, 128)`` with
            ``keep_ratio=False``; None keeps the video's size. Defaults to
            None.
        keep_ratio (bool): ``Resize``'s ``keep_ratio``. Defaults to True.
        interpolation (str): ``Resize``'s ``interpolation``. Defaults to
            ``'bilinear'``.
    """

    def __init__(self,
                 num_threads: int = 1,
                 scale: Optional[Union[float, Tuple[int, int]]] = None,
                 keep_ratio: bool = True,
                 interpolation: str = 'bilinear') -> None:
        self.num_threads = num_threads
        self.resize = None if scale is None else Resize(
            scale, keep_ratio=keep_ratio, interpolation=interpolation)

    def transform(self, results: Dict) -> Dict:
        """Decode the frames of ``results['frame_inds']``.

        Args:
            results (dict): With ``filename`` and ``frame_inds``.

        Returns:
            dict: ``results`` with ``imgs`` (RGB uint8 arrays (H, W, 3), one
            per index), ``original_shape`` and ``img_shape``.

        Raises:
            ValueError: If ``frame_inds`` is not increasing.
            UnreadableVideoError: If OpenCV cannot open the file, seek to
                the first frame or decode a frame; the message names the
                file and the frame.
        """
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        if np.any(np.diff(frame_inds) <= 0):
            raise ValueError(
                f'{self.__class__.__name__} decodes increasing frame '
                f'indices, got {frame_inds.tolist()} for '
                f'{results["filename"]}; use DecordDecode for others')
        results['video_reader'] = None
        results['imgs'] = self._decode(results, frame_inds)
        return results

    def _decode(self, results: Dict, frame_inds: np.ndarray) -> List:
        """Seek to the first frame, decode forward, keep the frames wanted.

        Args:
            results (dict): With ``filename``; gets ``original_shape``,
                ``img_shape`` (and ``Resize``'s keys) from the first frame.
            frame_inds (np.ndarray): Increasing frame indices.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.
        """
        filename = results['filename']
        capture = self._open(filename)
        try:
            first = int(frame_inds[0])
            if first and not capture.set(cv2.CAP_PROP_POS_FRAMES, first):
                raise UnreadableVideoError(
                    f'OpenCV cannot seek to frame {first} of {filename}')
            imgs = []
            wanted = iter(frame_inds.tolist())
            next_wanted = next(wanted)
            for index in range(first, int(frame_inds[-1]) + 1):
                if not capture.grab():
                    raise UnreadableVideoError(
                        f'OpenCV cannot decode frame {index} of {filename}')
                if index == next_wanted:
                    frame = self._retrieve(capture, filename, index)
                    if not imgs:
                        self._set_shapes(results, frame.shape[:2])
                    imgs.append(self._to_output(frame, results['img_shape']))
                    next_wanted = next(wanted, None)
            return imgs
        finally:
            capture.release()

    def _set_shapes(self, results: Dict, shape: Tuple[int, int]) -> None:
        """Add the frame sizes (and ``Resize``'s keys) to ``results``.

        Args:
            results (dict): The results being decoded into.
            shape (tuple[int, int]): The video's ``(height, width)``.
        """
        results['original_shape'] = results['img_shape'] = shape
        if self.resize is not None:
            self.resize.transform(results)

    def _to_output(self, frame: np.ndarray,
                   img_shape: Tuple[int, int]) -> np.ndarray:
        """Resize a decoded BGR frame to ``img_shape`` and make it RGB.

        Resizing first converts fewer pixels; the result is the same, as
        the resize treats each channel alike.

        Args:
            frame (np.ndarray): (H, W, 3) BGR uint8.
            img_shape (tuple[int, int]): ``(height, width)`` wanted.

        Returns:
            np.ndarray: (height, width, 3) RGB uint8.
        """
        if self.resize is not None and frame.shape[:2] != tuple(img_shape):
            height, width = img_shape
            frame = mmcv.imresize(
                frame, (width, height),
                interpolation=self.resize.interpolation)
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def _open(self, filename: str) -> cv2.VideoCapture:
        """Open a local video with OpenCV's FFmpeg backend.

        Args:
            filename (str): The video.

        Returns:
            cv2.VideoCapture: The opened capture.
        """
        if not osp.isfile(filename):
            raise FileNotFoundError(
                f'{filename} is not a local file; {self.__class__.__name__} '
                f'reads local files only (use DecordDecode for others)')
        capture = cv2.VideoCapture(filename, cv2.CAP_FFMPEG,
                                   [cv2.CAP_PROP_N_THREADS, self.num_threads])
        if not capture.isOpened():
            raise UnreadableVideoError(f'OpenCV cannot open {filename}')
        return capture

    @staticmethod
    def _retrieve(capture: cv2.VideoCapture, filename: str,
                  index: int) -> np.ndarray:
        """Convert the frame just grabbed (to BGR, OpenCV's order).

        Args:
            capture (cv2.VideoCapture): The capture.
            filename (str): The video, for the error message.
            index (int): The frame's index, for the error message.

        Returns:
            np.ndarray: (H, W, 3) uint8, BGR.
        """
        ok, frame = capture.retrieve()
        if not ok:
            raise UnreadableVideoError(
                f'OpenCV cannot convert frame {index} of {filename}')
        return frame

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_threads={self.num_threads}, '
                f'resize={self.resize})')
