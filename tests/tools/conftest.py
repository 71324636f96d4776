"""Fixtures of the end-to-end tests: one real-size PRP C3D run shared by
the entry-point test (``mim train``) and the downstream chain."""
from pathlib import Path

import pytest

from mmprp.testing import SyntheticDataset
from helpers import REPO, run_command

LIST_KINDS = ('train', 'val', 'prp_train', 'prp_val')


@pytest.fixture(scope='session')
def ucf101_lists(tmp_path_factory: pytest.TempPathFactory,
                 synthetic_ucf101: SyntheticDataset, python: str) -> Path:
    """The lists ``tools/data/prepare_annotations.py ucf101`` writes for the
    synthetic UCF101 from its official split files (2 videos held out).

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's temp folders.
        synthetic_ucf101 (SyntheticDataset): The videos and split files.
        python (str): The interpreter.

    Returns:
        Path: The folder of the lists, every kind of every split checked.
    """
    lists = tmp_path_factory.mktemp('ucf101_lists')
    run_command([
        python, REPO / 'tools' / 'data' / 'prepare_annotations.py', 'ucf101',
        '--split-dir', synthetic_ucf101.split_dir, '--video-dir',
        synthetic_ucf101.video_dir, '--out-dir', lists, '--num-val', '2'
    ],
                cwd=lists)
    for split in (1, 2, 3):
        for kind in LIST_KINDS:
            assert (lists
                    / f'ucf101_{kind}_split_{split}_videos.txt').is_file()
    return lists


@pytest.fixture(scope='session')
def mim_prp_c3d_run(tmp_path_factory: pytest.TempPathFactory,
                    synthetic_ucf101: SyntheticDataset, ucf101_lists: Path,
                    python: str) -> Path:
    """``mim train mmaction configs/prp/prp_c3d_ucf101.py``: the C3D at its
    real width and input size, two training iterations (4 videos of the
    prepared PRP training list) and one validation iteration (its PRP
    validation list, 2 videos).

    Args:
        tmp_path_factory (pytest.TempPathFactory): pytest's temp folders.
        synthetic_ucf101 (SyntheticDataset): The videos.
        ucf101_lists (Path): The prepared lists.
        python (str): The interpreter (``mim`` is next to it).

    Returns:
        Path: The work dir of the finished run.
    """
    root = tmp_path_factory.mktemp('mim_prp_c3d')
    work_dir = root / 'work'
    options = [
        f'train_dataloader.dataset.ann_file={ucf101_lists}/'
        'ucf101_prp_train_split_1_videos.txt',
        f'val_dataloader.dataset.ann_file={ucf101_lists}/'
        'ucf101_prp_val_split_1_videos.txt',
        'train_dataloader.dataset.indices=4', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1'
    ] + [
        f'{loader}_dataloader.{key}' for loader in ('train', 'val')
        for key in (f'dataset.data_prefix.video={synthetic_ucf101.video_dir}',
                    'num_workers=0', 'persistent_workers=False',
                    'batch_size=2')
    ]
    run_command([
        Path(python).parent / 'mim', 'train', 'mmaction',
        REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py', '--work-dir', work_dir,
        '--cfg-options', *options
    ],
                cwd=root)
    return work_dir
