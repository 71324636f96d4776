"""Tell a truncated AVI or MP4 file from its container's own sizes.

AVI files (RIFF) and MP4/MOV files (ISO base media) are sequences of
top-level chunks (boxes), each starting with its size. When a file ends
before its last chunk does, it was cut: an interrupted download, copy or
extraction. OpenCV reports such a file's full frame count (from its header)
and decodes the frames it still holds; decord 0.6 opens such AVIs by path,
but crashes the process on them when they are opened from memory
(MMAction2's ``DecordInit``).
"""
import os
import struct
from typing import BinaryIO, Iterator, Optional, Tuple

from ..utils.typing_utils import PathLike

# Top-level box types an ISO base media file (MP4, MOV, 3GP) starts with.
ISO_FIRST_BOXES = (b'ftyp', b'moov', b'mdat', b'free', b'skip', b'wide',
                   b'pnot')
RIFF_FORMS = (b'AVI ', b'AVIX')
# Placeholders for "size unknown" that streaming writers leave in a header.
UNKNOWN_SIZES = (0, 0xFFFFFFFF)


class UnreadableVideoError(RuntimeError):
    """A video file cannot be opened or a frame of it decoded (empty, not a
    video, damaged, or holding fewer frames than its header declares)."""


class TruncatedVideoError(RuntimeError):
    """A video file ends before its container says it does.

    Args:
        path (str | Path): The file.
        reason (str): The sizes, e.g. ``'it ends at byte 100, but its AVI
            container declares 200 bytes'``.
    """

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__(
            f'{path} is truncated: {reason} (an interrupted download, copy '
            f'or extraction?). Fetch or extract it again, or leave it out '
            f'of the list')
        self.reason = reason


def _riff_chunk_ends(file: BinaryIO) -> Iterator[int]:
    """The end offsets of the top-level chunks of a RIFF file."""
    offset = 0
    while header := file.read(8):
        if len(header) < 8:
            return
        chunk_id, size = struct.unpack('<4sI', header)
        if chunk_id != b'RIFF' or size in UNKNOWN_SIZES:
            return
        offset += 8 + size + (size & 1)
        yield offset - (size & 1)  # a missing final pad byte is harmless
        file.seek(offset)


def _iso_box_ends(file: BinaryIO) -> Iterator[int]:
    """The end offsets of the top-level boxes of an ISO base media file."""
    offset = 0
    while header := file.read(8):
        if len(header) < 8:
            return
        size, _ = struct.unpack('>I4s', header)
        if size == 1:  # a 64-bit size follows the type
            large = file.read(8)
            if len(large) < 8:
                return
            size = struct.unpack('>Q', large)[0]
        if size < 8:  # 0: the box runs to the end of the file
            return
        offset += size
        yield offset
        file.seek(offset)


def _container_kind(head: bytes) -> Optional[str]:
    if head[:4] == b'RIFF' and head[8:12] in RIFF_FORMS:
        return 'AVI'
    if head[4:8] in ISO_FIRST_BOXES:
        return 'MP4'
    return None


def declared_size(path: PathLike) -> Optional[Tuple[str, int]]:
    """The size a video file's container declares for the whole file.

    Only the top-level chunk (box) headers are read: a few bytes per chunk.

    Args:
        path (str | Path): The video file.

    Returns:
        tuple[str, int] | None: The container (``'AVI'`` or ``'MP4'``) and
        the offset where the last top-level chunk whose header the file
        holds ends (past the end of the file if it was cut), or None for
        other formats and for headers that do not say.
    """
    with open(path, 'rb') as file:
        kind = _container_kind(file.read(12))
        if kind is None:
            return None
        file.seek(0)
        chunk_ends = _riff_chunk_ends if kind == 'AVI' else _iso_box_ends
        ends = list(chunk_ends(file))
    return (kind, ends[-1]) if ends else None


def check_not_truncated(path: PathLike) -> None:
    """Raise if a video file ends before its container says it does.

    Args:
        path (str | Path): The video file.

    Raises:
        TruncatedVideoError: If the file is shorter than its AVI or MP4
            container declares; the message names the file and both sizes.
    """
    declared = declared_size(path)
    if declared is None:
        return
    kind, size = declared
    actual = os.path.getsize(path)
    if actual < size:
        raise TruncatedVideoError(
            path, f'it ends at byte {actual}, but its {kind} container '
            f'declares {size} bytes')
