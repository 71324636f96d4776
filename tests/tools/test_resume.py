"""A PRP run killed mid-training and resumed with --resume logs the same
second-epoch losses as an uninterrupted run, with the shipped loader
settings: persistent data-loader workers (two here).

Persistent workers keep their numpy RNG running across epochs, and a resumed
run starts fresh workers; the losses still match because every sample draws
its rate and window from a generator seeded by (seed, epoch, index)
(SeededSampler + PRPVideoDataset), and the restored model, optimizer and
scheduler state do the rest.
"""
import os
import signal
import subprocess
import time

import pytest

from helpers import REPO, data_options, read_scalars, run_command

pytestmark = pytest.mark.slow

LOSS_KEYS = ('loss', 'loss_rate', 'loss_recon', 'rate_acc', 'lr')


def second_epoch_losses(records: list) -> list:
    return [
        tuple(record[key] for key in LOSS_KEYS) for record in records
        if 'loss_rate' in record and record['epoch'] == 2
    ]


def kill_after_first_checkpoint(command: list, work_dir, cwd) -> int:
    """Start training, kill it once epoch_1.pth is recorded as saved."""
    process = subprocess.Popen([str(part) for part in command],
                               cwd=cwd,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               start_new_session=True)
    marker = work_dir / 'last_checkpoint'
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if marker.is_file() and 'epoch_1.pth' in marker.read_text():
            os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.2)
    return process.wait()


def test_killed_run_resumes_with_the_same_losses(tmp_path, synthetic_ucf101,
                                                 python) -> None:
    repo = REPO

    def command(work_dir):
        return [
            python, repo / 'tools' / 'train.py',
            repo / 'demo' / 'configs' / 'prp_c3d_demo.py', '--work-dir',
            work_dir, '--cfg-options',
            *data_options(synthetic_ucf101, batch_size=4),
            'train_dataloader.num_workers=2',
            'train_dataloader.persistent_workers=True',
            'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.interval=1', 'randomness.seed=7',
            'randomness.deterministic=True'
        ]

    run_command(command(tmp_path / 'once'), cwd=tmp_path)
    uninterrupted = second_epoch_losses(read_scalars(tmp_path / 'once'))

    work_dir = tmp_path / 'killed'
    assert kill_after_first_checkpoint(command(work_dir), work_dir,
                                       tmp_path) == -signal.SIGKILL
    run_command(command(work_dir) + ['--resume'], cwd=tmp_path)
    resumed = second_epoch_losses(read_scalars(work_dir))

    assert len(uninterrupted) == 2 and len(resumed) == 2
    for expected, actual in zip(uninterrupted, resumed):
        for a, b in zip(expected, actual):
            assert abs(a - b) <= 1e-5 * max(1., abs(a)), (uninterrupted,
                                                          resumed)
