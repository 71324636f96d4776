"""Checkpoint loading through mmengine that never runs code from the file.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays, and
HistoryBuffer's statistics methods pickled as ``getattr(HistoryBuffer,
'mean')``) into every checkpoint and loads checkpoints with a plain
``torch.load``, so ``load_from``, ``--resume`` and ``tools/test.py CKPT`` fail
with "Weights only load failed".

``import mmprp`` registers two kinds of mmengine checkpoint loaders:

* **Local files** (:func:`load_local_checkpoint`): torch's restricted
  weights-only unpickler, its allow-list extended, only while the file is
  read, by what mmengine's own checkpoints contain (:data:`MMENGINE_GLOBALS`).
  ``getattr`` is *not* allowed: a stand-in registered under its name,
  :func:`history_buffer_statistic`, returns HistoryBuffer's four statistics
  methods and refuses every other lookup (a real ``getattr`` lets a pickle
  reach ``__self__``/``__globals__`` and from there any function).
* **Every other scheme** mmengine knows (``http(s)://``, ``torchvision://``,
  ``open-mmlab://``, ``s3://`` ...): mmengine's own loader, run with
  ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` so that every ``torch.load`` it makes,
  including ``torch.hub``'s explicit ``weights_only=False``, reads plain
  tensors and containers only.

Nothing is unpickled with ``weights_only=False``. Files that cannot be loaded
raise an error naming the file and the cause (empty, not a checkpoint,
refused content, unreadable).
"""
import functools
import os
import os.path as osp
import pickle
import re
import tarfile
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

#: The statistics methods mmengine registers on HistoryBuffer and pickles
#: (``HistoryBuffer._set_default_statistics``).
HISTORY_BUFFER_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})

MapLocation = Optional[Union[str, Callable]]


def _describe(value: Any) -> str:
    """A short description of an unpickled value for an error message."""
    if isinstance(value, str):
        return f'{value!r:.60}'
    if isinstance(value, type):
        return value.__qualname__
    return f'<{type(value).__name__} object>'


def history_buffer_statistic(*args: Any) -> Callable:
    """Stand-in for ``builtins.getattr`` while a checkpoint is unpickled.

    mmengine pickles HistoryBuffer's statistics methods as
    ``getattr(HistoryBuffer, name)``; this returns exactly those.

    Args:
        *args: The arguments the pickle calls ``getattr`` with:
            ``(HistoryBuffer, name)``.

    Returns:
        Callable: ``HistoryBuffer.<name>`` (a plain function, which the
        weights-only unpickler still refuses to call).

    Raises:
        pickle.UnpicklingError: For any other object, name or arity.
    """
    if (len(args) == 2 and args[0] is HistoryBuffer
            and isinstance(args[1], str)
            and args[1] in HISTORY_BUFFER_STATISTICS):
        return getattr(HistoryBuffer, args[1])
    call = ', '.join(_describe(arg) for arg in args)
    raise pickle.UnpicklingError(
        f'it calls getattr({call}); a checkpoint may only use getattr to '
        f'name HistoryBuffer\'s statistics methods '
        f'{sorted(HISTORY_BUFFER_STATISTICS)}, as mmengine pickles them')


def _numpy_globals() -> List[Callable]:
    """Numpy types that pickled arrays and scalars refer to."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(code)) for code in np.typecodes['All']]
    return [np.ndarray, np.dtype, _reconstruct, scalar, *dtype_classes]


#: What torch's weights-only unpickler allows on top of its defaults while a
#: local checkpoint is read: what mmengine 0.10.7 checkpoints contain.
MMENGINE_GLOBALS: List[Union[Callable, Tuple[Callable, str]]] = [
    HistoryBuffer,
    (history_buffer_statistic, 'builtins.getattr'),
    *_numpy_globals(),
]


def _refusal_reason(message: str) -> str:
    """What the weights-only unpickler refused, without torch's advice.

    Args:
        message (str): The message of torch's ``UnpicklingError``.

    Returns:
        str: One sentence naming what the file needed.
    """
    needed = re.search(
        r'GLOBAL (\S+) (?:was not an allowed global|whose module)', message)
    if needed:
        return f'it needs {needed[1]}'
    paragraphs = [
        part.strip() for part in message.split('\n\n') if part.strip()
        and not part.strip().startswith('Check the documentation')
    ]
    last = paragraphs[-1] if paragraphs else message
    return last.splitlines()[0].removeprefix(
        'Weights only load failed.').strip()


LOCAL_REFUSAL = (
    'From a local file mmprp unpickles tensors, plain containers and what '
    'mmengine checkpoints hold (HistoryBuffer logs, numpy arrays) only, '
    'because other objects in a pickle can run code. Use a checkpoint '
    'written by mmengine or mmprp, or one that holds only tensors.')
REMOTE_REFUSAL = (
    'From a URL or remote storage mmprp unpickles plain tensors and '
    'containers only, because other objects in a pickle can run code. An '
    'mmengine checkpoint (with its message hub) loads from a local file: '
    'download it and pass its path.')


def _refused(source: str, error: pickle.UnpicklingError,
             policy: str) -> pickle.UnpicklingError:
    """The error for a checkpoint whose content was refused."""
    return pickle.UnpicklingError(
        f'checkpoint {source} was refused: {_refusal_reason(str(error))}. '
        f'{policy}')


def _check_checkpoint_file(filename: str) -> None:
    """Refuse files that cannot be a ``torch.save`` output, naming why.

    Args:
        filename (str): Path of an existing file.

    Raises:
        ValueError: If the file is empty or starts like no format that
            ``torch.save`` writes (zip, pickle protocol >= 2, legacy tar).
    """
    if osp.getsize(filename) == 0:
        raise ValueError(
            f'checkpoint {filename} is empty (0 bytes): it was cut short '
            f'while being saved or copied. Use another checkpoint (e.g. an '
            f'earlier epoch) or copy it again.')
    with open(filename, 'rb') as file:
        head = file.read(64)
    if head.startswith(
        (b'PK\x03\x04', b'\x80')) or tarfile.is_tarfile(filename):
        return
    start = head.split(b'\n')[0][:40]
    raise ValueError(
        f'{filename} is not a PyTorch checkpoint: it starts with {start!r}, '
        f'not with the zip or pickle header that torch.save writes (a '
        f'config, log or other text file?). Pass the .pth file saved by '
        f'training.')


@contextmanager
def _statistics_methods_kept() -> Iterator[None]:
    """Refuse a load that rebinds HistoryBuffer's statistics methods.

    ``HistoryBuffer.__setstate__`` merges the pickled ``statistics_methods``
    into a dict shared by the whole class, so a crafted file could rebind
    e.g. ``mean`` for every later log of the process. Only the defaults may
    be added; anything else is undone and refused.

    Raises:
        pickle.UnpicklingError: If the load added or changed other entries.
    """
    methods = HistoryBuffer._statistics_methods
    before = dict(methods)
    defaults = {
        name: getattr(HistoryBuffer, name)
        for name in HISTORY_BUFFER_STATISTICS
    }
    try:
        yield
    finally:
        rebound = sorted(name for name, method in methods.items()
                         if method is not before.get(name, defaults.get(name)))
        if rebound:
            methods.clear()
            methods.update(before)
    if rebound:
        raise pickle.UnpicklingError(
            f'it rebinds HistoryBuffer statistics methods {rebound}')


def load_local_checkpoint(filename: str,
                          map_location: MapLocation = None) -> Dict:
    """Load a local checkpoint with the weights-only unpickler.

    Registered as mmengine's loader for local paths (prefix ``''``) when
    :mod:`mmprp` is imported; ``load_from``, ``--resume``, ``tools/test.py``,
    ``load_checkpoint`` and backbones' ``pretrained=`` all come here.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | Callable, optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        ValueError: If the file is empty or not a PyTorch checkpoint.
        pickle.UnpicklingError: If the file holds anything beyond tensors,
            plain containers and what mmengine's checkpoints contain.
        RuntimeError: If torch cannot read it (e.g. a truncated zip).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    _check_checkpoint_file(filename)
    new_globals = [
        entry for entry in MMENGINE_GLOBALS
        if entry not in torch.serialization.get_safe_globals()
    ]
    try:
        with torch.serialization.safe_globals(new_globals), \
                _statistics_methods_kept():
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise _refused(filename, error, LOCAL_REFUSAL) from None
    except (RuntimeError, EOFError) as error:
        raise RuntimeError(
            f'cannot read checkpoint {filename}: {error}') from error


FORCE_WEIGHTS_ONLY = 'TORCH_FORCE_WEIGHTS_ONLY_LOAD'
FORCE_NO_WEIGHTS_ONLY = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


@contextmanager
def weights_only_forced() -> Iterator[None]:
    """Make every ``torch.load`` in the block weights-only.

    Sets torch's documented ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` (which wins
    over an explicit ``weights_only=False``, e.g. ``torch.hub``'s) and unsets
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``; both are restored afterwards.
    """
    saved = {
        name: os.environ.pop(name, None)
        for name in (FORCE_WEIGHTS_ONLY, FORCE_NO_WEIGHTS_ONLY)
    }
    os.environ[FORCE_WEIGHTS_ONLY] = '1'
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def weights_only_remote_loader(loader: Callable) -> Callable:
    """Wrap one of mmengine's non-local loaders to load plain tensors only.

    Args:
        loader (Callable): An mmengine loader ``(filename, map_location)``.

    Returns:
        Callable: The same loader run under :func:`weights_only_forced`,
        with refusals naming the checkpoint; it keeps ``loader``'s name
        (mmengine logs it) and is marked ``weights_only_forced = True``.
    """

    @functools.wraps(loader)
    def load_remote(filename: str, map_location: MapLocation = None) -> Dict:
        with weights_only_forced():
            try:
                return loader(filename, map_location)
            except pickle.UnpicklingError as error:
                raise _refused(filename, error, REMOTE_REFUSAL) from None

    load_remote.weights_only_forced = True
    return load_remote


def register_checkpoint_loaders() -> None:
    """Register mmprp's loaders for local files and every other scheme.

    Remote loaders registered with mmengine before this call are wrapped
    once (calling this again changes nothing).
    """
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if prefix and not getattr(loader, 'weights_only_forced', False):
            CheckpointLoader.register_scheme(
                prefixes=prefix,
                loader=weights_only_remote_loader(loader),
                force=True)
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
