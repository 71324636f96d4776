"""WorkDirLock: one training run per work dir; stale locks taken over."""
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import List

import pytest

from mmprp.utils.work_dir_lock import LOCK_NAME, WorkDirLock
from helpers import hold_lock


def acquire(work_dir: Path) -> List[str]:
    """Take the lock of ``work_dir``, check that the file names this
    process, release it; the lines logged."""
    lines = []
    lock = WorkDirLock(str(work_dir))
    lock.acquire(lines.append)
    assert json.loads(Path(lock.path).read_text()) == lock.owner
    assert lock.owner['pid'] == os.getpid()
    lock.release()
    assert not Path(lock.path).exists()
    return lines


def write_lock(folder: Path, **owner) -> Path:
    """A lock file in ``folder`` as another run would have written it."""
    content = dict(
        host=socket.gethostname(),
        pid=os.getpid(),
        started='2026-01-01 00:00:00',
        work_dir=str(folder.resolve()),
        token='other')
    content.update(owner)
    path = folder / LOCK_NAME
    path.write_text(json.dumps(content))
    return path


def test_a_held_lock_refuses_a_second_run_until_released(tmp_path) -> None:
    first = hold_lock(tmp_path)
    owner = json.loads((tmp_path / LOCK_NAME).read_text())
    assert (owner['host'], owner['pid']) == (socket.gethostname(), first.pid)
    try:
        with pytest.raises(
                RuntimeError,
                match=f'in use by another training run \\(host '
                f'{socket.gethostname()}, PID {first.pid}, started '
                f'{owner["started"]}; lock file {tmp_path}/{LOCK_NAME}\\)'):
            acquire(tmp_path)
    finally:
        first.communicate('')  # ends normally: releases the lock
    assert not (tmp_path / LOCK_NAME).exists()
    assert acquire(tmp_path) == []


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path) -> None:
    first = hold_lock(tmp_path)
    first.kill()
    first.wait()
    [line] = acquire(tmp_path)
    assert line.startswith(f'Taking over the stale lock {tmp_path}/'
                           f'{LOCK_NAME} (host {socket.gethostname()}, '
                           f'PID {first.pid}, started ')
    assert line.endswith(f'process {first.pid} no longer runs.')


@pytest.mark.parametrize('owner,reason', [
    (dict(work_dir='/elsewhere/run'),
     'it was written for /elsewhere/run: this work dir is a copy'),
    (dict(), 'an earlier run in this process stopped without releasing it'),
])
def test_other_stale_locks_are_taken_over(tmp_path, owner, reason) -> None:
    write_lock(tmp_path, **owner)
    [line] = acquire(tmp_path)
    assert line.endswith(f': {reason}.')


@pytest.mark.parametrize('owner', [
    dict(host='another-host', pid=12345),
    dict(pid=os.getppid()),
])
def test_a_lock_that_may_be_held_is_never_taken_over(tmp_path, owner) -> None:
    lock = write_lock(tmp_path, **owner)
    before = lock.read_text()
    with pytest.raises(RuntimeError, match=f'PID {owner["pid"]}'):
        acquire(tmp_path)
    assert lock.read_text() == before


def test_an_unreadable_lock_is_refused(tmp_path) -> None:
    (tmp_path / LOCK_NAME).write_text('')
    with pytest.raises(
            RuntimeError, match=f'{tmp_path}/{LOCK_NAME} is not a lock'):
        acquire(tmp_path)


def test_release_leaves_another_run_s_lock(tmp_path) -> None:
    lock = WorkDirLock(str(tmp_path))
    lock.acquire(print)
    os.remove(lock.path)
    other = write_lock(tmp_path, pid=os.getppid())
    lock.release()
    assert other.is_file()


def test_a_lock_is_released_when_the_process_ends_with_an_error(
        tmp_path, python) -> None:
    script = (
        'import runpy, sys\n'
        "lock = runpy.run_path(sys.argv[1])['WorkDirLock'](sys.argv[2])\n"
        'lock.acquire(print)\n'
        "raise RuntimeError('training failed')\n")
    module = Path(__file__).parents[2] / 'mmprp' / 'utils' / 'work_dir_lock.py'
    result = subprocess.run(
        [python, '-c', script,
         str(module), str(tmp_path)],
        capture_output=True,
        text=True)
    assert 'training failed' in result.stderr
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_stale_lock_replaced_meanwhile_is_put_back(tmp_path) -> None:
    """Between reading a stale lock and deleting it, another run took it
    over: the new lock stays."""
    live = write_lock(tmp_path, pid=os.getppid())
    text = live.read_text()
    lock = WorkDirLock(str(tmp_path))
    assert not lock._remove_if_unchanged(json.dumps(dict(pid=1)))
    assert live.read_text() == text
    assert list(tmp_path.iterdir()) == [live]
