"""End-to-end tests of ``tools/data/prepare_annotations.py``.

Each CLI runs once as a subprocess; the failing runs call the same scripts
in-process (``runpy``), which spares a second start-up of MMAction2.
"""
import runpy
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
import numpy as np
import pytest
from mmaction.datasets import VideoDataset

import mmprp  # noqa: F401  (repairs mmaction before it is imported)
from mmprp.datasets.preparation import hold_out_validation, read_mmaction_list
from mmprp.datasets.preparation.annotation_lists import SUBSETS
from mmprp.testing import SyntheticDataset
from helpers import REPO

# HMDB51 classes in creation order (not sorted) and, per split, the ids of
# each class's four videos: 1 train, 2 test, 0 unused.
HMDB51_CLASSES = ('wave', 'brush_hair', 'climb_stairs')
HMDB51_IDS = {1: '1120', 2: '2110', 3: '0211'}

SCRIPT = REPO / 'tools' / 'data' / 'prepare_annotations.py'


def _run(dataset: str, args: List[str]) -> subprocess.CompletedProcess:
    """Run a CLI in a subprocess; fail the test with its output on error.

    Args:
        dataset (str): ``'ucf101'`` or ``'hmdb51'``.
        args (list[str]): Its arguments.

    Returns:
        subprocess.CompletedProcess: The finished run.
    """
    result = subprocess.run(
        [sys.executable, str(SCRIPT), dataset, *args],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        text=True,
        capture_output=True,
        timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _run_failing(dataset: str, args: List[str],
                 monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a CLI in-process, expecting it to exit with an error.

    Args:
        dataset (str): ``'ucf101'`` or ``'hmdb51'``.
        args (list[str]): Its arguments.
        monkeypatch (pytest.MonkeyPatch): Sets ``sys.argv``.

    Returns:
        str: The error message it exits with.
    """
    monkeypatch.setattr(sys, 'argv', [str(SCRIPT), dataset, *args])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(SCRIPT), run_name='__main__')
    assert isinstance(info.value.code, str), info.value.code
    return info.value.code


def _read_lists(out_dir: Path, prefix: str,
                split: int) -> Dict[str, List[Tuple[str, int]]]:
    """Read the four lists of a split by subset."""
    return {
        subset:
        read_mmaction_list(out_dir
                           / f'{prefix}_{subset}_split_{split}_videos.txt')
        for subset in SUBSETS
    }


def _assert_prp_lists(lists: Dict[str, List[Tuple[str, int]]],
                      num_val: int) -> None:
    """The PRP lists are the seed-0 hold-out of the train list."""
    assert (lists['prp_train'], lists['prp_val']) == hold_out_validation(
        lists['train'], num_val, seed=0)


def _args(paths: Dict[str, Path]) -> List[str]:
    """The CLI arguments for a dataset fixture, 2 videos held out."""
    return [
        '--split-dir',
        str(paths['split_dir']), '--video-dir',
        str(paths['video_dir']), '--out-dir',
        str(paths['out_dir']), '--num-val', '2'
    ]


def _bad_videos(dataset: SyntheticDataset) -> Tuple[str, str, str]:
    """A missing, an empty and a truncated video of the first class."""
    name = dataset.class_names[0]
    return (f'{name}/v_{name}_g99_c01.mp4', f'{name}/v_{name}_g98_c01.mp4',
            f'{name}/v_{name}_g97_c01.avi')


@pytest.fixture
def ucf101(tmp_path: Path, synthetic_ucf101: SyntheticDataset,
           truncated_avis: Dict[str, Path]) -> Dict[str, Path]:
    """The synthetic UCF101 with a missing, an empty and a truncated video.

    The empty and the truncated video (an AVI cut in half) are in the train
    list of split 1 and the missing one in the test list of split 2 (see
    :func:`_bad_videos`).

    Args:
        tmp_path (Path): pytest's temporary folder.
        synthetic_ucf101 (SyntheticDataset): The synthetic UCF101.
        truncated_avis (dict[str, Path]): Cut AVIs.

    Returns:
        dict[str, Path]: ``split_dir``, ``video_dir`` and ``out_dir``.
    """
    split_dir = Path(
        shutil.copytree(synthetic_ucf101.split_dir,
                        tmp_path / 'ucfTrainTestlist'))
    video_dir = Path(
        shutil.copytree(synthetic_ucf101.video_dir, tmp_path / 'videos'))
    missing, empty, truncated = _bad_videos(synthetic_ucf101)
    (video_dir / empty).touch()
    shutil.copy(truncated_avis['mjpg_cut500'], video_dir / truncated)
    with open(split_dir / 'trainlist01.txt', 'a') as file:
        file.write(f'{empty} 1\r\n{truncated} 1\r\n')
    with open(split_dir / 'testlist02.txt', 'a') as file:
        file.write(f'{missing}\r\n')
    return dict(
        split_dir=split_dir, video_dir=video_dir, out_dir=tmp_path / 'ann')


def test_ucf101_leaves_out_and_reports_bad_videos(
        ucf101: Dict[str, Path], synthetic_ucf101: SyntheticDataset) -> None:
    out_dir = ucf101['out_dir']
    missing, empty, truncated = _bad_videos(synthetic_ucf101)
    result = _run('ucf101', _args(ucf101))
    assert ('checked 15 videos: 1 missing, 1 unreadable, 1 truncated'
            in result.stdout)
    assert ('3 listed videos left out of every list, named in '
            f'{out_dir}') in result.stdout
    names = [
        f'ucf101_{subset}_split_{split}_videos.txt' for split in (1, 2, 3)
        for subset in SUBSETS
    ]
    for name in names:
        assert f'wrote {out_dir / name} (' in result.stdout
    assert sorted(
        path.name
        for path in out_dir.iterdir()) == sorted(names
                                                 + ['ucf101_video_report.txt'])
    for split, official in synthetic_ucf101.ann_files.items():
        lists = _read_lists(out_dir, 'ucf101', split)
        assert lists['train'] == read_mmaction_list(official[0])
        assert lists['val'] == read_mmaction_list(official[1])
        _assert_prp_lists(lists, num_val=2)
    report = (out_dir / 'ucf101_video_report.txt').read_text()
    assert f'  missing: {missing}\n' in report
    assert f'  unreadable: {empty} (empty file)\n' in report
    assert f'  truncated: {truncated} (it ends at byte ' in report


def test_ucf101_strict_fails_naming_bad_videos(
        ucf101: Dict[str, Path], synthetic_ucf101: SyntheticDataset,
        monkeypatch: pytest.MonkeyPatch) -> None:
    message = _run_failing('ucf101', [*_args(ucf101), '--strict'], monkeypatch)
    missing, empty, truncated = _bad_videos(synthetic_ucf101)
    assert message.startswith('error: --strict')
    assert f'\nmissing: {missing}\n' in message
    assert f'\nunreadable: {empty} (' in message
    assert f'\ntruncated: {truncated} (' in message
    assert not ucf101['out_dir'].exists()


def test_ucf101_malformed_line_names_file_and_line(
        ucf101: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path = ucf101['split_dir'] / 'trainlist03.txt'
    with open(path, 'a') as file:
        file.write('Archery/v_Archery_g97_c01.mp4 1 2\r\n')
    message = _run_failing('ucf101', _args(ucf101), monkeypatch)
    num_lines = len(path.read_text().splitlines())
    assert message == (f'error: {path}, line {num_lines}: expected '
                       '"<Class>/<video> [<label>]": '
                       "'Archery/v_Archery_g97_c01.mp4 1 2'")


def _write_avi(path: Path, num_frames: int) -> None:
    """Write a tiny MPEG-4 (``mp4v``) AVI of grey frames.

    Args:
        path (Path): The file; its folder is created.
        num_frames (int): Number of frames.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(
        str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25, (32, 32))
    for index in range(num_frames):
        writer.write(np.full((32, 32, 3), 8 * index, np.uint8))
    writer.release()


def _hmdb51_video(name: str, index: int) -> str:
    """The path of a video of the :func:`hmdb51` fixture, HMDB51-style."""
    return f'{name}/{name}_{index}_u_nm_np1_fr_goo_0.avi'


@pytest.fixture
def hmdb51(tmp_path: Path) -> Dict[str, Path]:
    """A tiny HMDB51: 3 classes of 4 videos, official split files.

    Args:
        tmp_path (Path): pytest's temporary folder.

    Returns:
        dict[str, Path]: ``split_dir``, ``video_dir`` and ``out_dir``.
    """
    split_dir = tmp_path / 'testTrainMulti_7030_splits'
    split_dir.mkdir()
    video_dir = tmp_path / 'videos'
    for name in HMDB51_CLASSES:
        videos = [_hmdb51_video(name, index) for index in range(4)]
        for index, video in enumerate(videos):
            _write_avi(video_dir / video, num_frames=10 + index)
        for split, ids in HMDB51_IDS.items():
            (split_dir / f'{name}_test_split{split}.txt').write_text(''.join(
                f'{Path(video).name} {id_} \n'
                for video, id_ in zip(videos, ids)))
    return dict(
        split_dir=split_dir, video_dir=video_dir, out_dir=tmp_path / 'ann')


def _hmdb51_expected(split: int, split_id: str) -> List[Tuple[str, int]]:
    """The entries of a split with an id, labels from sorted class names."""
    return [(_hmdb51_video(name, index), label)
            for label, name in enumerate(sorted(HMDB51_CLASSES))
            for index, id_ in enumerate(HMDB51_IDS[split]) if id_ == split_id]


def test_hmdb51_writes_all_splits(hmdb51: Dict[str, Path]) -> None:
    out_dir = hmdb51['out_dir']
    result = _run('hmdb51', _args(hmdb51))
    assert 'checked 12 videos: 0 missing, 0 unreadable' in result.stdout
    assert 'left out' not in result.stdout
    assert (out_dir / 'hmdb51_val_split_1_videos.txt').read_text() == (
        'brush_hair/brush_hair_2_u_nm_np1_fr_goo_0.avi 0\n'
        'climb_stairs/climb_stairs_2_u_nm_np1_fr_goo_0.avi 1\n'
        'wave/wave_2_u_nm_np1_fr_goo_0.avi 2\n')
    for split in HMDB51_IDS:
        lists = _read_lists(out_dir, 'hmdb51', split)
        assert lists['train'] == _hmdb51_expected(split, '1')
        assert lists['val'] == _hmdb51_expected(split, '2')
        _assert_prp_lists(lists, num_val=2)
    report = (out_dir / 'hmdb51_video_report.txt').read_text()
    assert 'frames per usable video: min 10, median 11.5, max 13' in report
    dataset = VideoDataset(
        str(out_dir / 'hmdb51_prp_train_split_1_videos.txt'),
        pipeline=[],
        data_prefix=dict(video=str(hmdb51['video_dir'])))
    assert len(dataset) == 4
    assert all(
        Path(dataset.get_data_info(index)['filename']).is_file()
        for index in range(len(dataset)))


def test_hmdb51_malformed_line_names_file_and_line(
        hmdb51: Dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path = hmdb51['split_dir'] / 'wave_test_split2.txt'
    with open(path, 'a') as file:
        file.write('extra.avi 3 \n')
    message = _run_failing('hmdb51', _args(hmdb51), monkeypatch)
    assert message == (f"error: {path}, line 5: id is not 0, 1 or 2: "
                       "'extra.avi 3'")
