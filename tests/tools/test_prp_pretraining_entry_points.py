"""PRP pretraining runs end to end from every entry point users have.

One encoder config per entry point, two training iterations and one
validation iteration on synthetic videos at the real input size
(3x16x112x112): ``mim train mmaction`` (C3D, at its real width, on the
lists ``tools/data/prepare_annotations.py ucf101`` wrote: the run of
``conftest.py``, whose checkpoint the downstream chain evaluates),
MMAction2's stock ``tools/train.py`` (R3D-18) and this project's
``tools/train.py`` (R(2+1)D-18), the two ResNets at 1/8 width (one
full-size run is enough to show the real model trains; the others check
the entry points).
"""
from pathlib import Path

import pytest

from mmprp.utils import mmaction_tool_path
from helpers import (NARROW_RESNET, REPO, assert_finite, data_options,
                     read_scalars, run_command)

pytestmark = pytest.mark.slow

TRAIN_KEYS = ['loss', 'loss_rate', 'loss_recon', 'rate_acc']
VAL_KEYS = [
    'pretext/loss', 'pretext/loss_rate', 'pretext/loss_recon',
    'pretext/rate_acc'
]


def entry_point(name: str, python: str, repo: Path) -> list:
    if name == 'mmaction':
        return [python, str(mmaction_tool_path('train.py'))]
    return [python, str(repo / 'tools' / 'train.py')]


def assert_two_iterations_and_validation(work_dir: Path) -> None:
    """Checkpoints, two logged training iterations, finite losses."""
    assert (work_dir / 'epoch_1.pth').is_file()
    assert (work_dir / 'best_pretext_loss_epoch_1.pth').is_file()
    records = read_scalars(work_dir)
    train = [r for r in records if 'loss_rate' in r]
    assert [r['iter'] for r in train] == [1, 2]
    assert_finite(train, TRAIN_KEYS)
    assert_finite(records, VAL_KEYS)


def test_mim_pretrains_c3d_at_its_real_size(mim_prp_c3d_run: Path) -> None:
    assert_two_iterations_and_validation(mim_prp_c3d_run)


@pytest.mark.parametrize('config,launcher', [
    ('prp_r3d_ucf101.py', 'mmaction'),
    ('prp_r21d_ucf101.py', 'mmprp'),
])
def test_pretraining_two_iterations(config: str, launcher: str, tmp_path,
                                    synthetic_ucf101, python) -> None:
    repo = REPO
    work_dir = tmp_path / 'work'
    options = data_options(
        synthetic_ucf101, num_videos=dict(train=4, val=2)) + [
            'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1'
        ] + NARROW_RESNET
    run_command(
        entry_point(launcher, python, repo) + [
            repo / 'configs' / 'prp' / config, '--work-dir', work_dir,
            '--cfg-options', *options
        ],
        cwd=tmp_path)
    assert_two_iterations_and_validation(work_dir)
