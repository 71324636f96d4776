"""A PRP run killed mid-training and resumed with --resume logs the same
second-epoch losses as an uninterrupted run, with the shipped loader
settings: persistent data-loader workers (two here).

Persistent workers keep their numpy RNG running across epochs, and a resumed
run starts fresh workers; the losses still match because every sample draws
its rate and window from a generator seeded by (seed, epoch, index)
(SeededSampler + PRPVideoDataset), and the restored model, optimizer and
scheduler state do the rest.

The runs go through ``tools/train.py`` in processes forked by
``kill_driver.py`` (imports paid once); the killed run dies of SIGKILL as
the second epoch's first iteration starts, epoch_1.pth saved.
"""
import json
from pathlib import Path
from typing import List

import pytest

from helpers import REPO, read_scalars, run_kill_driver

pytestmark = pytest.mark.slow

LOSS_KEYS = ('loss', 'loss_rate', 'loss_recon', 'rate_acc', 'lr')
# 8 training videos in batches of 4: iteration 3 is epoch 2's first
KILL_AT = ['hook:before_train_iter', 3]
CONFIG = """\
_base_ = [{base!r}]
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    dataset=dict(ann_file={train!r}, data_prefix=dict(video={videos!r})))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={val!r}, data_prefix=dict(video={videos!r})))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=7, deterministic=True)
"""


def second_epoch_losses(records: list) -> list:
    return [
        tuple(record[key] for key in LOSS_KEYS) for record in records
        if 'loss_rate' in record and record['epoch'] == 2
    ]


def every_run_scalars(work_dir: Path) -> List[dict]:
    """The json lines LocalVisBackend logged in ``work_dir``, run by run."""
    return [
        json.loads(line)
        for path in sorted(work_dir.glob('*/vis_data/scalars.json'))
        for line in path.read_text().splitlines()
    ]


def write_config(path: Path, dataset) -> Path:
    """The demo config on the synthetic videos, two persistent workers."""
    train, val = dataset.ann_files[1]
    path.write_text(
        CONFIG.format(
            base=str(REPO / 'demo' / 'configs' / 'prp_c3d_demo.py'),
            train=str(train),
            val=str(val),
            videos=str(dataset.video_dir)))
    return path


def test_killed_run_resumes_with_the_same_losses(tmp_path,
                                                 synthetic_ucf101) -> None:
    config = write_config(tmp_path / 'resume_demo.py', synthetic_ucf101)
    once, killed = tmp_path / 'once', tmp_path / 'killed'
    outcomes = run_kill_driver(tmp_path, config, [
        dict(work_dir=str(once), resume=False, kill_at=None),
        dict(work_dir=str(killed), resume=False, kill_at=KILL_AT),
        dict(work_dir=str(killed), resume=True, kill_at=None),
    ])
    assert [outcome['killed'] for outcome in outcomes] == [False, True, False]
    uninterrupted = second_epoch_losses(read_scalars(once))
    # both runs' logs (one folder when they start within a second): epoch
    # 1 trained once, by the killed run; the resumed run went on with 2
    records = every_run_scalars(killed)
    assert [r['epoch'] for r in records if 'loss_rate' in r] == [1, 1, 2, 2]
    resumed = second_epoch_losses(records)

    assert len(uninterrupted) == 2 and len(resumed) == 2
    for expected, actual in zip(uninterrupted, resumed):
        for a, b in zip(expected, actual):
            assert abs(a - b) <= 1e-5 * max(1., abs(a)), (uninterrupted,
                                                          resumed)
