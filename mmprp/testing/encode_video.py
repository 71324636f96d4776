"""Write frames with an FFmpeg encoder that OpenCV's writer does not offer.

OpenCV's ``VideoWriter`` here writes MPEG-4 Part 2 without B-frames (and no
H.264). Real datasets are often otherwise: many UCF101 AVIs are DivX/XviD
MPEG-4 with B-frames, and most web video is H.264 with B-frames. Frames
stored out of display order are where decoders that seek can land on the
wrong frame, so the tests and ``benchmarks/bench_data_pipeline.py`` write
such videos with PyAV's FFmpeg (``av``: ``pip install "mmprp[testing]"``;
not a runtime dependency of mmprp).
"""
from pathlib import Path
from typing import Dict, Union

import av
import numpy as np

# The encoders offered, with their options beyond the GOP and B-frames:
# 'mpeg4' is MPEG-4 Part 2 (Advanced Simple Profile with B-frames), UCF101's
# kind of file in an AVI; 'libx264' is H.264 at constant quality, without
# scene-cut key frames, so that key frames fall every ``gop`` frames.
ENCODERS: Dict[str, Dict[str, str]] = {
    'mpeg4': {},
    'libx264': {
        'crf': '18',
        'preset': 'veryfast',
        'x264-params': 'scenecut=0'
    },
}


def encode_video(path: Union[str, Path],
                 frames: np.ndarray,
                 codec: str = 'mpeg4',
                 fps: int = 25,
                 gop: int = 12,
                 b_frames: int = 2,
                 bit_rate: int = 2_000_000) -> Path:
    """Encode RGB frames into ``path`` (its suffix names the container).

    Args:
        path (str | Path): The file to write; ``.avi``, ``.mp4`` and
            ``.mkv`` are the containers tried here. Its folder is created.
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB frames; H and W
            even.
        codec (str): A key of :data:`ENCODERS`. Defaults to ``'mpeg4'``.
        fps (int): Frame rate. Defaults to 25.
        gop (int): Frames from one key frame to the next. Defaults to 12.
        b_frames (int): Most consecutive B-frames (0: none). Defaults to 2.
        bit_rate (int): Target bits per second of ``mpeg4`` (``libx264``
            keeps a constant quality instead). Defaults to 2,000,000.

    Returns:
        Path: ``path``.

    Raises:
        ValueError: If ``codec`` is unknown or ``frames`` is not
            ``(T, H, W, 3)`` uint8 with even H and W.
    """
    if codec not in ENCODERS:
        raise ValueError(
            f'codec must be one of {sorted(ENCODERS)}, got {codec!r}')
    if (frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8
            or frames.shape[1] % 2 or frames.shape[2] % 2):
        raise ValueError('frames must be (T, H, W, 3) uint8 with even H '
                         f'and W, got {frames.shape} {frames.dtype}')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), 'w') as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = 'yuv420p'
        stream.codec_context.bit_rate = bit_rate
        stream.options = dict(ENCODERS[codec], g=str(gop), bf=str(b_frames))
        for frame in frames:
            packets = stream.encode(
                av.VideoFrame.from_ndarray(frame, format='rgb24'))
            container.mux(packets)
        container.mux(stream.encode())
    return path
