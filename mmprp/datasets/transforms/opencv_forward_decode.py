"""Decode frames with OpenCV: one checked seek, then forward; resize."""
import os.path as osp
from typing import Dict, List, Optional, Tuple, Union

import cv2
import decord
import mmcv
import numpy as np
from mmaction.datasets.transforms import Resize
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..video_container import UnreadableVideoError


class OpenCVPositionError(RuntimeError):
    """OpenCV's frame is not the frame of decord's index at that number."""


def _check_position(capture: cv2.VideoCapture, reader: decord.VideoReader,
                    index: int) -> None:
    """Raise unless the frame just grabbed has decord's timestamp of
    ``index`` (within half a frame).

    OpenCV seeks by time (frame number over frame rate), decord by its
    index of the file's frames; in videos of variable frame rate the two
    can disagree.

    Args:
        capture (cv2.VideoCapture): Positioned just after a ``grab``.
        reader (decord.VideoReader): The same video's decord reader.
        index (int): The frame number OpenCV should be at.

    Raises:
        OpenCVPositionError: If the timestamps differ by half a frame or
            more.
    """
    start, end = reader.get_frame_timestamp(index) * 1000
    position = capture.get(cv2.CAP_PROP_POS_MSEC)
    if abs(position - start) >= (end - start) / 2:
        raise OpenCVPositionError(
            f'OpenCV is at {position} ms, decord puts frame {index} at '
            f'{start} ms')


def _index_is_timed(reader: decord.VideoReader) -> bool:
    """Whether decord's index gives every frame its own, increasing time.

    decord gives no presentation time (FFmpeg's "no value", read as a huge
    negative number), or times out of order, for frames whose container
    stores none, such as MPEG-4 AVIs with B-frames (many UCF101 files are).
    Its random access then returns wrong frames (asked for frame 60 of such
    a file, it gave frame 38), and OpenCV's seek cannot be checked against
    its index.

    Args:
        reader (decord.VideoReader): The video's decord reader.

    Returns:
        bool: True if the frames' start times are not negative and strictly
        increase.
    """
    starts = reader.get_frame_timestamp(np.arange(len(reader)))[:, 0]
    return bool(np.all(starts >= 0) and np.all(np.diff(starts) > 0))


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


@TRANSFORMS.register_module()
class OpenCVForwardDecode(BaseTransform):
    """Decode ``frame_inds`` of a local video with OpenCV, seeking once.

    A drop-in for MMAction2's ``DecordDecode`` (same keys, the same RGB
    frames) after :class:`DecordInitByPath`, for local files. Each distinct
    frame wanted is decoded once (repeated indices, as ``SampleFrames`` gives
    for overlapping clips, get copies), in increasing order: it seeks to the
    first frame wanted and decodes forward to the last: ``grab`` decodes a
    frame without converting it, ``retrieve`` converts only the frames
    wanted. decord 0.6 converts the frames it skips too (its ``get_batch``
    of every 8th of 128 frames took 84 % of the time of all 128 here, this
    transform's decoding 55 %) and seeks again
    at each group of pictures a wanted frame lies in; on MPEG-4 videos of
    320x240 this transform decodes and resizes a PRP sample in about half
    of the time of ``DecordDecode`` and ``Resize`` (see
    ``benchmarks/README.md``). Its frames equal decord's
    (``tests/datasets/transforms/test_opencv_forward_decode.py`` compares
    them on MPEG-4, MJPEG and XviD files and H.264 with B-frames, grayscale
    and odd sizes; on MPEG-4 AVIs with B-frames, with decord's frames read
    in order from the first).

    With ``scale``, every frame is resized as soon as it is decoded, with
    MMAction2's ``Resize(scale, keep_ratio, interpolation)`` (its size
    rounding, its ``mmcv.imresize`` call, its keys), so that no frame is
    held at full size and no ``Resize`` need follow: ``imgs`` equal those of
    ``DecordDecode`` followed by that ``Resize``.

    The decord reader of :class:`DecordInitByPath` (which counts the frames
    and refuses truncated files) checks that OpenCV's first frame has the
    timestamp decord's index gives that frame number: OpenCV seeks by time,
    decord by its index, and in videos of variable frame rate the two can
    disagree. Where they do, the sample is decoded by decord
    (``DecordDecode``'s frames, then resized), slower but right. Where
    decord has no timestamps (MPEG-4 AVIs with B-frames, as many UCF101
    files are), neither seek can be trusted (decord's ``get_batch`` returns
    wrong frames there): the frames are then decoded from the video's first
    frame, as the authors' loop reads them, without converting the frames
    not wanted. The reader is then released, as ``DecordDecode`` does.

    Required Keys:

        - filename (a local file)
        - frame_inds (any order, repeats allowed)
        - video_reader (the decord reader of ``DecordInitByPath``)

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
            results (dict): With ``filename``, ``frame_inds`` and
                ``video_reader``.

        Returns:
            dict: ``results`` with ``imgs`` (RGB uint8 arrays (H, W, 3), one
            per index, in the order of the indices; no two are the same
            array), ``original_shape`` and ``img_shape``.

        Raises:
            UnreadableVideoError: If OpenCV cannot open the file, seek to
                the first frame or decode a frame; the message names the
                file and the frame.
        """
        frame_inds = np.asarray(results['frame_inds']).reshape(-1)
        distinct, order = np.unique(frame_inds, return_inverse=True)
        reader = results['video_reader']
        results['video_reader'] = None
        imgs = self._decode_frames(results, distinct, reader)
        results['imgs'] = _in_order(imgs, order.reshape(-1))
        return results

    def _decode_frames(self, results: Dict, frame_inds: np.ndarray,
                       reader: decord.VideoReader) -> List[np.ndarray]:
        """Seek with OpenCV where decord's index can check it, else decode
        from the first frame; decord decodes where the check fails.

        Args:
            results (dict): With ``filename``; gets the shape keys.
            frame_inds (np.ndarray): Increasing frame indices.
            reader (decord.VideoReader): The video's decord reader.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.
        """
        if not frame_inds[0] or not _index_is_timed(reader):
            return self._decode(results, frame_inds)
        try:
            return self._decode(results, frame_inds, reader)
        except OpenCVPositionError:
            return self._decode_with_decord(results, frame_inds, reader)

    def _decode(
            self,
            results: Dict,
            frame_inds: np.ndarray,
            reader: Optional[decord.VideoReader] = None) -> List[np.ndarray]:
        """Decode forward to the last frame wanted, keep the frames wanted.

        Args:
            results (dict): With ``filename``; gets ``original_shape``,
                ``img_shape`` (and ``Resize``'s keys) from the first frame.
            frame_inds (np.ndarray): Increasing frame indices.
            reader (decord.VideoReader, optional): With it, seek to the first
                frame wanted and check OpenCV's position against the
                reader's index; without it, decode from the video's first
                frame.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.

        Raises:
            OpenCVPositionError: If OpenCV's first frame is not decord's.
        """
        filename = results['filename']
        capture = self._open(filename)
        try:
            start = 0 if reader is None else int(frame_inds[0])
            if start and not capture.set(cv2.CAP_PROP_POS_FRAMES, start):
                raise UnreadableVideoError(
                    f'OpenCV cannot seek to frame {start} of {filename}')
            imgs = []
            wanted = iter(frame_inds.tolist())
            next_wanted = next(wanted)
            for index in range(start, int(frame_inds[-1]) + 1):
                if not capture.grab():
                    raise UnreadableVideoError(
                        f'OpenCV cannot decode frame {index} of {filename}')
                if start and index == start:
                    _check_position(capture, reader, start)
                if index == next_wanted:
                    frame = self._retrieve(capture, filename, index)
                    if not imgs:
                        self._set_shapes(results, frame.shape[:2])
                    frame = self._resized(frame, results['img_shape'])
                    imgs.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
                    next_wanted = next(wanted, None)
            return imgs
        finally:
            capture.release()

    def _decode_with_decord(self, results: Dict, frame_inds: np.ndarray,
                            reader: decord.VideoReader) -> List[np.ndarray]:
        """Decode as ``DecordDecode`` (then resize as ``Resize``) does.

        Args:
            results (dict): Gets ``original_shape``, ``img_shape`` (and
                ``Resize``'s keys).
            frame_inds (np.ndarray): The frame indices.
            reader (decord.VideoReader): The video's decord reader.

        Returns:
            list[np.ndarray]: The frames, RGB (H, W, 3) uint8, resized.
        """
        frames = reader.get_batch(frame_inds).asnumpy()
        self._set_shapes(results, frames.shape[1:3])
        return [self._resized(frame, results['img_shape']) for frame in frames]

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
        pixels; the result is the same, as the resize treats each channel
        alike.

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
            frame, (width, height), interpolation=self.resize.interpolation)

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
