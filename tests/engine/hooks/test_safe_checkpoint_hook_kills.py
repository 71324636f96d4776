"""Runs killed with SIGKILL and resumed with ``--resume`` end as an
uninterrupted run: one best checkpoint, the same one, the same weights.

A tiny PRP pretraining (the shipped C3D config: SafeCheckpointHook keeping
the best by validation loss, ReduceOnPlateauLR; here a C3D of width 4 on
32x40 synthetic videos, 5 epochs of 2 iterations, validation of 2
iterations every epoch, a latest checkpoint every 2 epochs, the learning
rate halved at each epoch without a new best) runs through ``tools/train.py``
in processes forked by ``kill_driver.py`` (``helpers.run_kill_driver``),
which kill themselves at chosen events: hook calls of the runner and file
operations in the work dir. The
uninterrupted run finds new bests at epochs 1 and 2 only, and halves the
learning rate at epochs 3, 4 and 5: a resumed run that skipped or repeated
a validation would end with another best or other weights.
"""
import hashlib
import json
import random
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config

from mmprp.testing import generate_synthetic_ucf101
from helpers import REPO, run_kill_driver, small_frames

pytestmark = pytest.mark.slow

NUM_EPOCHS = 5
BEST = 'best_pretext_loss_epoch_2.pth'
CONFIG = """\
_base_ = [{base!r}]
model = dict(
    backbone=dict(base_channels=4),
    rate_head=dict(in_channels=32),
    decoder=dict(in_channels=32, channels=(8, 8, 8, 8)))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={train!r}, data_prefix=dict(video={videos!r}),
                 indices=4, pipeline={train_pipeline!r}))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(ann_file={val!r}, data_prefix=dict(video={videos!r}),
                 indices=2, pipeline={val_pipeline!r}))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={epochs})
optim_wrapper = dict(optimizer=dict(lr=0.2))
param_scheduler = [dict(type='ReduceOnPlateauLR', monitor='pretext/loss',
                        rule='less', factor=0.5, patience=0, by_epoch=True)]
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, max_keep_ckpts=2))
randomness = dict(seed=0, deterministic=True)
"""


def write_config(folder: Path) -> Path:
    """Write the tiny pretraining config and its videos into ``folder``."""
    data = generate_synthetic_ucf101(
        folder / 'data',
        num_classes=4,
        groups_per_class=3,
        clips_per_group=1,
        num_frames=(130, 150),
        frame_size=(32, 40),
        seed=0,
        progress=False)
    base = REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py'
    pipelines = Config.fromfile(base)
    train, val = data.ann_files[1]
    config = folder / 'tiny_prp.py'
    config.write_text(
        CONFIG.format(
            base=str(base),
            train=str(train),
            val=str(val),
            videos=str(data.video_dir),
            train_pipeline=small_frames(pipelines.train_pipeline, (-1, 32),
                                        32),
            val_pipeline=small_frames(pipelines.val_pipeline, (-1, 32), 32),
            epochs=NUM_EPOCHS))
    return config


def killed_and_resumed(work_dir: Path, *kills: list) -> List[dict]:
    """Runs of a chain: a fresh run killed at ``kills[0]``, resumed runs
    killed at the others, and a last resumed run."""
    return [
        dict(work_dir=str(work_dir), resume=index > 0, kill_at=kill)
        for index, kill in enumerate([*kills, None])
    ]


def load(path: Path) -> dict:
    # only files these tests' runs wrote
    return torch.load(path, map_location='cpu', weights_only=False)


def assert_equal(expected, actual, where: str) -> None:
    """Nested containers of tensors and numbers are equal, bit for bit."""
    if isinstance(expected, torch.Tensor):
        assert torch.equal(expected, actual), where
    elif isinstance(expected, dict):
        assert expected.keys() == actual.keys(), where
        for key in expected:
            assert_equal(expected[key], actual[key], f'{where}.{key}')
    elif isinstance(expected, (list, tuple)):
        assert len(expected) == len(actual), where
        for index, (one, other) in enumerate(zip(expected, actual)):
            assert_equal(one, other, f'{where}[{index}]')
    else:
        assert expected == actual, where


def checkpoint_names(work_dir: Path) -> List[str]:
    return sorted(path.name for path in work_dir.glob('*.pth'))


def assert_ends_as_uninterrupted(work_dir: Path, reference: Path) -> None:
    """One best checkpoint, the reference's; final state the reference's."""
    assert sorted(path.name for path in work_dir.glob('best_*')) == [BEST]
    assert checkpoint_names(work_dir) == checkpoint_names(reference)
    assert_equal(
        load(reference / BEST)['state_dict'],
        load(work_dir / BEST)['state_dict'], BEST)
    final = f'epoch_{NUM_EPOCHS}.pth'
    expected, actual = load(reference / final), load(work_dir / final)
    for key in ('state_dict', 'optimizer', 'param_schedulers'):
        assert_equal(expected[key], actual[key], f'{final}: {key}')
    assert not (work_dir / 'training.lock').exists()


def log_text(work_dir: Path) -> str:
    """All mmengine logs of the work dir's runs."""
    return '\n'.join(path.read_text()
                     for path in sorted(work_dir.glob('*/*.log')))


def fingerprints(folder: Path) -> Dict[str, str]:
    """SHA-256 of every file under ``folder``, as kill_driver.py gives."""
    return {
        str(path.relative_to(folder)):
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob('*')) if path.is_file()
    }


@pytest.fixture(scope='module')
def runs(tmp_path_factory) -> dict:
    """The uninterrupted run and the chosen kills, in one driver process.

    Returns:
        dict: ``config``, ``root`` (the folder of the runs), ``events`` (the
        uninterrupted run's) and ``outcomes`` (by run name, the driver's
        results of its runs).
    """
    root = tmp_path_factory.mktemp('kills')
    config = write_config(root)
    chains = dict(
        # epoch 2's new best is in place, the latest checkpoint (epoch 2,
        # saved before the validation) records epoch 1's
        best_renamed=killed_and_resumed(
            root / 'best_renamed',
            ['rename:best_pretext_loss_epoch_2.pth', 1]),
        # in epoch 2's validation, after its first iteration
        validation=killed_and_resumed(root / 'validation',
                                      ['hook:after_val_iter', 3]),
        # as epoch 2's validation starts: epoch_2.pth records epoch 1's best
        copied=killed_and_resumed(root / 'copied',
                                  ['hook:before_val_epoch', 2])[:1] + [
                                      dict(
                                          work_dir=str(root / 'copy'),
                                          resume=True,
                                          kill_at=None,
                                          copy_from=str(root / 'copied'))
                                  ])
    plan = [
        dict(
            work_dir=str(root / 'uninterrupted'),
            resume=False,
            kill_at=None,
            events=str(root / 'events.json'))
    ] + sum(chains.values(), [])
    outcomes = run_kill_driver(root, config, plan)
    names = ['uninterrupted'] + sum(
        ([name] * len(chain) for name, chain in chains.items()), [])
    by_name = {}
    for name, outcome in zip(names, outcomes):
        by_name.setdefault(name, []).append(outcome)
    return dict(
        config=config,
        root=root,
        events=json.loads((root / 'events.json').read_text()),
        outcomes=by_name)


def test_the_uninterrupted_run_meets_the_chosen_events(runs) -> None:
    events = runs['events']
    assert events.count('hook:after_val_iter') == 2 * NUM_EPOCHS
    bests = [event for event in events if event.startswith('rename:best_')]
    assert bests == [
        f'rename:best_pretext_loss_epoch_{epoch}.pth' for epoch in (1, 2)
    ]
    assert sorted(
        path.name
        for path in (runs['root'] / 'uninterrupted').glob('best_*')) == [BEST]


def test_a_kill_right_after_a_new_best_file(runs) -> None:
    assert [outcome['killed']
            for outcome in runs['outcomes']['best_renamed']] == [True, False]
    work_dir = runs['root'] / 'best_renamed'
    assert_ends_as_uninterrupted(work_dir, runs['root'] / 'uninterrupted')
    log = log_text(work_dir)
    assert 'Taking over the stale lock' in log
    # deleted as unrecorded, then written again by the repeated validation
    assert (f'The file left by the interrupted run {work_dir}/'
            f'{BEST} is removed') in log


def test_a_kill_during_validation(runs) -> None:
    assert [outcome['killed']
            for outcome in runs['outcomes']['validation']] == [True, False]
    work_dir = runs['root'] / 'validation'
    assert_ends_as_uninterrupted(work_dir, runs['root'] / 'uninterrupted')
    assert ('Resumed after epoch 2, whose validation the checkpoint does '
            'not record') in log_text(work_dir)


def test_resuming_a_copy_reads_and_writes_only_the_copy(runs) -> None:
    original, copy = runs['root'] / 'copied', runs['root'] / 'copy'
    killed, resumed = runs['outcomes']['copied']
    assert killed['killed'] and not resumed['killed']
    assert fingerprints(original) == resumed['copied']
    assert_ends_as_uninterrupted(copy, runs['root'] / 'uninterrupted')
    log = log_text(copy)
    assert (f'names {original}/epoch_2.pth, outside this run\'s checkpoint '
            f'folder {copy}') in log
    assert f'resuming from this folder\'s {copy}/epoch_2.pth' in log
    assert f'Load checkpoint from {copy}/epoch_2.pth' in log
    assert 'this work dir is a copy' in log


def random_chains(events: List[str], count: int,
                  seed: int) -> List[List[list]]:
    """Two kills per chain: the first at a random event of the
    uninterrupted run (of chain 0 right after a best file appears, of chain
    1 within a validation), the second at a random later one, counted from
    the resumed run's start.

    Returns:
        list[list]: The ``[event, n]`` kills of each chain.
    """
    rng = random.Random(seed)
    anywhere = range(len(events) - 1)  # a later event remains
    bests = [i for i in anywhere if events[i].startswith('rename:best_')]
    validations = [i for i in anywhere if 'val_iter' in events[i]]
    chains = []
    for pool in [bests, validations] + [anywhere] * (count - 2):
        first = rng.choice(pool)
        second = rng.randrange(first + 1, len(events))
        chains.append([
            [events[first], events[:first + 1].count(events[first])],
            [
                events[second],
                events[first + 1:second + 1].count(events[second])
            ],
        ])
    return chains


def test_random_kills_resume_to_the_uninterrupted_run(runs) -> None:
    """Twelve chains of two kills at random moments (a seeded choice),
    each kill followed by ``--resume``."""
    root = runs['root'] / 'random'
    root.mkdir()
    chains = random_chains(runs['events'], count=12, seed=0)
    plan = sum((killed_and_resumed(root / f'chain_{index}', *kills)
                for index, kills in enumerate(chains)), [])
    outcomes = run_kill_driver(root, runs['config'], plan)
    assert sum(outcome['killed'] for outcome in outcomes) >= 20
    for index, kills in enumerate(chains):
        assert_ends_as_uninterrupted(root / f'chain_{index}',
                                     runs['root'] / 'uninterrupted')
