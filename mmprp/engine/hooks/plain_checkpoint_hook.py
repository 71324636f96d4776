"""Checkpoints that ``torch.load(weights_only=True)`` reads without mmprp."""
from collections import Counter, OrderedDict
from typing import Any, Dict

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

#: Leaves that torch's weights-only unpickler reads, besides tensors.
PLAIN_LEAVES = (type(None), bool, int, float, complex, str, bytes, bytearray,
                torch.Size, torch.device, torch.dtype)
PLAIN_TENSORS = (torch.Tensor, torch.nn.Parameter)
PLAIN_MAPPINGS = (dict, OrderedDict, Counter)
PLAIN_SEQUENCES = (list, tuple, set)
#: numpy kinds that become tensors (arrays) or Python values (scalars):
#: bool, signed and unsigned integers, floats, complex; scalars also str
#: and bytes.
NUMERIC_KINDS = 'biufc'
SCALAR_KINDS = NUMERIC_KINDS + 'US'
#: A HistoryBuffer as plain data: its two numpy arrays as tensors of the
#: same dtype, and its ``max_length``.
HISTORY_KEYS = frozenset({'log_history', 'count_history', 'max_length'})
HISTORY_DTYPES = frozenset({
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8,
    torch.int8, torch.int16, torch.int32, torch.int64
})


def _refused(value: Any, where: str) -> TypeError:
    """The error for a checkpoint entry that cannot be made plain."""
    kind = type(value)
    return TypeError(
        f'checkpoint entry {where} is a {kind.__module__}.{kind.__qualname__}'
        f', which torch.load(weights_only=True) refuses (MMAction2 without '
        f'mmprp could not load the checkpoint). Store tensors, numbers, '
        f'strings, lists or dicts there.')


def _plain_numpy(value: Any, where: str) -> Any:
    """A numpy array as a tensor, a numpy scalar as a Python value."""
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC_KINDS:
        native = value.astype(value.dtype.newbyteorder('='), copy=True)
        try:
            return torch.from_numpy(native)
        except TypeError as error:  # a float128, say
            raise TypeError(f'checkpoint entry {where}: {error}') from None
    if isinstance(value, np.generic) and value.dtype.kind in SCALAR_KINDS:
        item = value.item()
        if type(item) in PLAIN_LEAVES:
            return item
    raise _refused(value, where)


def plain_data(value: Any, where: str) -> Any:
    """``value`` made of what torch's weights-only unpickler reads.

    numpy arrays become tensors (same dtype, shape and values), numpy
    scalars Python numbers (or ``str``/``bytes``); dicts, ordered dicts,
    Counters, lists, tuples and sets are rebuilt around their converted
    contents (keys included). Nothing is changed in place.

    Args:
        value (Any): A checkpoint or a part of one.
        where (str): Its place in the checkpoint, for errors (e.g.
            ``"message_hub['runtime_info']"``).

    Returns:
        Any: The plain value.

    Raises:
        TypeError: For anything else (an object of another class, a numpy
            array of objects or strings ...), naming where it is.
    """
    kind = type(value)
    if kind in PLAIN_LEAVES or kind in PLAIN_TENSORS:
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        return _plain_numpy(value, where)
    if kind in PLAIN_MAPPINGS:
        items = {
            plain_data(key, f'{where} (key {key!r})'):
            plain_data(item, f'{where}[{key!r}]')
            for key, item in value.items()
        }
        return items if kind is dict else kind(items)
    if kind in PLAIN_SEQUENCES:
        return kind(
            plain_data(item, f'{where}[{index}]')
            for index, item in enumerate(value))
    raise _refused(value, where)


def plain_history(buffer: HistoryBuffer, where: str) -> Dict[str, Any]:
    """A HistoryBuffer as ``log_history``, ``count_history`` (tensors of the
    arrays' dtype) and ``max_length`` (int).

    Args:
        buffer (HistoryBuffer): A logged scalar's history.
        where (str): Its place in the checkpoint, for errors.

    Returns:
        dict: The plain form that :func:`history_from_plain` rebuilds.
    """
    log_history, count_history = buffer.data
    return dict(
        log_history=plain_data(log_history, f'{where}.log_history'),
        count_history=plain_data(count_history, f'{where}.count_history'),
        max_length=int(buffer.max_length))


def _history_array(tensor: Any, where: str) -> np.ndarray:
    """A 1-D real-valued tensor of a plain HistoryBuffer as a numpy array."""
    if type(tensor) is not torch.Tensor:
        raise ValueError(f'{where} must be a 1-D tensor of real numbers, '
                         f'not a {type(tensor).__name__}')
    if tensor.dim() != 1 or tensor.dtype not in HISTORY_DTYPES:
        raise ValueError(
            f'{where} must be a 1-D tensor of real numbers, not a tensor '
            f'of {tensor.dtype} and shape {tuple(tensor.shape)}')
    return tensor.detach().cpu().numpy().copy()


def history_from_plain(state: Any, where: str) -> HistoryBuffer:
    """Rebuild a HistoryBuffer from :func:`plain_history`'s form.

    Args:
        state (Any): What the checkpoint holds: a dict of exactly
            ``log_history`` and ``count_history`` (1-D tensors of real
            numbers, the same length, at most ``max_length``) and
            ``max_length`` (a positive int).
        where (str): Its place in the checkpoint, for errors.

    Returns:
        HistoryBuffer: The buffer, its arrays of the tensors' dtype.

    Raises:
        ValueError: If ``state`` is anything else, naming what is wrong.
    """
    if not isinstance(state, dict) or set(state) != HISTORY_KEYS:
        keys = sorted(map(repr, state)) if isinstance(state, dict) else None
        raise ValueError(f'{where} must be a dict of exactly '
                         f'{sorted(HISTORY_KEYS)}, not {keys}')
    max_length = state['max_length']
    if type(max_length) is not int or max_length < 1:
        raise ValueError(f"{where}['max_length'] must be a positive int, "
                         f'not {max_length!r}')
    log_history, count_history = (
        _history_array(state[name], f'{where}[{name!r}]')
        for name in ('log_history', 'count_history'))
    if len(log_history) != len(count_history) or \
            len(log_history) > max_length:
        raise ValueError(
            f'{where} holds {len(log_history)} values and '
            f'{len(count_history)} counts with max_length {max_length}; '
            f'they must be as many, at most max_length')
    return HistoryBuffer(log_history, count_history, max_length)


def _plain_log_scalars(message_hub: Dict[str, Any]) -> OrderedDict:
    """The message hub's logged scalars, HistoryBuffers in plain form."""
    log_scalars = OrderedDict()
    for name, buffer in message_hub['log_scalars'].items():
        if isinstance(buffer, HistoryBuffer):
            buffer = plain_history(buffer,
                                   f"message_hub['log_scalars'][{name!r}]")
        log_scalars[name] = buffer
    return log_scalars


def plain_checkpoint(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """A checkpoint as plain data (see :class:`PlainCheckpointHook`).

    Args:
        checkpoint (dict): What ``Runner.save_checkpoint`` is about to save.

    Returns:
        dict: A new checkpoint: the message hub's HistoryBuffers in
        :func:`plain_history`'s form, everything through
        :func:`plain_data`.

    Raises:
        TypeError: If an entry cannot be made plain, naming it.
    """
    plain = {}
    for key, value in checkpoint.items():
        if key == 'message_hub' and isinstance(value, dict) and isinstance(
                value.get('log_scalars'), dict):
            value = dict(value, log_scalars=_plain_log_scalars(value))
        plain[key] = plain_data(value, key)
    return plain


@HOOKS.register_module()
class PlainCheckpointHook(Hook):
    """Save checkpoints that load without mmprp; rebuild them on resume.

    mmengine saves the message hub (every logged scalar's ``HistoryBuffer``
    of numpy arrays, and runtime information that may hold numpy scalars,
    e.g. a best score from ``AccMetric``) into every checkpoint. With
    torch >= 2.6 (``weights_only=True`` by default) MMAction2 without
    mmprp then refuses the file: ``Unsupported global:
    mmengine.logging.history_buffer.HistoryBuffer``.

    Right before a checkpoint is written (``before_save_checkpoint``), this
    hook replaces each HistoryBuffer by plain data (``log_history`` and
    ``count_history`` as tensors of the arrays' dtype, ``max_length``),
    every numpy array anywhere in the checkpoint by a tensor and every numpy
    scalar by a Python number, so that ``torch.load(path,
    weights_only=True)`` and MMAction2's ``load_from`` read it in any
    process. When a checkpoint is loaded (``after_load_checkpoint``, which
    ``--resume`` runs before it restores the message hub), each logged
    scalar in that plain form is rebuilt as a HistoryBuffer after checking
    that it holds numbers only; other entries (HistoryBuffers of older
    checkpoints) are left to mmengine. Resuming restores the logged
    scalars' histories and the runtime information (best scores, last and
    kept checkpoints ...) as from an unconverted checkpoint, numpy scalars
    as Python numbers.

    Its priority is the lowest: it converts what other hooks added to the
    checkpoint before it.
    """

    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Make ``checkpoint`` plain data, in place.

        Args:
            runner (Runner): The runner saving it.
            checkpoint (dict): The checkpoint about to be written.

        Raises:
            TypeError: If an entry cannot be made plain, naming it.
        """
        plain = plain_checkpoint(checkpoint)
        checkpoint.clear()
        checkpoint.update(plain)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rebuild the message hub's plain HistoryBuffers, in place.

        Args:
            runner (Runner): The runner loading it.
            checkpoint (dict): The loaded checkpoint.

        Raises:
            ValueError: If a logged scalar in the plain form holds anything
                but numbers, naming the checkpoint and the scalar.
        """
        message_hub = checkpoint.get('message_hub')
        if not isinstance(message_hub, dict) or not isinstance(
                message_hub.get('log_scalars'), dict):
            return
        log_scalars = message_hub['log_scalars']
        source = runner._load_from or (
            f'the latest checkpoint of {runner.work_dir}')
        for name, state in list(log_scalars.items()):
            if isinstance(state, dict):
                log_scalars[name] = history_from_plain(
                    state, f"{source}: message_hub['log_scalars'][{name!r}]")
