"""mmengine's CheckpointHook without the moment where a kill loses the run."""
import os
import os.path as osp
from typing import List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook

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


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose checkpoints survive a kill at any moment.

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
    checkpoint that it records exists. A kill can leave a ``*.partial``
    file (overwritten when that checkpoint is saved again) and, between
    steps 3 and 4, the previous best checkpoint; the kept checkpoints it was
    about to delete are deleted when the run resumes (the new checkpoint
    still lists them as kept). Checkpoints are files in a local folder
    (mmengine's ``Runner``; not DeepSpeed's checkpoint folders).

    Args:
        **kwargs: The arguments of ``mmengine.hooks.CheckpointHook``
            (``interval``, ``max_keep_ckpts``, ``save_best``, ``rule``,
            ...).
    """

    def before_train(self, runner) -> None:
        """Check that ``out_dir`` is a local folder, then prepare as usual.

        A resumed run also takes the latest checkpoint over from the message
        hub, so that its next new best is recorded in a latest checkpoint
        before the previous best goes, as in the uninterrupted run.

        Args:
            runner (Runner): The runner of the training process.

        Raises:
            ValueError: If ``out_dir`` is not on the local file system.
        """
        out_dir = runner.work_dir if self.out_dir is None else self.out_dir
        backend = get_file_backend(out_dir, backend_args=self.backend_args)
        if not isinstance(backend, LocalBackend):
            raise ValueError(
                f'SafeCheckpointHook writes checkpoints to a local folder; '
                f'out_dir={out_dir!r} is on {type(backend).__name__}. '
                f"Use a local out_dir or type='CheckpointHook'.")
        super().before_train(runner)
        if self.last_ckpt is None:
            self.last_ckpt = runner.message_hub.get_info('last_ckpt')

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
        """Delete the replaced checkpoint files that exist."""
        for path in paths:
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
