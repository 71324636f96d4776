"""Checkpoint loading through mmengine that reads data only.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays and
scalars, and HistoryBuffer's statistics methods pickled as
``getattr(HistoryBuffer, 'mean')``) into every checkpoint and loads
checkpoints with a plain ``torch.load``, so ``load_from``, ``--resume`` and
``tools/test.py CKPT`` fail with "Weights only load failed".

``import mmprp`` registers two kinds of mmengine checkpoint loaders:

* **Local files** (:func:`load_local_checkpoint`): torch's restricted
  weights-only unpickler, whose extra allow-list is, while the file is read,
  exactly :data:`~mmprp.utils.checkpoint_stand_ins.MMENGINE_GLOBALS`: the
  numpy and mmengine names of mmengine checkpoints, each mapped to a
  stand-in that checks its arguments and records plain data. No real class
  or function of numpy, mmengine or ``builtins`` is reachable from the file
  (real ones let a crafted file crash the process or rebind HistoryBuffer's
  statistics). numpy arrays, scalars and HistoryBuffers are then rebuilt
  from their checked parts.
* **mmengine's other schemes** (``http(s)://``, ``torchvision://``,
  ``open-mmlab://``, ``s3://`` ...): mmengine's own loader, run with
  ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` and no extra allow-list, so that every
  ``torch.load`` it makes, including ``torch.hub``'s explicit
  ``weights_only=False`` (which would run any code a downloaded file
  holds), reads plain tensors and containers only. A scheme that another
  package registers with its own loader is left as it is.

Nothing is unpickled with ``weights_only=False``. A loaded checkpoint must be
a dict whose state dict (its ``state_dict`` entry, or itself when it has
none but holds tensors) maps strings to tensors. Files that cannot be loaded
raise an error naming the file and the cause (empty, not a checkpoint,
refused or damaged content, unreadable).
"""
import functools
import os
import os.path as osp
import pickle
import re
import tarfile
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_stand_ins import (MMENGINE_GLOBALS, describe,
                                   rebuild_plain_data)

MapLocation = Optional[Union[str, Callable]]


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
    'mmengine checkpoints hold (HistoryBuffer logs, numeric numpy arrays and '
    'scalars, rebuilt by mmprp) only, '
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
def safe_globals_exactly(allowed: List) -> Iterator[None]:
    """Make ``allowed`` torch's whole extra allow-list inside the block.

    Whatever else the process registered with
    ``torch.serialization.add_safe_globals`` (mmengine or user code may
    register real classes) is set aside and restored afterwards.

    Args:
        allowed (list): Entries for ``add_safe_globals``: objects or
            ``(object, 'module.qualname')`` pairs.
    """
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    torch.serialization.add_safe_globals(allowed)
    try:
        yield
    finally:
        torch.serialization.clear_safe_globals()
        torch.serialization.add_safe_globals(saved)


def _damaged(filename: str, error: Exception) -> pickle.UnpicklingError:
    """The error for content that made unpickling fail unexpectedly."""
    cause = f'{type(error).__name__}: {error}' if str(error) else type(
        error).__name__
    memory = (' (or larger than the memory left)' if isinstance(
        error, MemoryError) else '')
    return pickle.UnpicklingError(
        f'checkpoint {filename} was refused: unpickling it raised '
        f'{cause:.300}. The file is damaged or crafted{memory}. Use a '
        f'checkpoint written by mmengine or mmprp.')


def check_state_dict(source: str, checkpoint: Any) -> None:
    """Refuse a checkpoint whose state dict does not map names to tensors.

    The state dict is the checkpoint's ``state_dict`` entry or, where it has
    none but holds tensors, the checkpoint itself (a bare state dict, as
    mmengine's ``load_checkpoint`` reads it). Other entries (``meta``, the
    optimizer's nested state, ...) are not state dicts.

    Args:
        source (str): The file or URL, for messages.
        checkpoint: What was loaded.

    Raises:
        pickle.UnpicklingError: If the checkpoint is not a dict, or its state
            dict is not a dict, has a key that is not a string or a value
            that is not a tensor.
    """
    refused = f'checkpoint {source} was refused:'
    if not isinstance(checkpoint, dict):
        raise pickle.UnpicklingError(
            f'{refused} it holds a {type(checkpoint).__name__}, not a dict '
            f'(a checkpoint or a state dict).')
    if 'state_dict' in checkpoint:
        state_dict = checkpoint['state_dict']
    elif any(isinstance(value, torch.Tensor) for value in checkpoint.values()):
        state_dict = checkpoint
    else:
        return
    if not isinstance(state_dict, dict):
        raise pickle.UnpicklingError(
            f'{refused} its state_dict is a {type(state_dict).__name__}, not '
            f'a dict of tensors.')
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise pickle.UnpicklingError(
                f'{refused} its state dict has the key {describe(key)} '
                f'({type(key).__name__}), not a parameter name (str).')
        if not isinstance(value, torch.Tensor):
            raise pickle.UnpicklingError(
                f'{refused} its state dict maps {describe(key)} to a '
                f'{type(value).__name__}, not a tensor.')


def load_local_checkpoint(filename: str,
                          map_location: MapLocation = None) -> Dict:
    """Load a local checkpoint as data only.

    Registered as mmengine's loader for local paths (prefix ``''``) when
    :mod:`mmprp` is imported; ``load_from``, ``--resume``, ``tools/test.py``,
    ``load_checkpoint`` and backbones' ``pretrained=`` all come here. The
    weights-only unpickler reads the file with the stand-ins of
    :data:`~mmprp.utils.checkpoint_stand_ins.MMENGINE_GLOBALS` as its only
    extra globals; numpy arrays and HistoryBuffers are then rebuilt from
    their checked parts (numpy scalars become Python numbers).

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | Callable, optional): Same as :func:`torch.load`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        ValueError: If the file is empty or not a PyTorch checkpoint.
        pickle.UnpicklingError: If the file holds anything beyond tensors,
            plain containers and what mmengine's checkpoints contain, if
            unpickling it fails otherwise (e.g. a TypeError or MemoryError
            on crafted content; chained), or if its state dict is not a
            dict of tensors (see :func:`check_state_dict`).
        RuntimeError: If torch cannot read it (e.g. a truncated zip).
        OSError: If the file cannot be read.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    _check_checkpoint_file(filename)
    try:
        with safe_globals_exactly(MMENGINE_GLOBALS):
            loaded = torch.load(
                filename, map_location=map_location, weights_only=True)
        checkpoint = rebuild_plain_data(loaded)
    except pickle.UnpicklingError as error:
        raise _refused(filename, error, LOCAL_REFUSAL) from None
    except RecursionError as error:
        raise _damaged(filename, error) from error
    except (RuntimeError, EOFError) as error:
        raise RuntimeError(
            f'cannot read checkpoint {filename}: {error}') from error
    except OSError:
        raise
    except Exception as error:
        raise _damaged(filename, error) from error
    check_state_dict(filename, checkpoint)
    return checkpoint


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
        Callable: The same loader run under :func:`weights_only_forced`
        with no extra allow-list, its result checked as a local file's
        (:func:`~mmprp.utils.checkpoint_stand_ins.rebuild_plain_data`,
        :func:`check_state_dict`), refusals naming the checkpoint; it keeps
        ``loader``'s name (mmengine logs it) and is marked
        ``weights_only_forced = True``.
    """

    @functools.wraps(loader)
    def load_remote(filename: str, map_location: MapLocation = None) -> Dict:
        with weights_only_forced(), safe_globals_exactly([]):
            try:
                checkpoint = rebuild_plain_data(loader(filename, map_location))
            except pickle.UnpicklingError as error:
                raise _refused(filename, error, REMOTE_REFUSAL) from None
        check_state_dict(filename, checkpoint)
        return checkpoint

    load_remote.weights_only_forced = True
    return load_remote


def register_checkpoint_loaders() -> None:
    """Register mmprp's loaders for local files and mmengine's other schemes.

    mmengine's own remote loaders are wrapped once (calling this again
    changes nothing); loaders of other packages are left unchanged.
    """
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if (prefix and loader.__module__ == CheckpointLoader.__module__
                and not getattr(loader, 'weights_only_forced', False)):
            CheckpointLoader.register_scheme(
                prefixes=prefix,
                loader=weights_only_remote_loader(loader),
                force=True)
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
