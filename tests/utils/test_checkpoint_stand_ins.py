"""The stand-ins that read mmengine checkpoints' numpy and HistoryBuffer data.

They are called here as the unpickler calls them (REDUCE, NEWOBJ, BUILD);
``test_checkpoint_fuzz.py`` drives them through real files.
"""
import pickle
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmprp.utils.checkpoint_stand_ins import (MAX_DEPTH, HistoryBufferState,
                                              NumpyArray, NumpyDtype,
                                              history_buffer_statistic,
                                              numpy_reconstruct, numpy_scalar,
                                              rebuild_plain_data)


def unpickled_dtype(dtype: np.dtype) -> NumpyDtype:
    """What the unpickler makes of numpy's pickle of ``dtype``."""
    _, args, state = dtype.__reduce__()
    standin = NumpyDtype(*args)
    standin.__setstate__(state)
    return standin


def unpickled_array(array: np.ndarray) -> NumpyArray:
    """What the unpickler makes of numpy's pickle of ``array``."""
    _, args, (version, shape, dtype, fortran, data) = array.__reduce__()
    standin = numpy_reconstruct(NumpyArray, *args[1:])
    standin.__setstate__(
        (version, shape, unpickled_dtype(dtype), fortran, data))
    return standin


def unpickled_buffer(buffer: HistoryBuffer, **changes) -> HistoryBufferState:
    """What the unpickler makes of mmengine's pickle of ``buffer``."""
    state = dict(
        max_length=buffer.max_length,
        _log_history=unpickled_array(buffer._log_history),
        _count_history=unpickled_array(buffer._count_history),
        statistics_methods={
            name: history_buffer_statistic(HistoryBufferState, name)
            for name in ('min', 'max', 'current', 'mean')
        })
    state.update(changes)
    standin = HistoryBufferState()
    standin.__setstate__(state)
    return standin


@pytest.mark.parametrize(
    'array', [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.asfortranarray(np.arange(6.).reshape(2, 3)),
        np.array([1, -2], dtype='>i4'),
        np.array([True, False]),
        np.zeros((0, 5), dtype=np.uint8),
        np.array(3.5),
    ],
    ids=['float32', 'fortran', 'big-endian', 'bool', 'empty', '0-d'])
def test_numeric_arrays_are_rebuilt_as_numpy_pickles_them(
        array: np.ndarray) -> None:
    rebuilt = rebuild_plain_data(unpickled_array(array))
    assert type(rebuilt) is np.ndarray and rebuilt.dtype == array.dtype
    assert rebuilt.shape == array.shape and np.array_equal(rebuilt, array)
    assert rebuilt.flags.writeable


@pytest.mark.parametrize('scalar, expected', [
    (np.float64(1.5), 1.5),
    (np.float16(0.5), 0.5),
    (np.int64(-3), -3),
    (np.uint8(200), 200),
    (np.bool_(True), True),
])
def test_scalars_become_python_numbers(scalar, expected) -> None:
    _, (dtype, data) = scalar.__reduce__()
    value = numpy_scalar(unpickled_dtype(dtype), data)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    'args, refused', [(('O8', False, True), "numpy.dtype('O8', False, True)"),
                      (('V8', False, True), "numpy.dtype('V8'"),
                      (('U3', False, True), "numpy.dtype('U3'"),
                      (('M8', False, True), "numpy.dtype('M8'"),
                      (('c16', False, True), "numpy.dtype('c16'"),
                      (('f8', 0, True), "numpy.dtype('f8', 0, True)"),
                      (('f8', ), "numpy.dtype('f8',)")])
def test_only_numeric_dtypes_are_created(args, refused) -> None:
    with pytest.raises(pickle.UnpicklingError) as error:
        NumpyDtype(*args)
    assert refused in str(error.value) and "'f8']" in str(error.value)


@pytest.mark.parametrize(
    'state', [
        (3, '<', None, None, None, -1, -1, 63),
        (3, '<', None, None, None, -1, -1, 1),
        (3, '<', None, None, None, -1, -1, False),
        (3, '|', None, None, None, -1, -1, 0),
        (3, '<', None, ('a', ), {
            'a': 1
        }, -1, -1, 0),
        (3, '<', None, None, None, 16, 8, 0),
        (4, '<', None, None, None, -1, -1, 0, None),
        [3, '<', None, None, None, -1, -1, 0],
    ],
    ids=[
        'object flags', 'refcount flag', 'flags False', 'no byte order',
        'fields', 'item size', 'version 4', 'list'
    ])
def test_dtype_state_is_only_a_byte_order(state) -> None:
    dtype = NumpyDtype('f8', False, True)
    with pytest.raises(
            pickle.UnpicklingError,
            match=r"state of numpy.dtype\('f8'\) to .*; a numeric dtype's "
            r'state is \(3, byte order'):
        dtype.__setstate__(state)
    dtype.__setstate__((3, '>', None, None, None, -1, -1, 0))
    assert dtype.rebuild() == np.dtype('>f8')
    with pytest.raises(pickle.UnpicklingError, match='twice'):
        dtype.__setstate__((3, '<', None, None, None, -1, -1, 0))


def test_array_bytes_must_fit_the_shape() -> None:
    f8 = unpickled_dtype(np.dtype('f8'))
    for shape, data, refused in [
        ((2**40, ), b'\0' * 8, 'shape (1099511627776,)'),
        ((2**62, 2**62), b'\0' * 8, 'shape (4611686018427387904, '),
        ((0, 2**62, 2**62), b'', 'shape (0, 4611686018427387904, '),
        ((2, ), b'\0' * 15, '(16 bytes) but gives 15 bytes'),
    ]:
        with pytest.raises(pickle.UnpicklingError, match=re.escape(refused)):
            NumpyArray().__setstate__((1, shape, f8, False, data))
    for state in [(1, (-1, ), f8, False, b''), (1, (True, ), f8, False, b''),
                  (1, (1, ) * 33, f8, False, b'\0' * 8),
                  (1, (1, ), f8, False, [1.0]),
                  (2, (1, ), f8, False, b'\0' * 8),
                  (1, (1, ), f8, 1, b'\0' * 8)]:
        with pytest.raises(
                pickle.UnpicklingError,
                match=r"numeric array's state is \(1, shape"):
            NumpyArray().__setstate__(state)
    with pytest.raises(pickle.UnpicklingError, match='other than 0 and 1'):
        NumpyArray().__setstate__(
            (1, (1, ), unpickled_dtype(np.dtype(bool)), False, b'\x02'))


def test_history_buffers_are_rebuilt_with_mmengine_statistics() -> None:
    buffer = HistoryBuffer([0.5, 2.5], [1, 3], max_length=10)
    rebuilt = rebuild_plain_data(unpickled_buffer(buffer))
    assert type(rebuilt) is HistoryBuffer and rebuilt.max_length == 10
    assert set(
        vars(rebuilt)) == {'max_length', '_log_history', '_count_history'}
    for log, expected in zip(rebuilt.data, buffer.data):
        assert log.dtype == expected.dtype and np.array_equal(log, expected)
    assert rebuilt.statistics('mean') == buffer.statistics('mean')


@pytest.mark.parametrize(
    'changes, refused',
    [(dict(_statistics_methods={}), "keys '_count_history', "),
     (dict(
         statistics_methods=dict(
             mean=history_buffer_statistic(HistoryBufferState, 'max'))),
      "rebinds HistoryBuffer statistics methods 'mean'"),
     (dict(statistics_methods=dict(mean=print)),
      "rebinds HistoryBuffer statistics methods 'mean'"),
     (dict(max_length=True), 'max_length True'),
     (dict(max_length=1), 'lengths [2, 2], not two equal lengths up to '
      'its max_length 1'),
     (dict(_log_history=[0.5, 1.5]), 'not two 1-D numeric numpy arrays')])
def test_history_buffer_state_beyond_mmengine_is_refused(changes,
                                                         refused) -> None:
    with pytest.raises(pickle.UnpicklingError) as error:
        unpickled_buffer(HistoryBuffer([0.5, 1.5], [1, 1]), **changes)
    assert refused in str(error.value)


@pytest.mark.parametrize(
    'args, refused',
    [((HistoryBuffer, 'mean'), "getattr(HistoryBuffer, 'mean')"),
     ((HistoryBufferState, '__init__'), "getattr(HistoryBuffer, '__init__')"),
     ((HistoryBufferState, 'mean', None), "'mean', None"),
     ((HistoryBufferState, ['mean']), 'list object')])
def test_getattr_names_only_statistics_methods(args, refused) -> None:
    with pytest.raises(pickle.UnpicklingError) as error:
        history_buffer_statistic(*args)
    assert refused in str(error.value)
    assert "['current', 'max', 'mean', 'min']" in str(error.value)


def test_rebuilding_keeps_sharing_and_cycles_and_visits_each_object_once(
) -> None:
    array = unpickled_array(np.ones(2))
    shared = (array, 1)
    for _ in range(80):  # 2**80 paths
        shared = (shared, shared)
    cyclic = [array]
    cyclic.append(cyclic)
    result = rebuild_plain_data(dict(a=shared[0], b=shared[1], c=cyclic))
    assert result['a'] is result['b']
    assert result['c'][1] is result['c']
    leaf = result['a']
    while type(leaf[0]) is tuple:
        leaf = leaf[0]
    assert leaf[0] is result['c'][0] and type(leaf[0]) is np.ndarray


@pytest.mark.parametrize(
    'loaded, refused', [
        ([HistoryBufferState], 'it holds HistoryBuffer where data belongs'),
        ({
            'x': torch.Tensor
        }, 'it holds Tensor where data belongs'),
        ([history_buffer_statistic(HistoryBufferState, 'mean')
          ], 'it holds HistoryBuffer.mean outside a HistoryBuffer'),
        ([HistoryBufferState()], 'a mmengine.logging.history_buffer.'
         'HistoryBuffer without its state'),
        ({
            unpickled_dtype(np.dtype('f8')): 1
        }, 'it uses <dtype object> as a dict key'),
        ({unpickled_dtype(np.dtype('f8'))}, 'it puts <dtype object> in a set'),
    ],
    ids=[
        'class', 'torch class', 'statistics method', 'stateless', 'key', 'set'
    ])
def test_rebuilding_refuses_what_is_not_data(loaded, refused) -> None:
    with pytest.raises(pickle.UnpicklingError) as error:
        rebuild_plain_data(loaded)
    assert refused in str(error.value)


def test_rebuilding_refuses_deep_nesting_and_dict_attributes() -> None:
    nested = []
    for _ in range(MAX_DEPTH):
        nested = [nested]
    rebuild_plain_data(nested)
    with pytest.raises(pickle.UnpicklingError, match='more than 100 levels'):
        rebuild_plain_data([nested])
    state_dict = OrderedDict(w=torch.ones(1))
    state_dict._metadata = OrderedDict({'': dict(version=1)})
    assert rebuild_plain_data(state_dict)._metadata == state_dict._metadata
    state_dict.items = HistoryBufferState
    with pytest.raises(
            pickle.UnpicklingError,
            match="it sets the attributes 'items' on a dict of type "
            'OrderedDict'):
        rebuild_plain_data(state_dict)
