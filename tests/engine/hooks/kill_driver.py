"""Test-only driver: ``tools/train.py`` runs killed with SIGKILL at chosen
moments, all forked from this one process (imports paid once).

Usage::

    python kill_driver.py PLAN.json RESULTS.json

``PLAN.json``: ``{"config": CONFIG, "runs": [RUN, ...]}``, each ``RUN`` a
dict with ``work_dir``, ``resume`` (add ``--resume``), ``kill_at`` (``[EVENT,
N]``: the run kills itself with SIGKILL at the N-th time, from 1, that it
meets EVENT; or null), optionally ``copy_from`` (a folder copied to
``work_dir`` first) and ``events`` (a file where the run writes the list of
its events). The runs go one after the other, each in a child process
forked from this one; ``RESULTS.json`` gets, per run, ``killed`` (it died of
SIGKILL), ``exit_code`` and, with ``copy_from``, ``copied`` (the SHA-256 of
each file copied, by path relative to the folder).

Events, in the order a run meets them (only files in its work dir count):

- ``hook:<point>``: the runner is about to call the hooks of ``<point>``
  (``before_train_iter``, ``after_val_iter``, ...): a kill there stops the
  run before them;
- ``write:<name>``: a file is written (a checkpoint); a kill there leaves
  its first half;
- ``rename:<name>``: a file was renamed to ``<name>`` (``os.replace``); a
  kill there comes right after;
- ``delete:<name>``: a file was deleted; a kill comes right after.

Every run uses one thread, and the config text that mmengine stores in each
checkpoint is not formatted by yapf (0.4 s a checkpoint; the text is not
compared), and what the driver imported is exempt from the garbage
collector's scans in the runs (``gc.freeze()`` before each fork: every
full collection, mmengine's at each dataset build among them, scanned it).
"""
import gc
import hashlib
import importlib
import json
import os
import runpy
import shutil
import signal
import sys
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional

import mmengine.config.config
import torch
from mmengine.fileio import LocalBackend
from mmengine.runner import Runner

REPO = Path(__file__).resolve().parents[3]


class KillSwitch:
    """Records a run's events; kills the process with SIGKILL at one.

    Args:
        work_dir (str): Only files in it count.
        kill_at (list, optional): ``[event, n]``: die at the n-th time (from
            1) that the run meets the event.
    """

    def __init__(self, work_dir: str, kill_at: Optional[list]) -> None:
        self.work_dir = os.path.realpath(work_dir)
        self.kill_at = tuple(kill_at) if kill_at else None
        self.events: List[str] = []

    def counts(self, path) -> bool:
        """Whether a file event on ``path`` is one of the run's."""
        folder = os.path.dirname(os.path.realpath(str(path)))
        return folder == self.work_dir

    def event(self, name: str, before_kill: Callable = None) -> None:
        """Record an event; at ``kill_at``, do ``before_kill``, then die."""
        self.events.append(name)
        if (name, self.events.count(name)) == self.kill_at:
            if before_kill is not None:
                before_kill()
            os.kill(os.getpid(), signal.SIGKILL)

    def install(self) -> None:
        """Patch the runner's hook calls and the file operations."""
        call_hook, put = Runner.call_hook, LocalBackend.put
        replace, remove = os.replace, os.remove
        switch = self

        def counted_call_hook(runner, fn_name: str, **kwargs) -> None:
            switch.event(f'hook:{fn_name}')
            call_hook(runner, fn_name, **kwargs)

        def counted_put(backend, obj: bytes, filepath) -> None:
            if switch.counts(filepath):
                switch.event(
                    f'write:{Path(filepath).name}',
                    lambda: put(backend, obj[:len(obj) // 2], filepath))
            put(backend, obj, filepath)

        def counted_replace(src, dst, **kwargs) -> None:
            replace(src, dst, **kwargs)
            if switch.counts(dst):
                switch.event(f'rename:{Path(dst).name}')

        def counted_remove(path, **kwargs) -> None:
            remove(path, **kwargs)
            if switch.counts(path):
                switch.event(f'delete:{Path(path).name}')

        Runner.call_hook = counted_call_hook
        LocalBackend.put = counted_put
        os.replace, os.remove = counted_replace, counted_remove


def train(config: str, run: dict) -> None:
    """Run ``tools/train.py`` as a user would, in this process."""
    sys.argv = ['train.py', config, '--work-dir', run['work_dir']]
    if run['resume']:
        sys.argv.append('--resume')
    runpy.run_path(str(REPO / 'tools' / 'train.py'), run_name='__main__')


def child(config: str, run: dict, modules: Path) -> None:
    """The forked process of one run; never returns."""
    code = 1
    switch = KillSwitch(run['work_dir'], run['kill_at'])
    imported = set(sys.modules)
    try:
        switch.install()
        train(config, run)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        if run.get('events'):
            Path(run['events']).write_text(json.dumps(switch.events))
        modules.write_text('\n'.join(sorted(set(sys.modules) - imported)))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def fingerprints(folder: Path) -> Dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)):
        hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob('*')) if path.is_file()
    }


def start(config: str, run: dict, modules: Path) -> dict:
    """Fork the run, wait for its end; import what it imported."""
    result = {}
    if run.get('copy_from'):
        result['copied'] = fingerprints(Path(run['copy_from']))
        shutil.copytree(run['copy_from'], run['work_dir'], symlinks=True)
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        child(config, run, modules)
    _, status = os.waitpid(pid, 0)
    if modules.is_file():
        for name in modules.read_text().split():
            importlib.import_module(name)
        modules.unlink()
    result.update(
        killed=os.WIFSIGNALED(status)
        and os.WTERMSIG(status) == signal.SIGKILL,
        exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None)
    return result


def main() -> None:
    plan_file, results_file = map(Path, sys.argv[1:3])
    plan = json.loads(plan_file.read_text())
    torch.set_num_threads(1)
    # not formatting the config text of every checkpoint (see above)
    mmengine.config.config.FormatCode = lambda text, **kwargs: (text, None)
    import mmprp  # noqa: F401  (imported once, before the forks)
    modules = results_file.with_suffix('.modules')
    results = [start(plan['config'], run, modules) for run in plan['runs']]
    results_file.write_text(json.dumps(results))


if __name__ == '__main__':
    main()
