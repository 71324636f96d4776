"""Sizes declared by AVI and MP4 containers tell truncated files."""
import struct
from pathlib import Path
from typing import Dict

import pytest

from mmprp.datasets.video_container import (TruncatedVideoError,
                                            check_not_truncated, declared_size)


@pytest.mark.parametrize('name,kind', [('good', 'MP4'), ('short', 'MP4'),
                                       ('odd_size', 'AVI'), ('mjpg', 'AVI'),
                                       ('xvid', 'AVI')])
def test_complete_files_declare_their_size(
        name: str, kind: str, video_zoo: Dict[str, Path],
        truncated_avis: Dict[str, Path]) -> None:
    path = {**video_zoo, **truncated_avis}[name]
    assert declared_size(path) == (kind, path.stat().st_size)
    check_not_truncated(path)


@pytest.mark.parametrize('cut', [30, 500, 900, 995])
def test_cut_avis_declare_the_complete_size(
        cut: int, truncated_avis: Dict[str, Path]) -> None:
    for codec in ('mjpg', 'xvid'):
        complete = truncated_avis[codec].stat().st_size
        path = truncated_avis[f'{codec}_cut{cut:03d}']
        assert declared_size(path) == ('AVI', complete)
        with pytest.raises(TruncatedVideoError) as error:
            check_not_truncated(path)
        assert error.value.reason == (
            f'it ends at byte {path.stat().st_size}, but its AVI container '
            f'declares {complete} bytes')


def test_cut_mp4_declares_more_than_it_holds(
        video_zoo: Dict[str, Path]) -> None:
    # the cut falls in the frame data; the index box after it is gone
    kind, size = declared_size(video_zoo['truncated'])
    assert kind == 'MP4'
    assert video_zoo['truncated'].stat(
    ).st_size < size < video_zoo['good'].stat().st_size
    with pytest.raises(
            TruncatedVideoError,
            match='truncated.mp4 is '
            'truncated: it ends at byte'):
        check_not_truncated(video_zoo['truncated'])


@pytest.mark.parametrize('name', ['zero_byte', 'garbage'])
def test_other_files_declare_nothing(name: str, video_zoo: Dict[str,
                                                                Path]) -> None:
    assert declared_size(video_zoo[name]) is None
    check_not_truncated(video_zoo[name])


def test_unknown_and_64_bit_sizes(tmp_path: Path) -> None:
    streamed = tmp_path / 'streamed.avi'
    streamed.write_bytes(b'RIFF' + struct.pack('<I', 0xFFFFFFFF) + b'AVI '
                         + bytes(100))
    assert declared_size(streamed) is None
    large = tmp_path / 'large.mp4'
    large.write_bytes(
        struct.pack('>I4s', 16, b'ftyp') + bytes(8)
        + struct.pack('>I4sQ', 1, b'mdat', 10**9) + bytes(10))
    assert declared_size(large) == ('MP4', 16 + 10**9)
    with pytest.raises(TruncatedVideoError, match='declares 1000000016'):
        check_not_truncated(large)
