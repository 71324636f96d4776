"""Tests of the hold-out, the video check and the dataset lists."""
import re
import shutil
from pathlib import Path
from typing import Dict

import pytest

from mmprp.datasets.preparation import (VideoReport, check_videos,
                                        hold_out_validation,
                                        read_mmaction_list, read_splits,
                                        read_ucf101_split, unique_videos,
                                        write_dataset_lists)
from mmprp.datasets.preparation.video_probe import VideoProbe
from mmprp.testing import SyntheticDataset

ENTRIES = [(f'c{i % 3}/v{i}.avi', i % 3) for i in range(20)]


def test_hold_out_is_deterministic_disjoint_and_keeps_order() -> None:
    train, val = hold_out_validation(ENTRIES, 5, seed=0)
    assert (train, val) == hold_out_validation(ENTRIES, 5, seed=0)
    assert len(val) == 5 and len(train) == 15
    assert not set(train) & set(val)
    assert sorted(train + val) == sorted(ENTRIES)
    assert train == [entry for entry in ENTRIES if entry in train]
    assert val == [entry for entry in ENTRIES if entry in val]


def test_hold_out_depends_on_seed() -> None:
    assert hold_out_validation(
        ENTRIES, 5, seed=0) != hold_out_validation(
            ENTRIES, 5, seed=1)


@pytest.mark.parametrize('num_val', [0, -1, 20, 21])
def test_hold_out_validates_num_val(num_val: int) -> None:
    with pytest.raises(ValueError, match=f'cannot hold out {num_val} of 20'):
        hold_out_validation(ENTRIES, num_val, seed=0)


@pytest.fixture
def video_dir(tmp_path: Path, synthetic_ucf101: SyntheticDataset) -> Path:
    """A copy of the synthetic videos plus an empty and a garbage "video".

    Args:
        tmp_path (Path): pytest's temporary folder.
        synthetic_ucf101 (SyntheticDataset): The synthetic UCF101.

    Returns:
        Path: The copied video folder.
    """
    videos = Path(
        shutil.copytree(synthetic_ucf101.video_dir, tmp_path / 'videos'))
    (videos / 'Bad').mkdir()
    (videos / 'Bad' / 'empty.avi').touch()
    (videos / 'Bad' / 'garbage.avi').write_bytes(b'RIFF' + b'\0' * 500)
    return videos


def test_check_videos_counts_frames_and_finds_problems(
        video_dir: Path, synthetic_ucf101: SyntheticDataset) -> None:
    good = list(synthetic_ucf101.frame_counts)
    bad = ['Bad/empty.avi', 'Bad/garbage.avi', 'Bad/missing.avi']
    report = check_videos(video_dir, good + bad, progress=False)
    assert report.frame_counts == synthetic_ucf101.frame_counts
    assert report.missing == ['Bad/missing.avi']
    assert report.problems['Bad/empty.avi'] == VideoProbe(
        0, 'unreadable', 'empty file')
    assert list(report.problems) == ['Bad/empty.avi', 'Bad/garbage.avi']
    assert report.problems['Bad/garbage.avi'].problem == 'unreadable'
    assert 'garbage.avi' in report.problems['Bad/garbage.avi'].detail
    assert report.too_short == []
    assert report.excluded == [
        'Bad/missing.avi', 'Bad/empty.avi', 'Bad/garbage.avi'
    ]
    assert report.summary() == 'checked 15 videos: 1 missing, 2 unreadable'


def test_check_videos_decodes_as_training_does(
        video_dir: Path, video_zoo: Dict[str, Path],
        truncated_avis: Dict[str, Path]) -> None:
    names = ['mjpg', 'mjpg_cut500', 'xvid_cut995', 'corrupt', 'narrow']
    zoo = {**video_zoo, **truncated_avis}
    for name in names:
        shutil.copy(zoo[name], video_dir / 'Bad')
    videos = [f'Bad/{zoo[name].name}' for name in names]
    report = check_videos(video_dir, videos, progress=False)
    assert report.frame_counts == {'Bad/mjpg.avi': 140}
    assert {
        video: probe.problem
        for video, probe in report.problems.items()
    } == {
        'Bad/mjpg_cut500.avi': 'truncated',
        'Bad/xvid_cut995.avi': 'truncated',
        'Bad/corrupt.mp4': 'corrupt',
        'Bad/narrow.avi': 'too narrow'
    }
    assert report.summary() == ('checked 5 videos: 0 missing, 0 unreadable, '
                                '2 truncated, 1 corrupt, 1 too narrow')
    lines = report.excluded_lines()
    assert [line.split(' (')[0] for line in lines] == [
        'truncated: Bad/mjpg_cut500.avi', 'truncated: Bad/xvid_cut995.avi',
        'corrupt: Bad/corrupt.mp4', 'too narrow: Bad/narrow.avi'
    ]
    assert lines[0].endswith(
        f'(it ends at byte {zoo["mjpg_cut500"].stat().st_size}, but its '
        f'AVI container declares {zoo["mjpg"].stat().st_size} bytes)')


def test_check_videos_min_frames(synthetic_ucf101: SyntheticDataset) -> None:
    counts = synthetic_ucf101.frame_counts
    min_frames = sorted(counts.values())[len(counts) // 2]
    report = check_videos(
        synthetic_ucf101.video_dir, list(counts), min_frames, progress=False)
    short = [video for video, count in counts.items() if count < min_frames]
    assert short and report.too_short == short
    assert report.excluded == short
    assert report.summary().endswith(
        f'0 unreadable, {len(short)} with fewer than {min_frames} frames')


def test_check_videos_shows_progress(synthetic_ucf101: SyntheticDataset,
                                     capfd: pytest.CaptureFixture) -> None:
    videos = list(synthetic_ucf101.frame_counts)[:2]
    check_videos(synthetic_ucf101.video_dir, videos)
    assert '2/2' in capfd.readouterr().out


def test_report_write(tmp_path: Path) -> None:
    report = VideoReport(
        tmp_path / 'videos',
        min_frames=100,
        frame_counts={
            'A/a.avi': 120,
            'A/b.avi': 90,
            'B/c.avi': 300
        },
        missing=['B/gone.avi'],
        problems={
            'B/cut.avi': VideoProbe(0, 'truncated', 'it ends early'),
            'B/bad.avi': VideoProbe(0, 'unreadable', 'Error reading')
        },
        too_short=['A/b.avi'])
    path = report.write(tmp_path / 'out' / 'report.txt')
    assert path.read_text() == (
        f'videos in {tmp_path / "videos"}\n'
        'checked 6 videos: 1 missing, 1 unreadable, 1 truncated, 1 with '
        'fewer than 100 frames\n'
        'frames per usable video: min 90, median 120, max 300\n'
        'left out of every annotation list (4):\n'
        '  missing: B/gone.avi\n'
        '  unreadable: B/bad.avi (Error reading)\n'
        '  truncated: B/cut.avi (it ends early)\n'
        '  too short: A/b.avi (90 frames)\n')


def test_write_dataset_lists(tmp_path: Path,
                             synthetic_ucf101: SyntheticDataset) -> None:
    splits = read_splits(read_ucf101_split, synthetic_ucf101.split_dir, [1, 3])
    videos = unique_videos(splits)
    assert sorted(videos) == sorted(synthetic_ucf101.frame_counts)
    assert videos[:len(splits[1][0])] == [video for video, _ in splits[1][0]]
    train, test = splits[3]
    excluded = [train[0][0], test[-1][0]]
    written = write_dataset_lists(
        tmp_path, 'ucf101', splits, num_val=2, seed=0, exclude=excluded)
    assert [path.name for path in written] == [
        f'ucf101_{subset}_split_{split}_videos.txt' for split in (1, 3)
        for subset in ('train', 'val', 'prp_train', 'prp_val')
    ]
    lists = {path.name: read_mmaction_list(path) for path in written}
    assert {
        name: len(entries)
        for name, entries in lists.items()
    } == {
        path.name: count
        for path, count in written.items()
    }
    for subset, official in zip(('train', 'val'),
                                synthetic_ucf101.ann_files[1]):
        assert lists[f'ucf101_{subset}_split_1_videos.txt'] == [
            entry for entry in read_mmaction_list(official)
            if entry[0] not in excluded
        ]
    assert lists['ucf101_train_split_3_videos.txt'] == train[1:]
    assert lists['ucf101_val_split_3_videos.txt'] == test[:-1]
    assert (lists['ucf101_prp_train_split_3_videos.txt'],
            lists['ucf101_prp_val_split_3_videos.txt']) == hold_out_validation(
                train[1:], 2, seed=0)


def test_write_dataset_lists_writes_nothing_on_bad_num_val(
        tmp_path: Path, synthetic_ucf101: SyntheticDataset) -> None:
    splits = read_splits(read_ucf101_split, synthetic_ucf101.split_dir, [1, 2])
    num_train = len(splits[2][0])
    with pytest.raises(
            ValueError, match=re.escape(f'of {num_train} train videos')):
        write_dataset_lists(
            tmp_path, 'ucf101', splits, num_val=num_train, seed=0)
    assert not list(tmp_path.iterdir())
