"""encode_video: H.264 and MPEG-4 files with B-frames for tests/benchmarks."""
from pathlib import Path
from typing import List, Tuple

import av
import numpy as np
import pytest

from mmprp.testing.encode_video import encode_video


def sliding_frames(num_frames: int = 40) -> np.ndarray:
    """A texture sliding 2 px right per frame, 48x64."""
    texture = np.random.default_rng(0).integers(
        0, 256, (48, 64 + 2 * num_frames, 3), dtype=np.uint8)
    return np.stack([texture[:, 2 * t:2 * t + 64] for t in range(num_frames)])


def packets(path: Path) -> Tuple[str, List[int], List[bool]]:
    """The video stream's codec, and its packets' times and key flags in
    file order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stored = [p for p in container.demux(stream) if p.size]
        return (stream.codec_context.name, [p.pts for p in stored],
                [p.is_keyframe for p in stored])


@pytest.mark.parametrize('codec,suffix,name', [('mpeg4', 'avi', 'mpeg4'),
                                               ('libx264', 'mp4', 'h264'),
                                               ('libx264', 'mkv', 'h264')])
def test_b_frames_are_stored_out_of_display_order(tmp_path: Path, codec: str,
                                                  suffix: str,
                                                  name: str) -> None:
    path = encode_video(tmp_path / 'sub' / f'v.{suffix}', sliding_frames(),
                        codec)
    stored_codec, times, _ = packets(path)
    assert stored_codec == name
    assert len(times) == 40
    assert times != sorted(times)
    assert sorted(times) == sorted(set(times))


def test_without_b_frames_packets_are_in_display_order(tmp_path: Path) -> None:
    path = encode_video(tmp_path / 'v.avi', sliding_frames(), b_frames=0)
    _, times, _ = packets(path)
    assert times == sorted(times)


def test_h264_key_frames_fall_every_gop_frames(tmp_path: Path) -> None:
    path = encode_video(
        tmp_path / 'v.mp4', sliding_frames(), 'libx264', gop=12)
    _, times, keys = packets(path)
    key_times = sorted(time for time, key in zip(times, keys) if key)
    first, step = key_times[0], sorted(times)[1] - sorted(times)[0]
    assert [(time - first) // step for time in key_times] == [0, 12, 24, 36]


@pytest.mark.parametrize('frames,message', [
    (np.zeros((4, 48, 64), np.uint8), r'\(T, H, W, 3\) uint8'),
    (np.zeros((4, 47, 64, 3), np.uint8), 'even H'),
    (np.zeros((4, 48, 64, 3), np.float32), 'float32'),
])
def test_bad_frames_are_refused(tmp_path: Path, frames: np.ndarray,
                                message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_video(tmp_path / 'v.avi', frames)
    assert not (tmp_path / 'v.avi').exists()


def test_unknown_codec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one of .*'libx264'.*'vp9'"):
        encode_video(tmp_path / 'v.mkv', sliding_frames(4), 'vp9')
