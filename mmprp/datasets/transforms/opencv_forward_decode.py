"""Decode frames with OpenCV: one checked seek, then forward; resize."""
import logging
from typing import Dict, List, Optional, Tuple, Union

import cv2
import mmcv
import numpy as np
from mmaction.datasets.transforms import Resize
from mmaction.registry import TRANSFORMS
from mmcv.image.geometric import cv2_interp_codes, pillow_interp_codes
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from ..video_container import UnreadableVideoError
from .opencv_init_by_path import CAPTURE_KEY, open_capture

# Seek only where the first frame wanted is this one or later. OpenCV's seek
# decodes the first frame, jumps back to the key frame at or before 16
# frames ahead of the frame asked for and decodes forward from there; closer
# to the start, decoding forward from the first frame costs no more
# (docs/performance.md).
MIN_SEEK_FRAME = 24
# What DecordInitByPath (decord) leaves for DecordDecode.
DECORD_READER_KEY = 'video_reader'
# The resize backends of mmcv.imresize and the interpolations each offers.
INTERPOLATIONS = dict(cv2=cv2_interp_codes, pillow=pillow_interp_codes)


def _in_order(imgs: List[np.ndarray], order: np.ndarray) -> List[np.ndarray]:
    """``imgs[i]`` for each ``i`` of ``order``, copied where repeated (so that
    in-place transforms such as ``Flip`` change one entry only).

    Args:
        imgs (list[np.ndarray]): The distinct frames.
        order (np.ndarray): An index into ``imgs`` per frame wanted.

    Returns:
        list[np.ndarray]: One array per entry of ``order``.
    """
    taken = set()
    ordered = []
    for index in order.tolist():
        ordered.append(imgs[index].copy() if index in taken else imgs[index])
        taken.add(index)
    return ordered


def _seek(capture: cv2.VideoCapture, index: int) -> bool:
    """Seek to frame ``index`` and grab it; check where it landed.

    OpenCV seeks by time (frame number over frame rate) and counts frames
    from the timestamps it decodes; the frame grabbed must carry the time
    of frame ``index`` counted from the first frame's (within half a frame).
    Where timestamps are missing, irregular or the seek fails, it does not.

    Args:
        capture (cv2.VideoCapture): Just after grabbing the first frame.
        index (int): The frame wanted, > 0.

    Returns:
        bool: True if the capture now holds frame ``index``.
    """
    first_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
    fps = capture.get(cv2.CAP_PROP_FPS)
    if fps <= 0 or not capture.set(cv2.CAP_PROP_POS_FRAMES, index):
        return False
    if not capture.grab():
        return False
    landed_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
    return abs(landed_ms - first_ms - 1000 * index / fps) < 500 / fps


@TRANSFORMS.register_module()
class OpenCVForwardDecode(BaseTransform):
    """Decode ``frame_inds`` of a local video with OpenCV, seeking once.

    The decoding step of mmprp's pipelines, after :class:`OpenCVInitByPath`,
    whose open capture it decodes from and releases: each video is opened
    once per sample. It gives the frames of MMAction2's ``DecordDecode``
    (same keys, the same RGB pixels; decoded in display order from the
    first frame, also on MPEG-4 AVIs with B-frames where decord's random
    access returns wrong frames).

    Each distinct frame wanted is decoded once, in increasing order
    (repeated indices, as ``SampleFrames`` gives for overlapping clips, get
    copies): it seeks once to the first frame wanted, then decodes forward
    to the last; ``grab`` decodes a frame without converting it,
    ``retrieve`` converts only the frames wanted. The seek is checked: the
    frame it lands on must carry the timestamp of that frame number counted
    from the first frame at the video's frame rate. Where it does not (a
    failed seek, missing or irregular timestamps), the capture is opened
    again and the frames are decoded from the first one, as the authors'
    loop reads them. Frames close to the start are decoded from the first
    frame without seeking.

    Every frame asked for must be decoded: a file that holds fewer frames
    than its header declares (cut short in a way its container does not
    show) or that cannot decode a frame raises
    :class:`~mmprp.datasets.video_container.UnreadableVideoError` naming the
    file and the frame, never a short or padded clip.

    With ``scale``, every frame is resized as soon as it is decoded, with
    MMAction2's ``Resize(scale, keep_ratio, interpolation)`` (its size
    rounding, its ``mmcv.imresize`` call, its keys), so that no frame is
    held at full size and no ``Resize`` need follow: ``imgs`` equal those of
    ``DecordDecode`` followed by that ``Resize``. ``backend='pillow'``
    resizes with Pillow instead (mmcv's ``imresize`` backend of that name):
    the pixels of ``PIL.Image.resize``, which the PRP and VCOP authors'
    data loaders use. Pillow's bilinear filter antialiases when shrinking,
    OpenCV's does not; use it to evaluate the authors' released weights on
    the pixels they were trained on (``tools/reproduce_paper.py
    --from-authors``; docs/downstream.md). It is slower than OpenCV's
    resize (docs/performance.md, "Data pipeline").

    Without a capture in the results (e.g. after :class:`DecordInitByPath`,
    as mmprp's configs were written before :class:`OpenCVInitByPath`) it
    opens the file itself, releases decord's reader, and logs once that the
    pipeline opens every video twice.

    Required Keys:

        - filename (a local file)
        - frame_inds (any order, repeats allowed)
        - video_capture (optional: the capture of ``OpenCVInitByPath``)

    Added Keys:

        - imgs
        - original_shape (the video's frame size)
        - img_shape
        - keep_ratio, scale_factor (with ``scale``, as ``Resize`` adds them)

    Modified Keys:

        - video_capture (removed; the capture is released)
        - video_reader (set to None where a decord reader was left)

    Args:
        num_threads (int): FFmpeg decoding threads where this transform
            opens the file itself (the capture of ``OpenCVInitByPath`` keeps
            that transform's). Defaults to 1 (data-loader workers decode in
            parallel).
        scale (float | tuple[int, int], optional): ``Resize``'s ``scale``,
            e.g. ``(-1, 128)`` (short side 128) or ``(171, 128)`` with
            ``keep_ratio=False``; None keeps the video's size. Defaults to
            None.
        keep_ratio (bool): ``Resize``'s ``keep_ratio``. Defaults to True.
        interpolation (str): ``Resize``'s ``interpolation``, one of the
            backend's (``'bilinear'``, ``'nearest'``, ``'bicubic'``,
            ``'lanczos'``; ``'area'`` with OpenCV, ``'box'`` and
            ``'hamming'`` with Pillow). Defaults to ``'bilinear'``.
        backend (str): What resizes: ``'cv2'`` (OpenCV, as ``Resize``) or
            ``'pillow'`` (``PIL.Image.resize``, the authors' pixels).
            Defaults to ``'cv2'``.

    Raises:
        ValueError: If ``backend`` is neither, or ``interpolation`` is not
            one of the backend's.
    """

    def __init__(self,
                 num_threads: int = 1,
                 scale: Optional[Union[float, Tuple[int, int]]] = None,
                 keep_ratio: bool = True,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2') -> None:
        if backend not in INTERPOLATIONS:
            raise ValueError(f'{self.__class__.__name__}: backend '
                             f'{backend!r} is not one of '
                             f'{sorted(INTERPOLATIONS)}')
        if interpolation not in INTERPOLATIONS[backend]:
            raise ValueError(
                f'{self.__class__.__name__}: interpolation '
                f'{interpolation!r} is not one of backend '
                f'{backend!r}\'s {sorted(INTERPOLATIONS[backend])}')
        self.num_threads = num_threads
        self.backend = backend
        self.resize = None if scale is None else Resize(
            scale, keep_ratio=keep_ratio, interpolation=interpolation)
        self._warned_second_open = False

    def transform(self, results: Dict) -> Dict:
        """Decode the frames of ``results['frame_inds']``.

        Args:
            results (dict): With ``filename``, ``frame_inds`` and (normally)
                ``video_capture``.

        Returns:
            dict: ``results`` with ``imgs`` (RGB uint8 arrays (H, W, 3), one
            per index, in the order of the indices; no two are the same
            array), ``original_shape`` and ``img_shape``.

        Raises:
            FileNotFoundError: If this transform opens the file itself and
                it does not exist.
            UnreadableVideoError: If OpenCV cannot open the file or decode a
                frame wanted (also where the file ends before it); the
                message names the file and the frame.
        """
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        distinct, order = np.unique(frame_inds, return_inverse=True)
        capture = self._take_capture(results)
        imgs = self._decode_frames(results, capture, distinct)
        results['imgs'] = _in_order(imgs, order.reshape(-1))
        return results

    def _take_capture(self, results: Dict) -> cv2.VideoCapture:
        """The capture of ``OpenCVInitByPath``, taken out of ``results``;
        without one, the file opened here.

        Args:
            results (dict): With ``filename``, maybe ``video_capture`` or
                decord's ``video_reader`` (released here).

        Returns:
            cv2.VideoCapture: Before its first frame.
        """
        capture = results.pop(CAPTURE_KEY, None)
        if capture is not None:
            return capture
        if results.get(DECORD_READER_KEY) is not None:
            results[DECORD_READER_KEY] = None
            self._warn_second_open()
        return open_capture(results['filename'], self.num_threads)

    def _warn_second_open(self) -> None:
        """Log once that a decord opener precedes this decoder."""
        if self._warned_second_open:
            return
        self._warned_second_open = True
        print_log(
            f'{self.__class__.__name__} opens every video again after '
            f'decord opened it (DecordInitByPath): start the pipeline with '
            f'OpenCVInitByPath instead to open each video once',
            logger='current',
            level=logging.WARNING)

    def _decode_frames(self, results: Dict, capture: cv2.VideoCapture,
                       frame_inds: np.ndarray) -> List[np.ndarray]:
        """Seek to the first frame wanted (checked) or decode from the first
        frame, then forward; release the capture.

        Args:
            results (dict): With ``filename``; gets the shape keys.
            capture (cv2.VideoCapture): Before its first frame; released.
            frame_inds (np.ndarray): Increasing frame indices.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.
        """
        filename = results['filename']
        try:
            index = self._start(capture, filename, int(frame_inds[0]))
            if index is None:
                capture.release()
                capture = open_capture(filename, self.num_threads)
                index = self._start(capture, filename, 0)
            return self._read_forward(results, capture, frame_inds, index)
        finally:
            capture.release()

    @staticmethod
    def _start(capture: cv2.VideoCapture, filename: str,
               first: int) -> Optional[int]:
        """Grab the first frame, then seek to ``first`` if it is far enough.

        Args:
            capture (cv2.VideoCapture): Before its first frame.
            filename (str): The video, for the error message.
            first (int): The first frame wanted.

        Returns:
            int | None: The index of the frame just grabbed (0, or ``first``
            after a checked seek), or None if the seek missed.
        """
        _grab(capture, filename, 0)
        if first < MIN_SEEK_FRAME:
            return 0
        return first if _seek(capture, first) else None

    def _read_forward(self, results: Dict, capture: cv2.VideoCapture,
                      frame_inds: np.ndarray, index: int) -> List[np.ndarray]:
        """Decode forward to the last frame wanted, keep the frames wanted.

        Args:
            results (dict): With ``filename``; gets ``original_shape``,
                ``img_shape`` (and ``Resize``'s keys) from the first frame.
            capture (cv2.VideoCapture): Holding frame ``index``, just
                grabbed.
            frame_inds (np.ndarray): Increasing frame indices, the first
                not before ``index``.
            index (int): The frame the capture holds.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.
        """
        filename = results['filename']
        imgs = []
        for wanted in frame_inds.tolist():
            while index < wanted:
                index += 1
                _grab(capture, filename, index)
            frame = _retrieve(capture, filename, index)
            if not imgs:
                self._set_shapes(results, frame.shape[:2])
            frame = self._resized(frame, results['img_shape'])
            imgs.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        return imgs

    def _set_shapes(self, results: Dict, shape: Tuple[int, int]) -> None:
        """Add the frame sizes (and ``Resize``'s keys) to ``results``.

        Args:
            results (dict): The results being decoded into.
            shape (tuple[int, int]): The video's ``(height, width)``.
        """
        results['original_shape'] = results['img_shape'] = shape
        if self.resize is not None:
            self.resize.transform(results)

    def _resized(self, frame: np.ndarray, img_shape: Tuple[int,
                                                           int]) -> np.ndarray:
        """A frame resized to ``img_shape`` as ``Resize`` resizes it.

        Resizing BGR frames before converting them to RGB converts fewer
        pixels; the result is the same, as both backends resize each channel
        alone.

        Args:
            frame (np.ndarray): (H, W, 3) uint8.
            img_shape (tuple[int, int]): ``(height, width)`` wanted.

        Returns:
            np.ndarray: (height, width, 3) uint8, or ``frame`` without
            ``scale``.
        """
        if self.resize is None or frame.shape[:2] == tuple(img_shape):
            return frame
        height, width = img_shape
        return mmcv.imresize(
            frame, (width, height),
            interpolation=self.resize.interpolation,
            backend=self.backend)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_threads={self.num_threads}, '
                f'resize={self.resize}, backend={self.backend!r})')


def _grab(capture: cv2.VideoCapture, filename: str, index: int) -> None:
    """Decode the next frame, frame ``index``, without converting it.

    Args:
        capture (cv2.VideoCapture): The capture.
        filename (str): The video, for the error message.
        index (int): The frame's index, for the error message.

    Raises:
        UnreadableVideoError: If there is no such frame or it cannot be
            decoded; the message names the file, the frame and the frame
            count its header declares.
    """
    if not capture.grab():
        declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        raise UnreadableVideoError(
            f'OpenCV cannot decode frame {index} of {filename} (its header '
            f'declares {declared} frames): the file ends before it or is '
            f'damaged there')


def _retrieve(capture: cv2.VideoCapture, filename: str,
              index: int) -> np.ndarray:
    """Convert the frame just grabbed (to BGR, OpenCV's order).

    Args:
        capture (cv2.VideoCapture): The capture.
        filename (str): The video, for the error message.
        index (int): The frame's index, for the error message.

    Returns:
        np.ndarray: (H, W, 3) uint8, BGR.

    Raises:
        UnreadableVideoError: If the frame cannot be converted.
    """
    ok, frame = capture.retrieve()
    if not ok:
        raise UnreadableVideoError(
            f'OpenCV cannot convert frame {index} of {filename}')
    return frame
