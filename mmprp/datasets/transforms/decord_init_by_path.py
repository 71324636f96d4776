"""MMAction2's DecordInit that opens local videos by path."""
import os.path as osp

import decord
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS

from ..video_container import UnreadableVideoError, check_not_truncated

LOCAL_BACKEND = 'disk'


@TRANSFORMS.register_module()
class DecordInitByPath(DecordInit):
    """Open a video with decord by its path; refuse truncated files.

    For pipelines that decode with decord (MMAction2's ``DecordDecode``);
    mmprp's configs open videos with :class:`OpenCVInitByPath` instead, once,
    for the decoder that follows (decord's random access returns wrong frames
    on MPEG-4 AVIs with B-frames). :class:`OpenCVForwardDecode` after this
    transform still works (pipelines written before ``OpenCVInitByPath``),
    opening each video a second time. ``tools/misc/scan_videos.py`` probes
    videos with it.

    MMAction2's ``DecordInit`` reads every file into memory and opens it with
    ``decord.VideoReader(BytesIO(...))``. decord 0.6 crashes the process
    (segmentation fault) on truncated AVI files (MJPEG, XviD, MPEG-4)
    opened that way, so a data-loader worker dies without naming the file.
    Opened by path, the same files open without a crash. For local files
    (``io_backend='disk'``) this transform therefore opens the path, and
    first checks the file against its AVI or MP4 container's declared size
    (see :func:`~mmprp.datasets.video_container.check_not_truncated`): a
    truncated file raises :class:`TruncatedVideoError`, which
    :class:`~mmprp.datasets.PRPVideoDataset` handles by its ``bad_videos``
    policy like any unusable video. Other backends (``petrel``, ``http``,
    ...) keep MMAction2's behaviour: bytes through the file client, opened
    from memory. Frames and frame counts are the same either way.

    Required Keys:

        - filename

    Added Keys:

        - video_reader
        - total_frames
        - avg_fps

    Args:
        io_backend (str): Where the videos are stored: ``'disk'`` (opened by
            path) or another MMAction2 file client backend (opened from
            memory). Defaults to ``'disk'``.
        num_threads (int): Decoding threads. Defaults to 1.
        allow_truncated (bool): Open truncated local files too (decord then
            gives the frames they still hold, and decoding frames near the
            cut may raise). Defaults to False.
        **kwargs: Arguments of the file client of other backends.
    """

    def __init__(self,
                 io_backend: str = LOCAL_BACKEND,
                 num_threads: int = 1,
                 allow_truncated: bool = False,
                 **kwargs) -> None:
        super().__init__(io_backend, num_threads, **kwargs)
        self.allow_truncated = allow_truncated

    def _get_video_reader(self, filename: str) -> decord.VideoReader:
        """Open a local file by path, others as ``DecordInit`` does.

        Args:
            filename (str): The video; ``.mp4`` is appended to a name
                without extension, as ``DecordInit`` does.

        Returns:
            decord.VideoReader: The opened video.

        Raises:
            FileNotFoundError: If a local file does not exist.
            TruncatedVideoError: If a local file is truncated and
                ``allow_truncated`` is False.
            UnreadableVideoError: If decord cannot open a local file (its
                ``RuntimeError``, named as what it is).
        """
        if self.io_backend != LOCAL_BACKEND:
            return super()._get_video_reader(filename)
        if osp.splitext(filename)[0] == filename:
            filename = filename + '.mp4'
        if not osp.isfile(filename):
            raise FileNotFoundError(f'{filename} is not a file')
        if not self.allow_truncated:
            check_not_truncated(filename)
        try:
            return decord.VideoReader(filename, num_threads=self.num_threads)
        except RuntimeError as error:
            raise UnreadableVideoError(
                f'decord cannot open {filename}: {error}') from error

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(io_backend={self.io_backend}, '
                f'num_threads={self.num_threads}, '
                f'allow_truncated={self.allow_truncated})')
