"""Stand-ins for the numpy and mmengine names in mmengine checkpoints.

mmengine pickles its message hub into every checkpoint: ``HistoryBuffer``
objects whose logs are numpy arrays, numpy scalars, and HistoryBuffer's
statistics methods as ``getattr(HistoryBuffer, 'mean')``. Letting a pickle
reach the real classes and functions lets a crafted file drive them: BUILD
turns a numpy dtype into an object dtype and ``scalar`` then dereferences
bytes of the file as a pointer; BUILD state reaches HistoryBuffer's
class-wide statistics methods. So the checkpoint loader's unpickler maps
each of these names to a stand-in defined here (:data:`MMENGINE_GLOBALS`).
A stand-in checks its arguments and records plain values only: numeric
dtypes (bool, int, uint, float), arrays whose bytes fit their shape,
HistoryBuffer state made of two 1-D numeric logs and a length. Scalars
become Python numbers at once; :func:`rebuild_plain_data` then replaces the
other stand-ins in the loaded checkpoint by numpy arrays and HistoryBuffers
built here. Statistics methods are never taken from the file. Anything else
raises :class:`pickle.UnpicklingError` with a reason starting with "it".
"""
import math
import pickle
from collections import Counter, OrderedDict
from typing import Any, Dict, Iterable, List, Tuple, Union

import numpy as np
from mmengine.logging.history_buffer import HistoryBuffer

#: The statistics methods mmengine registers on HistoryBuffer and pickles
#: (``HistoryBuffer._set_default_statistics``).
HISTORY_BUFFER_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})

#: numpy dtype codes a checkpoint may use: bool, ints, uints, floats.
NUMERIC_DTYPES = ('b1', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f2',
                  'f4', 'f8')

#: Deepest nesting of containers accepted in a checkpoint.
MAX_DEPTH = 100

#: Most dimensions of a numpy array in a checkpoint (numpy 1 allows 32).
MAX_NDIM = 32
#: Where numpy 1 and numpy 2 pickles find ``_reconstruct`` and ``scalar``.
NUMPY_MULTIARRAY_MODULES = ('numpy.core.multiarray', 'numpy._core.multiarray')
_HISTORY_BUFFER_KEYS = frozenset(
    {'max_length', '_log_history', '_count_history'})
_NUMERIC_HINT = ('checkpoints may hold numeric numpy dtypes only, pickled as '
                 f'numpy.dtype(code, False, True) with code one of '
                 f'{list(NUMERIC_DTYPES)}')


def describe(value: Any, depth: int = 0) -> str:
    """A short description of an unpickled value for an error message.

    Never calls ``repr`` of a container or of an unknown object (which a
    crafted file could make huge or deeply nested).

    Args:
        value: Anything a pickle produced.
        depth (int): Nesting level of tuples already described.

    Returns:
        str: E.g. ``'mean'``, ``3``, ``<8 bytes>``, ``('O8', False, True)``,
        ``HistoryBuffer``, ``<HistoryBuffer object>``, ``<list object>``.
    """
    if value is None or type(value) in (bool, int, float):
        return f'{value!r:.40}'
    if type(value) is str:
        return f'{value!r:.60}'
    if type(value) is bytes:
        return f'<{len(value)} bytes>'
    if type(value) is tuple and depth < 2:
        items = [describe(item, depth + 1) for item in value[:8]]
        items += ['...'] if len(value) > 8 else []
        return f"({', '.join(items)}{',' if len(value) == 1 else ''})"
    if isinstance(value, StatisticsMethod):
        return f'HistoryBuffer.{value.name}'
    if isinstance(value, type):
        return getattr(value, 'pickled_name',
                       value.__qualname__).rsplit('.', 1)[-1]
    kind = type(value)
    name = getattr(kind, 'pickled_name', kind.__name__).rsplit('.', 1)[-1]
    return f'<{name} object>'


def _listed(values: Iterable) -> str:
    """Described values, sorted and comma-separated (at most 8)."""
    described = sorted(describe(value) for value in values)
    return ', '.join(described[:8] + (['...'] if len(described) > 8 else []))


def _same(value: Any, expected: Any) -> bool:
    """Whether ``value == expected`` with the same types (True is not 1)."""
    if type(value) is not type(expected):
        return False
    if type(expected) is tuple:
        return len(value) == len(expected) and all(map(_same, value, expected))
    return value == expected


class StandIn:
    """Base of what the stand-ins build: inert, given state at most once.

    Stand-in classes are registered under numpy's and mmengine's names, so
    a pickle may create them (REDUCE, NEWOBJ) and BUILD them, which calls
    their ``__setstate__`` only.
    """

    __slots__ = ()
    #: The global name the class stands for.
    pickled_name = ''

    def __new__(cls, *args: Any) -> 'StandIn':
        if args:
            raise pickle.UnpicklingError(
                f'it calls {cls.pickled_name}{describe(args)}; mmengine '
                f'checkpoints create it without arguments')
        return object.__new__(cls)

    def _refuse_second_state(self, has_state: bool) -> None:
        if has_state:
            raise pickle.UnpicklingError(
                f'it sets the state of one {self.pickled_name} twice')

    def rebuild(self) -> Any:
        """The real value this stand-in records.

        Raises:
            pickle.UnpicklingError: If it never got its state.
        """
        raise NotImplementedError

    def _missing_state(self) -> pickle.UnpicklingError:
        return pickle.UnpicklingError(
            f'it holds a {self.pickled_name} without its state')


class NumpyDtype(StandIn):
    """Stands for ``numpy.dtype``: a numeric dtype's code and byte order."""

    __slots__ = ('code', 'byte_order')
    pickled_name = 'numpy.dtype'

    def __new__(cls, *args: Any) -> 'NumpyDtype':
        if not (len(args) == 3 and type(args[0]) is str
                and args[0] in NUMERIC_DTYPES and type(args[1]) is bool
                and type(args[2]) is bool):
            raise pickle.UnpicklingError(
                f'it calls numpy.dtype{describe(args)}; {_NUMERIC_HINT}')
        dtype = object.__new__(cls)
        dtype.code, dtype.byte_order = args[0], None
        return dtype

    def __setstate__(self, state: Any) -> None:
        self._refuse_second_state(self.byte_order is not None)
        orders = ('<', '>', '=') + (('|', ) if self.code[1:] == '1' else ())
        if not (type(state) is tuple and len(state) == 8 and _same(
                state[0], 3) and type(state[1]) is str and state[1] in orders
                and _same(state[2:], (None, None, None, -1, -1, 0))):
            raise pickle.UnpicklingError(
                f'it sets the state of numpy.dtype({self.code!r}) to '
                f'{describe(state)}; a numeric dtype\'s state is (3, byte '
                f'order, None, None, None, -1, -1, 0)')
        self.byte_order = state[1]

    def rebuild(self) -> np.dtype:
        """numpy's dtype of this code and byte order."""
        if self.byte_order is None:
            raise self._missing_state()
        return np.dtype(self.code).newbyteorder(self.byte_order)


def _numeric_values(data: bytes, dtype: np.dtype) -> np.ndarray:
    """``data`` as a flat read-only array; booleans must be 0 or 1."""
    if dtype.kind == 'b' and data.translate(None, b'\x00\x01'):
        raise pickle.UnpicklingError(
            'it gives a numpy bool array bytes other than 0 and 1')
    return np.frombuffer(data, dtype)


class NumpyArray(StandIn):
    """Stands for ``numpy.ndarray``: shape, dtype and bytes of an array."""

    __slots__ = ('shape', 'dtype', 'fortran', 'data')
    pickled_name = 'numpy.ndarray'

    def __new__(cls, *args: Any) -> 'NumpyArray':
        array = super().__new__(cls, *args)
        array.shape = array.dtype = array.fortran = array.data = None
        return array

    def __setstate__(self, state: Any) -> None:
        self._refuse_second_state(self.shape is not None)
        if not (type(state) is tuple and len(state) == 5
                and _same(state[0], 1) and _is_shape(state[1])
                and type(state[2]) is NumpyDtype and type(state[3]) is bool
                and type(state[4]) is bytes):
            raise pickle.UnpicklingError(
                f'it sets the state of a numpy array to {describe(state)}; '
                f'a numeric array\'s state is (1, shape, numpy.dtype, '
                f'is_fortran, bytes)')
        _, shape, dtype, fortran, data = state
        dtype = dtype.rebuild()
        size = math.prod(shape) * dtype.itemsize
        span = math.prod(dim or 1 for dim in shape) * dtype.itemsize
        if size != len(data) or span >= 2**63:
            declared = f'{size} bytes' if span < 2**63 else 'over 2**63 bytes'
            raise pickle.UnpicklingError(
                f'it declares a numpy array of shape {describe(shape)} and '
                f'dtype {dtype} ({declared}) but gives {len(data)} bytes')
        _numeric_values(data, dtype)
        self.shape, self.dtype, self.fortran, self.data = (shape, dtype,
                                                           fortran, data)

    def rebuild(self) -> np.ndarray:
        """A new writable numpy array of this shape, dtype and bytes."""
        if self.shape is None:
            raise self._missing_state()
        values = np.frombuffer(self.data, self.dtype)
        return values.reshape(
            self.shape, order='F' if self.fortran else 'C').copy(order='K')


def _is_shape(shape: Any) -> bool:
    """Whether ``shape`` is a tuple of at most 32 non-negative ints."""
    return (type(shape) is tuple and len(shape) <= MAX_NDIM
            and all(type(dim) is int and dim >= 0 for dim in shape))


def numpy_reconstruct(*args: Any) -> NumpyArray:
    """Stands for numpy's ``_reconstruct``, which pickles start arrays with.

    Args:
        *args: ``(numpy.ndarray, (0,), b'b')``, as numpy pickles them.

    Returns:
        NumpyArray: An array stand-in awaiting its state (BUILD).

    Raises:
        pickle.UnpicklingError: For any other arguments.
    """
    if (len(args) == 3 and args[0] is NumpyArray
            and _same(args[1:], ((0, ), b'b'))):
        return NumpyArray()
    raise pickle.UnpicklingError(
        f'it calls numpy _reconstruct{describe(args)}; numpy pickles arrays '
        f'as _reconstruct(numpy.ndarray, (0,), b\'b\')')


def numpy_scalar(*args: Any) -> Union[bool, int, float]:
    """Stands for numpy's ``scalar``: a numpy scalar as a Python number.

    Args:
        *args: ``(numpy.dtype, bytes)`` with a numeric dtype that has its
            state and exactly its item size in bytes.

    Returns:
        bool | int | float: The value.

    Raises:
        pickle.UnpicklingError: For any other arguments.
    """
    if not (len(args) == 2 and type(args[0]) is NumpyDtype
            and type(args[1]) is bytes):
        raise pickle.UnpicklingError(
            f'it calls numpy scalar{describe(args)}; numpy pickles scalars '
            f'as scalar(numpy.dtype, bytes) and {_NUMERIC_HINT}')
    dtype = args[0].rebuild()
    if len(args[1]) != dtype.itemsize:
        raise pickle.UnpicklingError(
            f'it gives a numpy {dtype} scalar {len(args[1])} bytes instead '
            f'of {dtype.itemsize}')
    return _numeric_values(args[1], dtype)[0].item()


def empty_bytes(*args: Any) -> bytes:
    """Stands for ``builtins.bytes``, which pickles call for ``b''`` only.

    Pickle protocol 2 writes empty bytes (e.g. the data of an empty numpy
    array) as ``bytes()``.

    Args:
        *args: Nothing.

    Returns:
        bytes: ``b''``.

    Raises:
        pickle.UnpicklingError: For any argument.
    """
    if args:
        raise pickle.UnpicklingError(
            f'it calls bytes{describe(args)}; pickles call bytes() only for '
            f'empty bytes')
    return b''


class StatisticsMethod:
    """What ``getattr(HistoryBuffer, name)`` gives: a name, dropped later.

    Not registered under any name: a pickle can neither create, BUILD nor
    call it.

    Args:
        name (str): One of :data:`HISTORY_BUFFER_STATISTICS`.
    """

    __slots__ = ('name', )

    def __init__(self, name: str) -> None:
        self.name = name

    def rebuild(self) -> None:
        """Refuse the marker where a HistoryBuffer's state does not hold it.

        Raises:
            pickle.UnpicklingError: Always.
        """
        raise pickle.UnpicklingError(
            f'it holds HistoryBuffer.{self.name} outside a HistoryBuffer')


def history_buffer_statistic(*args: Any) -> StatisticsMethod:
    """Stands for ``builtins.getattr`` while a checkpoint is unpickled.

    mmengine pickles HistoryBuffer's statistics methods as
    ``getattr(HistoryBuffer, name)``; this accepts exactly those.

    Args:
        *args: ``(HistoryBuffer, name)`` with ``name`` one of
            :data:`HISTORY_BUFFER_STATISTICS`.

    Returns:
        StatisticsMethod: A marker naming the method (no function).

    Raises:
        pickle.UnpicklingError: For any other object, name or arity.
    """
    if (len(args) == 2 and args[0] is HistoryBufferState
            and type(args[1]) is str and args[1] in HISTORY_BUFFER_STATISTICS):
        return StatisticsMethod(args[1])
    call = ', '.join(describe(arg) for arg in args)
    raise pickle.UnpicklingError(
        f'it calls getattr({call}); a checkpoint may only use getattr to '
        f'name HistoryBuffer\'s statistics methods '
        f'{sorted(HISTORY_BUFFER_STATISTICS)}, as mmengine pickles them')


def _check_statistics(methods: Any) -> None:
    """Refuse pickled statistics methods other than mmengine's defaults."""
    if type(methods) is not dict:
        raise pickle.UnpicklingError(
            f'it gives a HistoryBuffer statistics_methods '
            f'{describe(methods)}, not a dict')
    rebound = [
        name for name, method in dict.items(methods)
        if not (type(name) is str and type(method) is StatisticsMethod
                and method.name == name)
    ]
    if rebound:
        raise pickle.UnpicklingError(
            f'it rebinds HistoryBuffer statistics methods {_listed(rebound)}: '
            f'only {sorted(HISTORY_BUFFER_STATISTICS)}, each under its own '
            f'name, may be named')


class HistoryBufferState(StandIn):
    """Stands for mmengine's ``HistoryBuffer``: its two logs and length."""

    __slots__ = ('log_history', 'count_history', 'max_length')
    pickled_name = 'mmengine.logging.history_buffer.HistoryBuffer'

    def __new__(cls, *args: Any) -> 'HistoryBufferState':
        buffer = super().__new__(cls, *args)
        buffer.log_history = buffer.count_history = buffer.max_length = None
        return buffer

    def __setstate__(self, state: Any) -> None:
        self._refuse_second_state(self.max_length is not None)
        if type(state) is not dict:
            raise pickle.UnpicklingError(
                f'it sets a HistoryBuffer\'s state to {describe(state)}, not '
                f'a dict')
        _check_statistics(state.get('statistics_methods', {}))
        if not (_HISTORY_BUFFER_KEYS <= set(state) <=
                _HISTORY_BUFFER_KEYS | {'statistics_methods'}):
            raise pickle.UnpicklingError(
                f'it sets a HistoryBuffer\'s state with the keys '
                f'{_listed(state)}; mmengine\'s has '
                f'{_listed(_HISTORY_BUFFER_KEYS)} and optionally '
                f'\'statistics_methods\'')
        max_length = state['max_length']
        logs = state['_log_history'], state['_count_history']
        if not (type(max_length) is int and max_length >= 1):
            raise pickle.UnpicklingError(
                f'it gives a HistoryBuffer the max_length '
                f'{describe(max_length)}, not a positive int')
        if not all(
                type(log) is NumpyArray and log.shape is not None
                and len(log.shape) == 1 for log in logs):
            raise pickle.UnpicklingError(
                f'it gives a HistoryBuffer the logs {describe(logs)}, not '
                f'two 1-D numeric numpy arrays')
        lengths = {log.shape[0] for log in logs}
        if len(lengths) != 1 or lengths.pop() > max_length:
            raise pickle.UnpicklingError(
                f'it gives a HistoryBuffer logs of lengths '
                f'{[log.shape[0] for log in logs]}, not two equal lengths up '
                f'to its max_length {max_length}')
        self.log_history, self.count_history = logs
        self.max_length = max_length

    def rebuild(self) -> HistoryBuffer:
        """A new HistoryBuffer of these logs (mmengine's own statistics)."""
        if self.max_length is None:
            raise self._missing_state()
        return HistoryBuffer(self.log_history.rebuild(),
                             self.count_history.rebuild(), self.max_length)


#: What the checkpoint loader's weights-only unpickler accepts on top of
#: torch's own allow-list: the names mmengine checkpoints use, each mapped
#: to a stand-in of this module.
MMENGINE_GLOBALS: List[Tuple[Any, str]] = [
    (HistoryBufferState, HistoryBufferState.pickled_name),
    (history_buffer_statistic, 'builtins.getattr'),
    (NumpyArray, NumpyArray.pickled_name),
    (NumpyDtype, NumpyDtype.pickled_name),
    (empty_bytes, 'builtins.bytes'),
    *[(numpy_reconstruct, f'{module}._reconstruct')
      for module in NUMPY_MULTIARRAY_MODULES],
    *[(numpy_scalar, f'{module}.scalar')
      for module in NUMPY_MULTIARRAY_MODULES],
]


class _Rebuilder:
    """Replaces stand-ins in an unpickled checkpoint, depth-first.

    Lists and dicts are changed in place; tuples are rebuilt where an item
    changed. Every object is visited once (shared objects stay shared, a
    cycle ends where it closes).
    """

    def __init__(self) -> None:
        self.done: Dict[int, Tuple[Any, Any]] = {}

    def __call__(self, value: Any, depth: int) -> Any:
        if id(value) in self.done:
            return self.done[id(value)][1]
        if depth > MAX_DEPTH:
            raise pickle.UnpicklingError(
                f'it nests containers more than {MAX_DEPTH} levels deep')
        kind = type(value)
        if kind in (dict, OrderedDict, Counter):
            result = self._mapping(value, depth)
        elif kind is list:
            result = self._list(value, depth)
        elif kind is tuple:
            items = tuple(self(item, depth + 1) for item in value)
            same = all(new is old for new, old in zip(items, value))
            result = value if same else items
        elif kind in (set, frozenset):
            result = self._set(value, depth)
        elif isinstance(value, (StandIn, StatisticsMethod)):
            result = value.rebuild()
        elif callable(value):
            raise pickle.UnpicklingError(
                f'it holds {describe(value)} where data belongs')
        else:
            result = value
        self.done[id(value)] = (value, result)
        return result

    def _mapping(self, mapping: Dict, depth: int) -> Dict:
        self.done[id(mapping)] = (mapping, mapping)
        self._attributes(mapping, depth)
        for key, item in list(dict.items(mapping)):
            if self(key, depth + 1) is not key:
                raise pickle.UnpicklingError(
                    f'it uses {describe(key)} as a dict key')
            plain = self(item, depth + 1)
            if plain is not item:
                mapping[key] = plain
        return mapping

    def _attributes(self, mapping: Dict, depth: int) -> None:
        """Only an OrderedDict's ``_metadata`` (torch state dicts) passes."""
        attributes = {} if type(mapping) is dict else vars(mapping)
        allowed = {'_metadata'} if type(mapping) is OrderedDict else set()
        others = [name for name in attributes if name not in allowed]
        if others:
            raise pickle.UnpicklingError(
                f'it sets the attributes {_listed(others)} on a dict of '
                f'type {type(mapping).__name__}')
        if '_metadata' in attributes:
            attributes['_metadata'] = self(attributes['_metadata'], depth + 1)

    def _list(self, items: list, depth: int) -> list:
        self.done[id(items)] = (items, items)
        for index, item in enumerate(items):
            plain = self(item, depth + 1)
            if plain is not item:
                items[index] = plain
        return items

    def _set(self, items: Union[set, frozenset], depth: int) -> Any:
        for item in items:
            if self(item, depth + 1) is not item:
                raise pickle.UnpicklingError(
                    f'it puts {describe(item)} in a set')
        return items


def rebuild_plain_data(loaded: Any) -> Any:
    """Replace the stand-ins in an unpickled checkpoint by real values.

    numpy arrays and dtypes are rebuilt from their checked parts,
    HistoryBuffers as ``HistoryBuffer(log_history, count_history,
    max_length)``.

    Args:
        loaded: What the weights-only unpickler returned.

    Returns:
        The same structure with numpy arrays, numpy dtypes and
        HistoryBuffers in place of stand-ins.

    Raises:
        pickle.UnpicklingError: If it nests containers more than
            :data:`MAX_DEPTH` levels deep, holds a class or function, a
            stand-in without state or a statistics method outside a
            HistoryBuffer, uses a stand-in as a dict key or set item, or
            sets attributes on a dict (other than an OrderedDict's
            ``_metadata``).
    """
    return _Rebuilder()(loaded, 0)
