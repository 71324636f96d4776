"""Tests of the demo's choice of videos to draw."""
from pathlib import Path

from mmprp.testing import SyntheticDataset
from demo import first_test_videos


def dataset_with_test_list(tmp_path: Path, lines: list) -> SyntheticDataset:
    """A SyntheticDataset whose split-1 test list holds ``lines``."""
    test_list = tmp_path / 'test.txt'
    test_list.write_text('\n'.join(lines) + '\n')
    return SyntheticDataset(tmp_path, tmp_path / 'videos', tmp_path, [],
                            {1:
                             (tmp_path / 'train.txt', test_list)}, {}, {}, {})


def test_first_video_of_classes_spread_over_the_list(tmp_path: Path) -> None:
    lines = [
        f'C{label}/v_{clip}.mp4 {label}' for label in range(8)
        for clip in range(2)
    ]
    dataset = dataset_with_test_list(tmp_path, lines)
    videos = first_test_videos(dataset, 4)
    assert videos == [
        tmp_path / 'videos' / f'C{label}' / 'v_0.mp4' for label in (0, 2, 4, 6)
    ]


def test_fewer_classes_than_asked(tmp_path: Path) -> None:
    dataset = dataset_with_test_list(tmp_path, ['A/a.mp4 1', 'B/b.mp4 0'])
    assert first_test_videos(dataset, 4) == [
        tmp_path / 'videos' / 'B/b.mp4', tmp_path / 'videos' / 'A/a.mp4'
    ]
