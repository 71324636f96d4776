"""Shared pytest fixtures and the session's garbage-collector set-up."""
import gc
import sys
from pathlib import Path
from typing import Dict

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmprp.testing import SyntheticDataset, generate_synthetic_ucf101
from mmprp.testing.encode_video import encode_video
from helpers import coded_frames, cut_copy


def pytest_collection_finish(session: pytest.Session) -> None:
    """Exempt what collection loaded from the garbage collector's scans.

    Collecting imports torch, MMAction2, mmengine and every test module:
    some 400 000 objects that live as long as the session. Each full
    collection (Python's own, and mmengine's ``gc.collect()`` at every
    dataset build) scanned them all, about half of the in-process tests'
    time; frozen, it scans only what the tests made. Nothing frozen is
    garbage, and the tests' objects are collected as before.

    Args:
        session (pytest.Session): The test session.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(scope='session')
def synthetic_ucf101(
        tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    """A small synthetic UCF101: 4 classes x 3 groups x 1 clip, 96x128.

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's session
            temporary folders.

    Returns:
        SyntheticDataset: Where the dataset was written.
    """
    return generate_synthetic_ucf101(
        tmp_path_factory.mktemp('synthetic_ucf101'),
        num_classes=4,
        groups_per_class=3,
        clips_per_group=1,
        num_frames=(130, 150),
        frame_size=(96, 128),
        seed=0,
        progress=False)


@pytest.fixture
def narrow_prp_cfg() -> dict:
    """A PRP model config with a C3D of base width 4 (a fresh dict)."""
    return dict(
        type='SelfSupRecognizer',
        backbone=dict(type='C3DEncoder', base_channels=4),
        rate_head=dict(type='PRPHead', num_classes=4, in_channels=32),
        decoder=dict(
            type='MotionAttentionDecoder',
            in_channels=32,
            channels=(8, 8, 8, 8)))


@pytest.fixture(scope='session', autouse=True)
def mmaction_default_scope() -> None:
    """Build from MMAction2's registries, as ``default_scope='mmaction'``."""
    init_default_scope('mmaction')


def _write_video(path: Path,
                 frames: np.ndarray,
                 fourcc: str = 'mp4v',
                 is_color: bool = True) -> Path:
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (width, height),
        is_color)
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope='session')
def video_zoo(tmp_path_factory: pytest.TempPathFactory,
              synthetic_ucf101: SyntheticDataset) -> Dict[str, Path]:
    """Real files of every kind a dirty dataset holds, in one folder.

    Keys: ``good`` (a synthetic video, 130-150 frames), ``zero_byte``,
    ``truncated`` (the first half of the good mp4's bytes), ``garbage``
    (random bytes), ``corrupt`` (the good mp4 with the middle fifth of its
    bytes zeroed: frames there fail to decode), ``grayscale`` (140
    one-channel frames), ``odd_size`` (63x47 MJPG AVI, 140 frames),
    ``narrow`` (24x48 MJPG AVI, 140 frames: too narrow for decord),
    ``short`` (20 frames), ``static`` (140 identical frames).

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's temp folders.
        synthetic_ucf101 (SyntheticDataset): Source of the good video.

    Returns:
        dict[str, Path]: The files, all in one folder.
    """
    root = tmp_path_factory.mktemp('video_zoo')
    rng = np.random.default_rng(0)
    source = synthetic_ucf101.video_dir / sorted(
        synthetic_ucf101.frame_counts)[0]
    data = source.read_bytes()
    zoo = dict(
        good=root / 'good.mp4',
        zero_byte=root / 'zero_byte.mp4',
        truncated=root / 'truncated.mp4',
        garbage=root / 'garbage.mp4')
    zoo['good'].write_bytes(data)
    zoo['zero_byte'].write_bytes(b'')
    zoo['truncated'].write_bytes(data[:len(data) // 2])
    zoo['garbage'].write_bytes(rng.bytes(20000))
    corrupt = bytearray(data)
    corrupt[len(data) * 2 // 5:len(data) * 3 // 5] = bytes(len(data) // 5)
    zoo['corrupt'] = root / 'corrupt.mp4'
    zoo['corrupt'].write_bytes(corrupt)
    noise = rng.integers(0, 256, (140, 48, 64, 3), dtype=np.uint8)
    zoo['grayscale'] = _write_video(
        root / 'grayscale.mp4', noise[..., 0], is_color=False)
    zoo['odd_size'] = _write_video(
        root / 'odd_size.avi', noise[:, :47, :63], fourcc='MJPG')
    zoo['narrow'] = _write_video(
        root / 'narrow.avi', noise[:, :, :24], fourcc='MJPG')
    zoo['short'] = _write_video(root / 'short.mp4', noise[:20])
    zoo['static'] = _write_video(root / 'static.mp4',
                                 np.repeat(noise[:1], 140, axis=0))
    return zoo


# Where truncated_avis cuts the complete AVIs, per mille of their bytes: in
# the headers, in the frames (decord crashes opening these from memory) and
# inside the index at the end of the file.
AVI_CUTS = (30, 500, 900, 995)


def _moving_square(num_frames: int = 140,
                   height: int = 48,
                   width: int = 64) -> np.ndarray:
    """Frames of a white square sliding over a fixed blocky background."""
    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
    frames = np.repeat(
        blocks.repeat(8, 0).repeat(8, 1)[None], num_frames, axis=0)
    for index, frame in enumerate(frames):
        left = 2 * index % (width - 16)
        frame[16:32, left:left + 16] = 255
    return frames


@pytest.fixture(scope='session')
def truncated_avis(video_zoo: Dict[str, Path]) -> Dict[str, Path]:
    """AVIs written by OpenCV (MJPG and XVID) and copies cut short.

    Written into the ``video_zoo`` folder. Keys: ``mjpg`` and ``xvid`` (the
    complete 64x48 videos of 140 frames) and ``mjpg_cut<N>`` /
    ``xvid_cut<N>`` for each ``N`` of :data:`AVI_CUTS`: the first ``N``
    per mille of the complete file's bytes.

    Args:
        video_zoo (dict[str, Path]): The folder of dirty videos.

    Returns:
        dict[str, Path]: The files.
    """
    root = video_zoo['good'].parent
    frames = _moving_square()
    avis = {}
    for fourcc in ('MJPG', 'XVID'):
        name = fourcc.lower()
        avis[name] = _write_video(root / f'{name}.avi', frames, fourcc)
        data = avis[name].read_bytes()
        for cut in AVI_CUTS:
            path = root / f'{name}_cut{cut:03d}.avi'
            path.write_bytes(data[:len(data) * cut // 1000])
            avis[f'{name}_cut{cut:03d}'] = path
    return avis


# Frames of coded_videos: enough for the largest rate of the shipped
# configs (16, a 256-frame window).
CODED_FRAMES = 260
# Where coded_videos cuts its copies, as a fraction of the bytes.
CODED_CUT = 0.6


@pytest.fixture(scope='session')
def coded_videos(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """The frames of ``helpers.coded_frames(CODED_FRAMES)`` (64x48, each
    carrying its index) in the encodings of real data sets, and cut copies.

    Keys: ``mjpg_avi`` and ``xvid_avi`` (OpenCV's writer), ``mpeg4_b_avi``
    (MPEG-4 with B-frames, as many UCF101 files) and ``h264_b_mp4`` (H.264
    with B-frames), both written by ``mmprp/testing/encode_video.py``; for each
    ``<key>_cut``, its first CODED_CUT of bytes (its container shows the
    cut). Cuts the container check cannot see: ``<key>_cut_riff0`` for the
    AVIs (RIFF size zeroed) and ``h264_b_mkv_cut`` (Matroska declares no
    file size).

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's temp folders.

    Returns:
        dict[str, Path]: The files.
    """
    root = tmp_path_factory.mktemp('coded_videos')
    frames = coded_frames(CODED_FRAMES)
    videos = dict(
        mjpg_avi=_write_video(root / 'mjpg.avi', frames, 'MJPG'),
        xvid_avi=_write_video(root / 'xvid.avi', frames, 'XVID'),
        mpeg4_b_avi=encode_video(root / 'mpeg4_b.avi', frames, 'mpeg4'),
        h264_b_mp4=encode_video(root / 'h264_b.mp4', frames, 'libx264'))
    for key, path in list(videos.items()):
        videos[f'{key}_cut'] = cut_copy(path, root / f'cut_{path.name}',
                                        CODED_CUT)
        if path.suffix == '.avi':
            videos[f'{key}_cut_riff0'] = cut_copy(
                path, root / f'cut_riff0_{path.name}', CODED_CUT, True)
    mkv = encode_video(root / 'h264_b.mkv', frames, 'libx264')
    videos['h264_b_mkv_cut'] = cut_copy(mkv, root / 'cut_h264_b.mkv',
                                        CODED_CUT)
    return videos


@pytest.fixture(scope='session')
def python() -> str:
    """The interpreter of this environment."""
    return sys.executable
