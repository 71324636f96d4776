"""One training run at a time in a work dir: a lock file with its owner."""
import atexit
import json
import os
import os.path as osp
import socket
import time
import uuid
from typing import Callable, Optional

LOCK_NAME = 'training.lock'


def process_runs(pid: int) -> bool:
    """Whether a process with this id runs on this host.

    Args:
        pid (int): The process id.

    Returns:
        bool: False only if no such process exists.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def describe_owner(owner: dict) -> str:
    """``host H, PID P, started T`` of a lock's content."""
    return (f"host {owner.get('host')}, PID {owner.get('pid')}, started "
            f"{owner.get('started')}")


class WorkDirLock:
    """A lock file in a work dir, held by one training run at a time.

    ``acquire`` creates ``<work_dir>/training.lock`` atomically (``O_EXCL``)
    with the owner's host, PID, start time and work dir (JSON). A second run
    finds the file and is refused, naming the owner. A lock whose owner is
    gone is taken over, with a log line: one of a process on this host that
    no longer runs (a killed run), one left by this very process (an earlier
    run in it that stopped with an error), or one written for another folder
    (this work dir is a copy of a folder that held a lock). A lock of
    another host cannot be checked, so it is never taken over. ``release``
    deletes the file if this lock still owns it; a held lock is also
    released when the interpreter exits (an uncaught exception included);
    after a kill, the next run takes it over.

    Args:
        work_dir (str): The run's work dir (it exists).
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = osp.realpath(work_dir)
        self.path = osp.join(self.work_dir, LOCK_NAME)
        self.owner = dict(
            host=socket.gethostname(),
            pid=os.getpid(),
            started=time.strftime('%Y-%m-%d %H:%M:%S'),
            work_dir=self.work_dir,
            token=uuid.uuid4().hex)
        self.held = False

    def acquire(self, log: Callable[[str], None]) -> None:
        """Create the lock file, taking over a stale one.

        Args:
            log (Callable[[str], None]): Where to say that a stale lock is
                taken over.

        Raises:
            RuntimeError: If another run holds the lock, or the lock file
                cannot be read.
        """
        while not self._create():
            text = self._read()
            if text is None:  # released in the meantime
                continue
            stale = self._stale_reason(self._parse(text))
            if stale is None:
                raise RuntimeError(
                    f'{self.work_dir} is in use by another training run '
                    f'({describe_owner(self._parse(text))}; lock file '
                    f'{self.path}): two runs in one work dir would mix their '
                    f'checkpoints. Wait for that run to end or use another '
                    f'--work-dir; delete {self.path} only if that run is '
                    f'over.')
            if self._remove_if_unchanged(text):
                log(f'Taking over the stale lock {self.path} '
                    f'({describe_owner(self._parse(text))}): {stale}.')
        self.held = True
        atexit.register(self.release)

    def release(self) -> None:
        """Delete the lock file if this lock holds it."""
        if not self.held:
            return
        self.held = False
        atexit.unregister(self.release)
        text = self._read()
        if text is not None and self._parse(text) == self.owner:
            os.remove(self.path)

    def _create(self) -> bool:
        """Create the lock file with the owner; False if it exists."""
        try:
            descriptor = os.open(self.path,
                                 os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, 'w') as file:
            json.dump(self.owner, file)
            file.flush()
            os.fsync(file.fileno())
        return True

    def _read(self) -> Optional[str]:
        """The lock file's text; None if there is none."""
        try:
            with open(self.path) as file:
                return file.read()
        except FileNotFoundError:
            return None

    def _parse(self, text: str) -> dict:
        """The owner a lock file names.

        Raises:
            RuntimeError: If the text is not a lock of this class.
        """
        try:
            owner = json.loads(text)
        except ValueError:
            owner = None
        if not isinstance(owner, dict) or not isinstance(
                owner.get('pid'), int):
            raise RuntimeError(
                f'{self.path} is not a lock this code wrote ({text[:200]!r}): '
                f'is another training run starting in {self.work_dir}? '
                f'Delete the file if not.')
        return owner

    def _stale_reason(self, owner: dict) -> Optional[str]:
        """Why the lock of ``owner`` is stale; None if it may be held."""
        if owner.get('work_dir') != self.work_dir:
            return (f"it was written for {owner.get('work_dir')}: this "
                    f'work dir is a copy')
        if owner.get('host') != self.owner['host']:
            return None
        if owner['pid'] == self.owner['pid']:
            return ('an earlier run in this process stopped without '
                    'releasing it')
        if not process_runs(owner['pid']):
            return f"process {owner['pid']} no longer runs"
        return None

    def _remove_if_unchanged(self, text: str) -> bool:
        """Delete the lock file if it still holds ``text``.

        The file is first renamed aside (atomic), so that of two runs taking
        over one stale lock at once, only one deletes it; a lock created
        meanwhile by another run is put back.

        Returns:
            bool: Whether this call deleted the stale lock.

        Raises:
            RuntimeError: If a lock put back collides with a third run's.
        """
        aside = f'{self.path}.{self.owner["token"]}'
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False
        with open(aside) as file:
            taken = file.read()
        if taken == text:
            os.remove(aside)
            return True
        try:
            os.link(aside, self.path)
        except FileExistsError:
            raise RuntimeError(
                f'Several training runs are starting in {self.work_dir} at '
                f'once; stop all but one.') from None
        finally:
            os.remove(aside)
        return False
