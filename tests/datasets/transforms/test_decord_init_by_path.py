"""DecordInitByPath: same videos as DecordInit, no crash on truncated AVIs."""
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator

import numpy as np
import pytest
from mmaction.datasets.transforms import DecordDecode, DecordInit
from mmaction.registry import TRANSFORMS

from mmprp.datasets.transforms import DecordInitByPath
from mmprp.datasets.video_container import TruncatedVideoError


def decode(opener: DecordInit, filename: str) -> dict:
    """Open a video and decode its first, a middle and its last frame."""
    results = opener(dict(filename=filename))
    last = results['total_frames'] - 1
    results['frame_inds'] = np.array([0, last // 2, last])
    return DecordDecode()(results)


@pytest.mark.parametrize('name',
                         ['good', 'odd_size', 'grayscale', 'mjpg', 'xvid'])
def test_opens_videos_as_decord_init_does(
        name: str, video_zoo: Dict[str, Path],
        truncated_avis: Dict[str, Path]) -> None:
    filename = str({**video_zoo, **truncated_avis}[name])
    by_path = decode(TRANSFORMS.build(dict(type='DecordInitByPath')), filename)
    from_memory = decode(DecordInit(), filename)
    assert by_path['total_frames'] == from_memory['total_frames'] >= 140
    assert by_path['avg_fps'] == from_memory['avg_fps']
    np.testing.assert_array_equal(
        np.stack(by_path['imgs']), np.stack(from_memory['imgs']))


@pytest.mark.parametrize('codec', ['mjpg', 'xvid'])
@pytest.mark.parametrize('cut', [30, 500, 900, 995])
def test_truncated_avis_are_refused_naming_them(
        codec: str, cut: int, truncated_avis: Dict[str, Path]) -> None:
    path = truncated_avis[f'{codec}_cut{cut:03d}']
    complete = truncated_avis[codec].stat().st_size
    with pytest.raises(TruncatedVideoError) as error:
        DecordInitByPath()(dict(filename=str(path)))
    assert str(error.value).startswith(
        f'{path} is truncated: it ends at byte {path.stat().st_size}, but '
        f'its AVI container declares {complete} bytes')


def test_allow_truncated_opens_the_frames_left(
        truncated_avis: Dict[str, Path]) -> None:
    opener = DecordInitByPath(allow_truncated=True)
    results = decode(opener, str(truncated_avis['mjpg_cut500']))
    assert 0 < results['total_frames'] < 140
    assert len(results['imgs']) == 3


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f'{tmp_path}/lost.avi'):
        DecordInitByPath()(dict(filename=str(tmp_path / 'lost.avi')))
    with pytest.raises(FileNotFoundError, match=f'{tmp_path}/lost.mp4'):
        DecordInitByPath()(dict(filename=str(tmp_path / 'lost')))


@pytest.fixture
def http_root(video_zoo: Dict[str, Path]) -> Iterator[str]:
    """The video zoo served over HTTP on localhost while the test runs."""
    handler = functools.partial(
        SimpleHTTPRequestHandler, directory=str(video_zoo['good'].parent))
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


def test_other_backends_read_through_the_file_client(
        http_root: str, video_zoo: Dict[str, Path]) -> None:
    opener = DecordInitByPath(io_backend='http')
    over_http = decode(opener, f'{http_root}/good.mp4')
    assert opener.file_client is not None
    local = decode(DecordInitByPath(), str(video_zoo['good']))
    assert over_http['total_frames'] == local['total_frames']
    np.testing.assert_array_equal(
        np.stack(over_http['imgs']), np.stack(local['imgs']))


def test_repr() -> None:
    assert repr(DecordInitByPath(
        num_threads=2)) == ('DecordInitByPath(io_backend=disk, num_threads=2, '
                            'allow_truncated=False)')
