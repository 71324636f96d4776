"""SafeCheckpointHook: a kill at any step of a save loses no checkpoint.

A tiny runner trains 3 epochs (validation every epoch, a scripted loss that
improves at epochs 1 and 2 and not at 3), keeping 2 checkpoints and the
best. Every file operation of the saves (writing a file, renaming it,
deleting one) is a step where the run can be killed: the test kills it at
each in turn (a write is cut halfway), checks what is left on disk, then
resumes the run to its end.
"""
import itertools
import os
import shutil
import socket
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from mmprp.engine import SafeCheckpointHook
from helpers import ToyModel, hold_lock, toy_loader

VAL_LOSS = {0: 2.0, 1: 1.0, 2: 1.5}  # by epoch index: best at epochs 1, 2
RUN_IDS = itertools.count()


class SimulatedKill(BaseException):
    """Stops the run where the process would have been killed."""


class ScriptedLoss(BaseMetric):
    """Validation loss of the epoch (or iteration) index, and minus it.

    Args:
        val_loss (dict[int, float]): The loss by index of the last epoch
            (iteration) trained.
        unit (str): ``'epoch'`` or ``'iter'``.
        validated (list, optional): Gets each index validated.
    """

    def __init__(self,
                 val_loss: Dict[int, float],
                 unit: str = 'epoch',
                 validated: Optional[list] = None) -> None:
        super().__init__()
        self.val_loss = val_loss
        self.unit = unit
        self.validated = [] if validated is None else validated

    def process(self, data_batch, data_samples) -> None:
        self.results.append(0)

    def compute_metrics(self, results: list) -> dict:
        index = MessageHub.get_current_instance().get_info(self.unit)
        self.validated.append(index)
        return dict(loss=self.val_loss[index], score=-self.val_loss[index])


def build_runner(work_dir: Path,
                 hook: CheckpointHook,
                 resume: bool = False,
                 val_loss: Dict[int, float] = VAL_LOSS,
                 by_epoch: bool = True,
                 validated: Optional[list] = None,
                 custom_hooks: Sequence[Hook] = (),
                 log_level: str = 'ERROR') -> Runner:
    """A toy run: 2 iterations an epoch, 2 of validation, the scripted
    losses; by epoch, one epoch a loss, else one loss every 2 iterations."""
    loader = toy_loader()
    if by_epoch:
        train_cfg = dict(
            by_epoch=True, max_epochs=len(val_loss), val_interval=1)
    else:
        train_cfg = dict(
            by_epoch=False, max_iters=2 * len(val_loss), val_interval=2)
    unit = 'epoch' if by_epoch else 'iter'
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'safe_checkpoint_{next(RUN_IDS)}',
        train_dataloader=loader,
        val_dataloader=loader,
        train_cfg=train_cfg,
        val_cfg=dict(),
        val_evaluator=Evaluator(ScriptedLoss(val_loss, unit, validated)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=hook),
        custom_hooks=list(custom_hooks),
        randomness=dict(seed=0),
        default_scope='mmaction',  # as the other tests (conftest.py)
        resume=resume,
        log_level=log_level)


def safe_hook(by_epoch: bool = True) -> SafeCheckpointHook:
    """Latest every epoch (every 2 iterations), 2 kept, the best loss."""
    return SafeCheckpointHook(
        interval=1 if by_epoch else 2,
        by_epoch=by_epoch,
        max_keep_ckpts=2,
        save_best='loss',
        rule='less')


class KillAt(Hook):
    """Stops the run the n-th time it reaches a hook point.

    Args:
        point (str): A hook method name (``'after_val_iter'``, ...).
        n (int): Which time, from 1.
    """

    priority = 'HIGHEST'

    def __init__(self, point: str, n: int) -> None:
        self.remaining = n
        setattr(self, point, self.count)

    def count(self, runner, **kwargs) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            raise SimulatedKill(runner.epoch, runner.iter)


class FileSteps:
    """Records the file steps of the saves; kills the run at one of them.

    Args:
        work_dir (Path): Only steps on files in it count.
        kill_at (int, optional): Index of the step to kill at.
    """

    def __init__(self, work_dir: Path, kill_at: Optional[int] = None) -> None:
        self.work_dir = str(work_dir)
        self.kill_at = kill_at
        self.steps: List[tuple] = []

    def step(self,
             kind: str,
             path: str,
             partial_effect: Optional[Callable] = None) -> None:
        """Record a step on ``path``; at ``kill_at``, do ``partial_effect``
        (the part done before the kill) and stop the run."""
        if not str(path).startswith(self.work_dir):
            return
        self.steps.append((kind, Path(path).name))
        if len(self.steps) - 1 == self.kill_at:
            if partial_effect is not None:
                partial_effect()
            raise SimulatedKill(self.steps[-1])

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        put, replace = LocalBackend.put, os.replace
        remove = LocalBackend.remove

        def cut_put(backend, obj: bytes, filepath) -> None:
            self.step('write', filepath,
                      lambda: put(backend, obj[:len(obj) // 2], filepath))
            put(backend, obj, filepath)

        def checked_replace(src, dst) -> None:
            self.step('rename', dst)
            replace(src, dst)

        def checked_remove(backend, filepath) -> None:
            self.step('delete', filepath)
            remove(backend, filepath)

        monkeypatch.setattr(LocalBackend, 'put', cut_put)
        monkeypatch.setattr(os, 'replace', checked_replace)
        monkeypatch.setattr(LocalBackend, 'remove', checked_remove)


def load(path: Path) -> dict:
    # only files this test wrote itself
    return torch.load(path, map_location='cpu', weights_only=False)


def latest_checkpoint(work_dir: Path) -> Optional[Path]:
    """The checkpoint ``last_checkpoint`` names, checked to load."""
    marker = work_dir / 'last_checkpoint'
    if not marker.is_file():
        return None
    path = Path(marker.read_text().strip())
    assert path.is_file(), f'last_checkpoint names a missing {path}'
    load(path)
    return path


def recorded_best(checkpoint: Path) -> Optional[Path]:
    """The best checkpoint that a checkpoint records, checked to load."""
    best = load(checkpoint)['message_hub']['runtime_info'].get('best_ckpt')
    if best is None:
        return None
    assert Path(best).is_file(), f'{checkpoint} records a missing {best}'
    load(Path(best))
    return Path(best)


def run(work_dir: Path,
        monkeypatch,
        kill_at: Optional[int] = None,
        hook: Callable[[], CheckpointHook] = safe_hook,
        **runner_args) -> FileSteps:
    steps = FileSteps(work_dir, kill_at)
    with monkeypatch.context() as patch:
        steps.install(patch)
        try:
            build_runner(work_dir, hook(), **runner_args).train()
        except SimulatedKill:
            pass
    return steps


@pytest.fixture(scope='module')
def uninterrupted_steps(tmp_path_factory) -> List[tuple]:
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    with pytest.MonkeyPatch.context() as monkeypatch:
        steps = run(work_dir, monkeypatch).steps
    assert sorted(path.name for path in work_dir.glob('*.pth')) == [
        'best_loss_epoch_2.pth', 'epoch_2.pth', 'epoch_3.pth'
    ]
    assert recorded_best(latest_checkpoint(work_dir)).name == \
        'best_loss_epoch_2.pth'
    return steps


def test_save_order_writes_renames_then_deletes(uninterrupted_steps) -> None:
    # epoch 2: the latest, then the best, the latest again (it records the
    # new best), and only then the previous best goes
    epoch_2 = uninterrupted_steps[uninterrupted_steps.index((
        'write', 'epoch_2.pth.partial')):]
    assert epoch_2[:10] == [('write', 'epoch_2.pth.partial'),
                            ('rename', 'epoch_2.pth'),
                            ('rename', 'last_checkpoint'),
                            ('write', 'best_loss_epoch_2.pth.partial'),
                            ('rename', 'best_loss_epoch_2.pth'),
                            ('write', 'epoch_2.pth.partial'),
                            ('rename', 'epoch_2.pth'),
                            ('rename', 'last_checkpoint'),
                            ('delete', 'best_loss_epoch_1.pth'),
                            ('write', 'epoch_3.pth.partial')]
    assert uninterrupted_steps[-4:] == [('write', 'epoch_3.pth.partial'),
                                        ('rename', 'epoch_3.pth'),
                                        ('rename', 'last_checkpoint'),
                                        ('delete', 'epoch_1.pth')]


def test_a_kill_at_any_step_leaves_a_latest_and_a_best_checkpoint(
        tmp_path, monkeypatch, uninterrupted_steps) -> None:
    first_best = uninterrupted_steps.index(('rename', 'best_loss_epoch_1.pth'))
    for kill_at, step in enumerate(uninterrupted_steps):
        work_dir = tmp_path / f'kill_{kill_at}'
        run(work_dir, monkeypatch, kill_at)
        latest = latest_checkpoint(work_dir)
        assert (latest is None) == (kill_at <= 2), step
        if latest is not None:
            recorded_best(latest)
        bests = list(work_dir.glob('best_*.pth'))
        assert bool(bests) == (kill_at > first_best), step
        for best in bests:
            load(best)

        build_runner(work_dir, safe_hook(), resume=True).train()
        latest = latest_checkpoint(work_dir)
        assert latest.name == 'epoch_3.pth', step
        assert recorded_best(latest) is not None, step
        assert sorted(path.name for path in work_dir.glob('epoch_*.pth')) \
            == ['epoch_2.pth', 'epoch_3.pth'], step


def test_a_resumed_run_saves_as_the_uninterrupted_one(tmp_path,
                                                      monkeypatch) -> None:
    """Latest checkpoints every 2 epochs; epoch 3's new best comes between
    them and is recorded in a latest checkpoint before the old best goes,
    also in a run resumed from epoch 2 (which first deletes the partial
    file the kill left)."""

    def hook() -> SafeCheckpointHook:
        return SafeCheckpointHook(
            interval=2, max_keep_ckpts=2, save_best='loss', rule='less')

    val_loss = {0: 2.0, 1: 1.0, 2: 0.5, 3: 0.7}
    once = run(
        tmp_path / 'once', monkeypatch, hook=hook, val_loss=val_loss).steps
    epoch_3 = once.index(('write', 'best_loss_epoch_3.pth.partial'))
    assert once[epoch_3:epoch_3 + 6] == [('write',
                                          'best_loss_epoch_3.pth.partial'),
                                         ('rename', 'best_loss_epoch_3.pth'),
                                         ('write', 'epoch_3.pth.partial'),
                                         ('rename', 'epoch_3.pth'),
                                         ('rename', 'last_checkpoint'),
                                         ('delete', 'best_loss_epoch_2.pth')]
    work_dir = tmp_path / 'killed'
    run(work_dir, monkeypatch, kill_at=epoch_3, hook=hook, val_loss=val_loss)
    assert latest_checkpoint(work_dir).name == 'epoch_2.pth'
    steps = FileSteps(work_dir)
    with monkeypatch.context() as patch:
        steps.install(patch)
        build_runner(work_dir, hook(), resume=True, val_loss=val_loss).train()
    assert steps.steps == [('delete', 'best_loss_epoch_3.pth.partial')
                           ] + once[epoch_3:]


def test_one_best_checkpoint_per_metric(tmp_path) -> None:
    hook = SafeCheckpointHook(
        interval=1,
        max_keep_ckpts=2,
        save_best=['loss', 'score'],
        rule=['less', 'greater'])
    build_runner(tmp_path, hook).train()
    info = load(latest_checkpoint(tmp_path))['message_hub']['runtime_info']
    assert Path(info['best_ckpt_loss']).name == 'best_loss_epoch_2.pth'
    assert Path(info['best_ckpt_score']).name == 'best_score_epoch_2.pth'
    assert sorted(path.name for path in tmp_path.glob('best_*')) == [
        'best_loss_epoch_2.pth', 'best_score_epoch_2.pth'
    ]


def test_stock_hook_loses_the_run_at_a_kill(tmp_path, monkeypatch) -> None:
    """The same kill with mmengine's hook: nothing usable is left."""

    def stock_hook() -> CheckpointHook:
        return CheckpointHook(interval=1, max_keep_ckpts=1)

    work_dir = tmp_path / 'stock'
    steps = run(work_dir, monkeypatch, kill_at=2, hook=stock_hook).steps
    assert steps[-2:] == [('delete', 'epoch_1.pth'), ('write', 'epoch_2.pth')]
    with pytest.raises(AssertionError, match='names a missing'):
        latest_checkpoint(work_dir)


def test_refuses_a_remote_out_dir(tmp_path) -> None:
    hook = SafeCheckpointHook(interval=1, out_dir='http://example.com/ckpts')
    runner = build_runner(tmp_path, hook)
    with pytest.raises(ValueError, match='local folder.*HTTPBackend'):
        hook.before_train(runner)


def best_names(work_dir: Path) -> List[str]:
    return sorted(path.name for path in work_dir.glob('best_*'))


def killed_run(work_dir: Path, kill: KillAt, **runner_args) -> None:
    with pytest.raises(SimulatedKill):
        build_runner(
            work_dir,
            safe_hook(runner_args.get('by_epoch', True)),
            custom_hooks=[kill],
            **runner_args).train()


@pytest.mark.parametrize(
    'by_epoch', [True, pytest.param(False, marks=pytest.mark.slow)])
def test_a_validation_a_kill_interrupted_is_run_again(tmp_path,
                                                      by_epoch) -> None:
    """The latest checkpoint of epoch 2 (iteration 4) is saved before its
    validation, which finds the best; killed during that validation, the
    resumed run validates it before it trains on, and keeps that best."""
    if by_epoch:  # by the index of the last epoch (iteration) trained
        unit, val_loss = 'epoch', {0: 2.0, 1: 1.0, 2: 1.5}
    else:
        unit, val_loss = 'iter', {1: 2.0, 3: 1.0, 5: 1.5}
    step = 2 if by_epoch else 4
    build_runner(
        tmp_path / 'once',
        safe_hook(by_epoch),
        val_loss=val_loss,
        by_epoch=by_epoch).train()
    assert best_names(tmp_path / 'once') == [f'best_loss_{unit}_{step}.pth']

    work_dir = tmp_path / 'killed'
    killed_run(
        work_dir,
        KillAt('after_val_iter', 3),
        val_loss=val_loss,
        by_epoch=by_epoch)
    assert latest_checkpoint(work_dir).name == f'{unit}_{step}.pth'
    validated = []
    build_runner(
        work_dir,
        safe_hook(by_epoch),
        resume=True,
        val_loss=val_loss,
        by_epoch=by_epoch,
        validated=validated).train()
    assert validated == sorted(val_loss)[1:]
    assert best_names(work_dir) == [f'best_loss_{unit}_{step}.pth']
    assert recorded_best(latest_checkpoint(work_dir)).name == \
        f'best_loss_{unit}_{step}.pth'


@pytest.mark.parametrize('kill,validated', [
    (KillAt('before_train_epoch', 3), [2]),
    (KillAt('after_train', 1), [2]),
])
def test_a_finished_validation_leaves_the_best_as_it_is(
        tmp_path, kill, validated) -> None:
    """Killed after epoch 2's validation (a new best, so the latest
    checkpoint was saved again and records it), the resumed run does not
    validate epoch 2 again; killed after epoch 3's (no new best, not
    recorded), it validates epoch 3 again, and the best stays."""
    build_runner(tmp_path / 'once', safe_hook()).train()
    work_dir = tmp_path / 'killed'
    killed_run(work_dir, kill)
    indices = []
    build_runner(work_dir, safe_hook(), resume=True, validated=indices).train()
    assert indices == validated
    assert best_names(work_dir) == best_names(
        tmp_path / 'once') == ['best_loss_epoch_2.pth']
    assert recorded_best(latest_checkpoint(work_dir)).name == \
        'best_loss_epoch_2.pth'


def file_contents(folder: Path) -> Dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob('*') if path.is_file()
    }


def killed_and_copied(tmp_path: Path) -> Tuple[Path, Path]:
    """A run killed during epoch 2's validation (epoch_2.pth records the
    best of epoch 1), and a copy of its work dir."""
    original, copy = tmp_path / 'original', tmp_path / 'copy'
    killed_run(original, KillAt('after_val_iter', 3))
    shutil.copytree(original, copy)
    return original, copy


def test_resuming_a_copy_reads_and_writes_only_the_copy(tmp_path) -> None:
    original, copy = killed_and_copied(tmp_path)
    # reading the original's latest checkpoint now fails
    (original / 'epoch_2.pth').write_bytes(b'not a checkpoint')
    before = file_contents(original)

    build_runner(copy, safe_hook(), resume=True, log_level='INFO').train()
    assert file_contents(original) == before
    build_runner(tmp_path / 'once', safe_hook()).train()
    assert sorted(path.name for path in copy.glob('*.pth')) == sorted(
        path.name for path in (tmp_path / 'once').glob('*.pth'))
    assert latest_checkpoint(copy) == copy / 'epoch_3.pth'
    assert recorded_best(copy / 'epoch_3.pth') == \
        copy / 'best_loss_epoch_2.pth'
    log = '\n'.join(path.read_text() for path in copy.glob('*/*.log'))
    assert (f'names {original}/epoch_2.pth, outside this run\'s checkpoint '
            f'folder {copy} (a copied or moved work dir): resuming from this '
            f'folder\'s {copy}/epoch_2.pth') in log
    assert f'records {original}/best_loss_epoch_1.pth (best_ckpt)' in log


def test_resuming_a_copy_without_its_checkpoint_is_refused(tmp_path) -> None:
    original, copy = killed_and_copied(tmp_path)
    (copy / 'epoch_2.pth').unlink()
    before = file_contents(original)
    with pytest.raises(
            FileNotFoundError,
            match=f'names {original}/epoch_2.pth, outside this run\'s '
            f'checkpoint folder {copy}, which has no epoch_2.pth: not '
            f'resuming from another run\'s file'):
        build_runner(copy, safe_hook(), resume=True).train()
    assert file_contents(original) == before


def test_never_deletes_outside_its_folder(tmp_path) -> None:
    hook = safe_hook()
    hook.out_dir = str(tmp_path / 'run')
    other = tmp_path / 'other' / 'best_loss_epoch_1.pth'
    other.parent.mkdir()
    other.write_bytes(b'another run')
    with pytest.raises(RuntimeError, match=f'not deleting {other}, outside'):
        hook._remove(None, [str(other)], 'previous best checkpoint')
    assert other.read_bytes() == b'another run'


def test_a_second_run_on_a_work_dir_is_refused(tmp_path) -> None:
    first = hold_lock(tmp_path)
    try:
        with pytest.raises(
                RuntimeError,
                match=f'{tmp_path} is in use by another training run '
                f'\\(host {socket.gethostname()}, PID {first.pid}, '
                f'started '):
            build_runner(tmp_path, safe_hook()).train()
        assert not list(tmp_path.glob('*.pth'))
    finally:
        first.communicate('')
    assert not (tmp_path / 'training.lock').exists()
    build_runner(tmp_path, safe_hook()).train()
    assert (tmp_path / 'epoch_3.pth').is_file()
    assert not (tmp_path / 'training.lock').exists()


def test_a_killed_run_s_lock_is_taken_over(tmp_path) -> None:
    first = hold_lock(tmp_path)
    first.kill()
    first.wait()
    assert (tmp_path / 'training.lock').is_file()
    build_runner(tmp_path, safe_hook(), log_level='INFO').train()
    log = '\n'.join(path.read_text() for path in tmp_path.glob('*/*.log'))
    assert (f'Taking over the stale lock {tmp_path}/training.lock (host '
            f'{socket.gethostname()}, PID {first.pid}, started ') in log
    assert f'process {first.pid} no longer runs' in log
    assert not (tmp_path / 'training.lock').exists()
