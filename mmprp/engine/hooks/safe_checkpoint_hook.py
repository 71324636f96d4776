"""mmengine's CheckpointHook without the moment where a kill loses the run."""
import os
import os.path as osp
import re
from typing import List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop

from ...utils.work_dir_lock import WorkDirLock

PARTIAL_SUFFIX = '.partial'


def fsync_path(path: str) -> None:
    """Flush a file, or a folder's entries (POSIX), to the disk.

    Args:
        path (str): The file or folder.
    """
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def commit_file(partial: str, final: str) -> None:
    """Put the complete file ``partial`` in the place of ``final``.

    The rename is atomic: ``final`` is at every moment either its old
    content or the new one, never a part of it.

    Args:
        partial (str): The written file, in the folder of ``final``.
        final (str): Its name once complete.
    """
    fsync_path(partial)
    os.replace(partial, final)
    if os.name == 'posix':
        fsync_path(osp.dirname(osp.abspath(final)))


def write_text_atomically(path: str, text: str) -> None:
    """Write a text file through a partial file renamed into place.

    Args:
        path (str): The file.
        text (str): Its new content.
    """
    partial = path + PARTIAL_SUFFIX
    with open(partial, 'w') as file:
        file.write(text)
    commit_file(partial, path)


def is_in_folder(path: str, folder: str) -> bool:
    """Whether ``path`` names a file directly in ``folder``.

    Args:
        path (str): A file path (absolute, or relative to the current
            directory).
        folder (str): A folder.

    Returns:
        bool: True if the file's folder is ``folder`` (links resolved).
    """
    return osp.realpath(osp.dirname(osp.abspath(path))) == osp.realpath(folder)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose run survives a kill at any moment.

    mmengine's hook deletes the oldest kept checkpoint (``max_keep_ckpts``)
    and the previous best one before it writes the new one, and writes
    files in place: a kill in between loses them (with
    ``max_keep_ckpts=1``, every checkpoint). This hook saves each
    checkpoint, latest or best, in this order:

    1. write it as ``<name>.partial`` in ``out_dir`` and flush it to disk;
    2. rename it to ``<name>`` (``os.replace``, atomic);
    3. for a latest checkpoint, point ``work_dir/last_checkpoint`` at it
       (written the same way);
    4. only then delete the checkpoints it replaces: the ones beyond
       ``max_keep_ckpts`` and, once the latest checkpoint records the new
       best, the previous best.

    So ``last_checkpoint`` always names a complete checkpoint, and the best
    checkpoint that it records exists. A kill can leave files that the
    latest checkpoint does not record: a ``*.partial`` file, a new best
    checkpoint not yet recorded (between steps 2 and 3) or the previous
    best (between steps 3 and 4), and the kept checkpoints it was about to
    delete. A resumed run (``--resume``) deletes them before it trains, so
    that one best checkpoint per ``save_best`` metric remains.

    A resumed run also validates again what the kill left unvalidated: the
    latest checkpoint of an epoch (or iteration) is saved before that
    epoch's validation, so mmengine's resumed loop, which starts at the
    next epoch, would skip it. If that validation was due and the
    checkpoint does not record its result (it records it when the
    validation found a new best: the latest checkpoint is saved again
    then), the resumed run validates first, as the uninterrupted run did;
    with a deterministic validation it reaches the same best checkpoint and
    the same state (e.g. of ``ReduceOnPlateauLR``). ``EpochBasedTrainLoop``
    with ``by_epoch=True`` and ``IterBasedTrainLoop`` with
    ``by_epoch=False``; with another loop, a warning says that this is not
    done.

    A run reads and writes only its own folders. The checkpoints of a
    copied or moved work dir record paths of the original folder
    (``last_checkpoint``, the message hub's ``last_ckpt`` and
    ``best_ckpt``): such a path stands for the file of the same name in
    this run's ``out_dir``. ``--resume`` without a path resumes from that
    file (saying so), and stops if it is missing rather than read another
    run's file; ``--resume PATH`` reads PATH as given.

    A training run holds a lock on its work dir
    (:class:`~mmprp.utils.work_dir_lock.WorkDirLock`, the main process
    only): a second run started on the same work dir is refused, naming the
    first one's host and PID.

    Checkpoints are files in a local folder (mmengine's ``Runner``; not
    DeepSpeed's checkpoint folders).

    Args:
        *args: The arguments of ``mmengine.hooks.CheckpointHook``
            (``interval``, ...).
        **kwargs: Its keyword arguments (``interval``, ``max_keep_ckpts``,
            ``save_best``, ``rule``, ...).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lock: Optional[WorkDirLock] = None

    def before_run(self, runner) -> None:
        """Pick the file that ``--resume`` resumes from in this run's
        folder.

        Args:
            runner (Runner): The runner.

        Raises:
            ValueError: If ``out_dir`` is not on the local file system.
            FileNotFoundError: If ``last_checkpoint`` names a file in
                another folder and this run's folder has no file of that
                name.
        """
        # mmengine's load_or_resume reads these after before_run
        if runner._resume and runner._load_from is None:
            runner._load_from = self._own_copy_of_latest(
                runner, self._local_checkpoint_folder(runner))

    def before_train(self, runner) -> None:
        """Lock the work dir, prepare as usual, then, in a resumed run,
        bring the folder and the state to those of the uninterrupted run.

        A resumed run also takes the latest checkpoint over from the message
        hub, so that its next new best is recorded in a latest checkpoint
        before the previous best goes, as in the uninterrupted run.

        Args:
            runner (Runner): The runner of the training process.

        Raises:
            ValueError: If ``out_dir`` is not on the local file system.
            RuntimeError: If another run holds the work dir's lock.
        """
        self._local_checkpoint_folder(runner)
        self._lock_work_dir(runner)
        super().before_train(runner)
        if self.last_ckpt is None:
            self.last_ckpt = runner.message_hub.get_info('last_ckpt')
        self._record_own_paths(runner)
        if runner._resume and is_main_process():
            self._remove_unrecorded_files(runner)
        self._validate_if_missed(runner)

    def after_train(self, runner) -> None:
        """Publish the checkpoints as usual, then release the lock.

        Args:
            runner (Runner): The runner of the training process.
        """
        super().after_train(runner)
        if self.lock is not None:
            self.lock.release()

    def _local_checkpoint_folder(self, runner) -> str:
        """``out_dir`` as ``CheckpointHook.before_train`` will set it.

        Raises:
            ValueError: If it is not on the local file system.
        """
        if self.out_dir is None or self.out_dir == runner.work_dir:
            folder = runner.work_dir
        else:
            folder = osp.join(self.out_dir,
                              osp.basename(runner.work_dir.rstrip(osp.sep)))
        backend = get_file_backend(folder, backend_args=self.backend_args)
        if not isinstance(backend, LocalBackend):
            raise ValueError(
                f'SafeCheckpointHook writes checkpoints to a local folder; '
                f'out_dir={self.out_dir!r} is on {type(backend).__name__}. '
                f"Use a local out_dir or type='CheckpointHook'.")
        return folder

    def _own_copy_of_latest(self, runner, out_dir: str) -> Optional[str]:
        """The file to resume from if ``last_checkpoint`` names a file in
        another folder: the file of that name in ``out_dir``.

        Args:
            runner (Runner): The runner.
            out_dir (str): This run's checkpoint folder.

        Returns:
            str | None: That file; None if ``last_checkpoint`` names a file
            in ``out_dir`` or is missing (mmengine then resumes from it or
            starts from scratch, as usual).

        Raises:
            FileNotFoundError: If ``out_dir`` has no file of that name.
        """
        marker = osp.join(runner.work_dir, 'last_checkpoint')
        if not osp.isfile(marker):
            return None
        with open(marker) as file:
            recorded = file.read().strip()
        if is_in_folder(recorded, out_dir):
            return None
        own = osp.join(out_dir, osp.basename(recorded))
        if not osp.isfile(own):
            raise FileNotFoundError(
                f'{marker} names {recorded}, outside this run\'s checkpoint '
                f'folder {out_dir}, which has no {osp.basename(recorded)}: '
                f'not resuming from another run\'s file. Copy it into '
                f'{out_dir}, or resume from it on purpose with '
                f'--resume {recorded}.')
        runner.logger.info(
            f'{marker} names {recorded}, outside this run\'s checkpoint '
            f'folder {out_dir} (a copied or moved work dir): resuming from '
            f'this folder\'s {own}.')
        return own

    def _lock_work_dir(self, runner) -> None:
        """Take the work dir's lock in the main process; stop every process
        if another run holds it."""
        refusal = [None]
        if is_main_process():
            self.lock = WorkDirLock(runner.work_dir)
            try:
                self.lock.acquire(runner.logger.info)
            except RuntimeError as error:
                refusal = [str(error)]
        broadcast_object_list(refusal)
        if refusal[0] is not None:
            raise RuntimeError(refusal[0])

    def _recorded_bests(self) -> List[Tuple[str, str]]:
        """``(key_indicator, path)`` of every best checkpoint recorded."""
        if not self.save_best:
            return []
        if len(self.key_indicators) == 1:
            return [(self.key_indicators[0], self.best_ckpt_path)]
        return [(key, self.best_ckpt_path_dict[key])
                for key in self.key_indicators]

    def _record_own_paths(self, runner) -> None:
        """Map the recorded checkpoint paths of another folder (a copied or
        moved work dir) to the files of the same names in ``out_dir``."""
        self.last_ckpt = self._own_path(runner, 'last_ckpt', self.last_ckpt)
        for key, path in self._recorded_bests():
            own = self._own_path(runner, self._best_info_keys(key)[1], path)
            self._replace_best_path(key, own)

    def _own_path(self, runner, info_key: str,
                  path: Optional[str]) -> Optional[str]:
        """``path``, or the file of its name in ``out_dir`` if it is in
        another folder (then also recorded under ``info_key``)."""
        if path is None or is_in_folder(path, self.out_dir):
            return path
        own = self.file_backend.join_path(self.out_dir, osp.basename(path))
        runner.message_hub.update_info(info_key, own)
        runner.logger.info(
            f'The resumed checkpoint records {path} ({info_key}), outside '
            f'this run\'s folder {self.out_dir}: using {own}.')
        return own

    def _file_patterns(self) -> Tuple[str, str]:
        """Regular expressions of the names of this hook's latest and best
        checkpoints.

        Raises:
            ValueError: If ``filename_tmpl`` does not hold one field.
        """
        parts = re.split(r'\{[^{}]*\}', self.filename_tmpl)
        if len(parts) != 2:
            raise ValueError(
                f'filename_tmpl={self.filename_tmpl!r} must hold one {{}} '
                f'field (the epoch or iteration)')
        latest = re.escape(parts[0]) + r'\d+' + re.escape(parts[1])
        keys = [
            '.+' if key == 'auto' else re.escape(key.replace('/', '_'))
            for key in (self.key_indicators if self.save_best else [])
        ]
        return latest, f'best_(?:{"|".join(keys)})_{latest}'

    def _remove_unrecorded_files(self, runner) -> None:
        """Delete what a kill left that the resumed checkpoint does not
        record: best checkpoints other than the recorded ones and
        ``*.partial`` files of this hook."""
        latest, best = self._file_patterns()
        partial = f'(?:{best}|{latest}){re.escape(PARTIAL_SUFFIX)}'
        recorded = {
            osp.basename(path)
            for _, path in self._recorded_bests() if path is not None
        }

        def is_debris(name: str) -> bool:
            if re.fullmatch(partial, name):
                return True
            return bool(
                self.save_best and re.fullmatch(best, name)
                and name not in recorded)

        self._remove(runner, [
            self.file_backend.join_path(self.out_dir, name)
            for name in sorted(os.listdir(self.out_dir)) if is_debris(name)
        ], 'file left by the interrupted run')
        marker_partial = osp.join(runner.work_dir,
                                  'last_checkpoint' + PARTIAL_SUFFIX)
        if osp.isfile(marker_partial):
            os.remove(marker_partial)
            runner.logger.info(f'The file left by the interrupted run '
                               f'{marker_partial} is removed')

    def _validate_if_missed(self, runner) -> None:
        """Run the validation that the resumed checkpoint's epoch (or
        iteration) was due and whose result it does not record."""
        loop = runner.train_loop
        step = runner.epoch if self.by_epoch else runner.iter
        if step == 0 or runner.val_loop is None:
            return
        if isinstance(loop, EpochBasedTrainLoop) and self.by_epoch:
            last = loop.max_epochs
        elif isinstance(loop, IterBasedTrainLoop) and not self.by_epoch:
            last = loop.max_iters
        else:
            runner.logger.warning(
                f'SafeCheckpointHook(by_epoch={self.by_epoch}) does not '
                f'repeat a validation that a kill interrupted with '
                f'{type(loop).__name__}: the best checkpoint of a resumed '
                f'run may differ from an uninterrupted run\'s.')
            return
        loop._decide_current_val_interval()  # as the loop does before
        due = step >= loop.val_begin and (step % loop.val_interval == 0
                                          or step == last)
        if not due or self._records_validation(step):
            return
        unit = 'epoch' if self.by_epoch else 'iteration'
        runner.logger.info(
            f'Resumed after {unit} {step}, whose validation the checkpoint '
            f'does not record: validating it again, as the uninterrupted run '
            f'did.')
        # there, RuntimeInfoHook's last update before the validation was the
        # index of the last epoch and iteration trained
        runner.message_hub.update_info('iter', runner.iter - 1)
        if self.by_epoch:
            runner.message_hub.update_info('epoch', runner.epoch - 1)
        runner.val_loop.run()

    def _records_validation(self, step: int) -> bool:
        """Whether the latest checkpoint was saved after the validation at
        ``step``: only then does it record a best checkpoint of ``step``."""
        suffix = '_' + self.filename_tmpl.format(step)
        return any(
            path is not None and osp.basename(path).endswith(suffix)
            for _, path in self._recorded_bests())

    def _write(self, runner, filename: str, **kwargs) -> None:
        """Save a checkpoint as ``out_dir/filename`` (steps 1 and 2)."""
        partial = filename + PARTIAL_SUFFIX
        runner.save_checkpoint(
            self.out_dir,
            partial,
            self.file_client_args,
            backend_args=self.backend_args,
            **kwargs)
        if is_main_process():
            commit_file(
                self.file_backend.join_path(self.out_dir, partial),
                self.file_backend.join_path(self.out_dir, filename))

    def _remove(self, runner, paths: List[str], what: str) -> None:
        """Delete the replaced checkpoint files that exist.

        Raises:
            RuntimeError: If a path is outside ``out_dir`` (this hook never
                deletes another folder's files).
        """
        for path in paths:
            if not is_in_folder(path, self.out_dir):
                raise RuntimeError(
                    f'SafeCheckpointHook: not deleting {path}, outside this '
                    f'run\'s checkpoint folder {self.out_dir}')
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
                runner.logger.info(f'The {what} {path} is removed')

    def _keep(self, runner, step: int) -> List[int]:
        """Count ``step`` among the kept checkpoints.

        Returns:
            list[int]: The steps it pushes out. The message hub (saved in
            the new checkpoint) still lists them first, so that resuming
            from that checkpoint deletes them if this run could not.
        """
        if self.max_keep_ckpts <= 0 or (self.keep_ckpt_ids
                                        and self.keep_ckpt_ids[-1] == step):
            return []
        outdated = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids',
                                       outdated + list(self.keep_ckpt_ids))
        return outdated

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        outdated = self._keep(runner, step)
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._write(
            runner,
            filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            **self.args)
        if outdated:
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        if not is_main_process():
            return
        write_text_atomically(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        self._remove(runner, [
            self.file_backend.join_path(self.out_dir,
                                        self.filename_tmpl.format(old))
            for old in outdated
        ], 'outdated checkpoint')

    def _best_info_keys(self, key_indicator: str) -> Tuple[str, str]:
        """Message hub keys of the best score and best checkpoint."""
        if len(self.key_indicators) == 1:
            return 'best_score', 'best_ckpt'
        return f'best_score_{key_indicator}', f'best_ckpt_{key_indicator}'

    def _replace_best_path(self, key_indicator: str,
                           path: str) -> Optional[str]:
        """Record ``path`` as the best checkpoint; return the previous."""
        if len(self.key_indicators) == 1:
            previous, self.best_ckpt_path = self.best_ckpt_path, path
        else:
            previous = self.best_ckpt_path_dict[key_indicator]
            self.best_ckpt_path_dict[key_indicator] = path
        return previous

    def _save_best_checkpoint(self, runner, metrics: dict) -> None:
        """Save a checkpoint for every improved ``save_best`` metric.

        Args:
            runner (Runner): The runner of the training process.
            metrics (dict): Evaluation results of all metrics.
        """
        if not self.save_best:
            return
        unit, step = ('epoch',
                      runner.epoch) if self.by_epoch else ('iter', runner.iter)
        ckpt_filename = self.filename_tmpl.format(step)
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if 'auto' in self.key_indicators:
            self._init_rule(self.rules, [list(metrics.keys())[0]])

        improved, replaced = False, []
        for key_indicator, rule in zip(self.key_indicators, self.rules):
            score = metrics[key_indicator]
            score_key, path_key = self._best_info_keys(key_indicator)
            best_score = runner.message_hub.get_info(score_key,
                                                     self.init_value_map[rule])
            if score is None or not self.is_better_than[key_indicator](
                    score, best_score):
                continue
            improved = True
            runner.message_hub.update_info(score_key, score)
            name = f'best_{key_indicator}_{ckpt_filename}'.replace('/', '_')
            path = self.file_backend.join_path(self.out_dir, name)
            previous = self._replace_best_path(key_indicator, path)
            runner.message_hub.update_info(path_key, path)
            self._write(
                runner,
                name,
                save_optimizer=False,
                save_param_scheduler=False,
                meta=meta,
                by_epoch=False)
            if previous and previous != path:
                replaced.append(previous)
            runner.logger.info(
                f'The best checkpoint with {score:0.4f} {key_indicator} at '
                f'{step} {unit} is saved to {name}.')

        # the latest checkpoint records the new best before the old goes
        if improved and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, step, meta)
        if is_main_process():
            self._remove(runner, replaced, 'previous best checkpoint')
