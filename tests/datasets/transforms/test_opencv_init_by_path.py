"""OpenCVInitByPath: decord's frame count and rate from one OpenCV open."""
import os
import pickle
from pathlib import Path
from typing import Dict, List

import cv2
import numpy as np
import pytest
from mmaction.datasets.transforms import DecordInit
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose
from torch.utils.data import DataLoader

from mmprp.datasets.transforms import (OpenCVInitByPath, PlaybackRateSampler,
                                       VideoTooShortError)
from mmprp.datasets.video_container import (TruncatedVideoError,
                                            UnreadableVideoError)


@pytest.mark.parametrize(
    'name', ['good', 'odd_size', 'grayscale', 'narrow', 'mjpg', 'xvid'])
def test_counts_frames_as_decord_init_does(
        name: str, video_zoo: Dict[str, Path],
        truncated_avis: Dict[str, Path]) -> None:
    filename = str({**video_zoo, **truncated_avis}[name])
    results = TRANSFORMS.build(dict(type='OpenCVInitByPath'))(
        dict(filename=filename))
    expected = DecordInit()(dict(filename=filename))
    assert results['total_frames'] == expected['total_frames'] >= 140
    assert results['avg_fps'] == expected['avg_fps'] == 25
    capture = results['video_capture']
    assert isinstance(capture, cv2.VideoCapture) and capture.isOpened()
    capture.release()


@pytest.mark.parametrize('codec', ['mjpg', 'xvid'])
@pytest.mark.parametrize('cut', [30, 500, 900, 995])
def test_truncated_avis_are_refused_naming_them(
        codec: str, cut: int, truncated_avis: Dict[str, Path]) -> None:
    path = truncated_avis[f'{codec}_cut{cut:03d}']
    complete = truncated_avis[codec].stat().st_size
    with pytest.raises(TruncatedVideoError) as error:
        OpenCVInitByPath()(dict(filename=str(path)))
    assert str(error.value).startswith(
        f'{path} is truncated: it ends at byte {path.stat().st_size}, but '
        f'its AVI container declares {complete} bytes')


@pytest.mark.parametrize('name', ['zero_byte', 'garbage'])
def test_unreadable_files_are_named(name: str, video_zoo: Dict[str,
                                                               Path]) -> None:
    path = video_zoo[name]
    with pytest.raises(UnreadableVideoError, match=f'cannot open {path}$'):
        OpenCVInitByPath()(dict(filename=str(path)))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f'{tmp_path}/lost.avi'):
        OpenCVInitByPath()(dict(filename=str(tmp_path / 'lost.avi')))
    with pytest.raises(FileNotFoundError, match=f'{tmp_path}/lost.mp4'):
        OpenCVInitByPath()(dict(filename=str(tmp_path / 'lost')))


def test_other_backends_are_refused_naming_the_alternative() -> None:
    with pytest.raises(
            ValueError,
            match="local files only .*'petrel'.* use "
            'DecordInit and DecordDecode'):
        OpenCVInitByPath(io_backend='petrel')


def open_files() -> int:
    """File descriptors this process holds."""
    return len(os.listdir('/proc/self/fd'))


def unusable(pipeline: Compose, filename: Path) -> None:
    """Run the pipeline on a video it cannot use (None or an error)."""
    try:
        assert pipeline(dict(filename=str(filename))) is None
    except VideoTooShortError:
        pass


@pytest.mark.skipif(
    not os.path.isdir('/proc/self/fd'), reason='needs /proc/self/fd')
@pytest.mark.parametrize('rates', [(1, 8), (2, 4)])
def test_capture_does_not_outlive_a_sample_that_ends_early(
        rates: tuple, video_zoo: Dict[str, Path]) -> None:
    """A sampler returns None (too short for rate 8) or raises (too short
    for every rate) before any decoder released the capture."""
    sampler = PlaybackRateSampler(rates=rates, attention=None)
    pipeline = Compose([OpenCVInitByPath(), sampler])
    before = open_files()
    for _ in range(20):
        sampler.keep_rate(1)
        unusable(pipeline, video_zoo['short'])
    assert open_files() == before


def test_results_with_a_capture_are_not_pickled(
        video_zoo: Dict[str, Path]) -> None:
    results = OpenCVInitByPath()(dict(filename=str(video_zoo['good'])))
    with pytest.raises(TypeError, match='VideoCapture'):
        pickle.dumps(results)
    results['video_capture'].release()


def test_repr_and_registry() -> None:
    opener = TRANSFORMS.build(dict(type='OpenCVInitByPath', num_threads=2))
    assert repr(opener) == 'OpenCVInitByPath(io_backend=disk, num_threads=2)'


def test_pipelines_in_workers_give_every_frame(
        video_zoo: Dict[str, Path]) -> None:
    """The capture is opened and released in the data-loader worker."""
    pipeline = Compose([
        OpenCVInitByPath(),
        dict(type='SampleFrames', clip_len=4, frame_interval=3, num_clips=2),
        dict(type='OpenCVForwardDecode')
    ])
    samples: List[dict] = list(
        DataLoader(
            [dict(filename=str(video_zoo['good']), start_index=0)] * 4,
            batch_size=None,
            num_workers=2,
            collate_fn=pipeline))
    assert len(samples) == 4
    for sample in samples:
        assert len(sample['imgs']) == 8 and 'video_capture' not in sample
        assert np.stack(sample['imgs']).shape[1:] == (96, 128, 3)
