"""Fuzzing the checkpoint loader with a generated corpus of crafted pickles.

Every name the loader accepts beyond torch's own allow-list (and the names it
accepted before) is combined with the unpickler's tricks (REDUCE, NEWOBJ,
BUILD, SETITEMS, APPENDS, attribute lookups through ``getattr``, torch's
``_rebuild_from_type_v2``, as a value, key or set item); numpy dtypes,
arrays and scalars and HistoryBuffer states are varied one field at a time
from valid ones (object, void, structured, string and datetime dtypes,
flags, huge shapes, wrong byte counts, per-instance statistics methods);
containers are nested past the limit, shared exponentially and made
cyclic; payloads try to run code that would create a marker file. Each
pickle is written as a zip checkpoint and as a raw pickle, and loaded in a
child process through ``CheckpointLoader.load_checkpoint``,
``mmengine.runner.load_checkpoint`` and ``tools/export_backbone.py``. No
load may crash the child, run code or change process state; crafted files
are refused with an error naming them; the valid controls load as plain
data.
"""
import json
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from crafted_pickles import (Appends, Build, Call, Global, New, Raw, SetItems,
                             assemble, write_raw, write_zip)
from mmengine.logging import HistoryBuffer
from torch import nn

from mmprp.utils import MMENGINE_GLOBALS

CHILD = Path(__file__).with_name('checkpoint_fuzz_child.py')
LOADS = ('CheckpointLoader.load_checkpoint', 'mmengine.runner.load_checkpoint',
         'tools/export_backbone.py')
NAMED_ERRORS = {'UnpicklingError', 'RuntimeError', 'ValueError', 'SystemExit'}
STATISTICS = ('min', 'max', 'current', 'mean')

HISTORY_BUFFER = Global('mmengine.logging.history_buffer', 'HistoryBuffer')
GETATTR = Global('builtins', 'getattr')
NDARRAY = Global('numpy', 'ndarray')
DTYPE = Global('numpy', 'dtype')
RECONSTRUCT = Global('numpy._core.multiarray', '_reconstruct')
SCALAR = Global('numpy._core.multiarray', 'scalar')
REBUILD_FROM_TYPE = Global('torch._tensor', '_rebuild_from_type_v2')
ORDERED_DICT = Global('collections', 'OrderedDict')

#: Every name the loader accepts beyond torch's defaults, under each
#: spelling pickles use, and names it accepted before (numpy's dtype
#: classes).
ACCEPTED_NAMES = {
    'HistoryBuffer': HISTORY_BUFFER,
    'getattr': GETATTR,
    '__builtin__.getattr': Global('__builtin__', 'getattr'),
    'ndarray': NDARRAY,
    'dtype': DTYPE,
    '_core._reconstruct': RECONSTRUCT,
    'core._reconstruct': Global('numpy.core.multiarray', '_reconstruct'),
    '_core.scalar': SCALAR,
    'core.scalar': Global('numpy.core.multiarray', 'scalar'),
    'bytes': Global('builtins', 'bytes'),
    '__builtin__.bytes': Global('__builtin__', 'bytes'),
    'Float64DType': Global('numpy.dtypes', 'Float64DType'),
    'ObjectDType': Global('numpy.dtypes', 'ObjectDType'),
}

#: Tricks that give valid data (``bytes()`` is ``b''``): among the controls.
VALID_TRICKS = {('bytes', 'call()'), ('__builtin__.bytes', 'call()')}


def checkpoint(meta: Any) -> dict:
    """An mmengine-shaped checkpoint carrying ``meta``."""
    return {'state_dict': {}, 'meta': meta}


def dtype(code: str = 'f8', order: str = '<', flags: int = 0) -> Build:
    """numpy's pickle of a dtype, optionally with other flags."""
    return Build(
        Call(DTYPE, code, False, True),
        (3, order, None, None, None, -1, -1, flags))


def array(values: Any, **state: Any) -> Build:
    """numpy's pickle of an array; ``state`` replaces fields by name."""
    values = np.asarray(values)
    fields = dict(
        version=1,
        shape=values.shape,
        dtype=dtype(values.dtype.str[1:], values.dtype.str[0]),
        fortran=False,
        data=values.tobytes())
    fields.update(state)
    return Build(
        Call(RECONSTRUCT, NDARRAY, (0, ), b'b'), tuple(fields.values()))


def statistics() -> dict:
    """HistoryBuffer's statistics methods as mmengine pickles them."""
    return {name: Call(GETATTR, HISTORY_BUFFER, name) for name in STATISTICS}


def history_buffer(**state: Any) -> Build:
    """mmengine's pickle of a HistoryBuffer; ``state`` replaces entries."""
    fields = dict(
        max_length=1000000,
        _log_history=array([0.5, 1.5]),
        _count_history=array([1, 1]),
        statistics_methods=statistics())
    fields.update(state)
    return Build(New(HISTORY_BUFFER), fields)


def name_tricks(name: Global) -> Dict[str, Any]:
    """What a pickle can do with one global name."""
    tricks = {
        'call()':
        Call(name),
        'call(junk)':
        Call(name, 1, 'x', None, [1], {'a': 1}),
        'call(dict)':
        Call(name, {'__class__': 1}),
        'newobj(args)':
        New(name, 'f8', 1),
        'newobj+build(dict)':
        Build(New(name), {
            '__class__': 1,
            'x': 2
        }),
        'newobj+build(slots)':
        Build(New(name), (None, {
            '__dict__': {}
        })),
        'build(global)':
        Build(name, {'x': 1}),
        'setitems(global)':
        SetItems(name, [('a', 1)]),
        'setitems(call())':
        SetItems(Call(name), [('a', 1)]),
        'appends(newobj)':
        Appends(New(name), [1, 2]),
        'rebuild_from_type':
        Call(REBUILD_FROM_TYPE, name, name, (), {}),
        'rebuild_from_type(Tensor)':
        Call(REBUILD_FROM_TYPE, name, Global('torch', 'Tensor'),
             ('f8', False, True), {}),
        'as value':
        name,
        'as key': {
            name: 1
        },
        'in set':
        Call(Global('builtins', 'set'), ([name], )),
        'OrderedDict(global)':
        Call(ORDERED_DICT, name),
    }
    for attribute in ('__dict__', '__class__', '__globals__', '__init__',
                      '__setstate__', '__subclasses__', 'mean'):
        tricks[f'getattr .{attribute}'] = Call(GETATTR, name, attribute)
    return tricks


def numpy_cases() -> Dict[str, Any]:
    """numpy dtypes, arrays and scalars, each one change from valid."""
    cases = {
        # the known SIGSEGV: an object dtype whose flags BUILD resets, then
        # scalar() reads 8 bytes of the file as an object pointer
        'object dtype flags reset + scalar':
        Call(SCALAR, dtype('O8', '|'), b'A' * 8),
        'f8 with object flags + scalar':
        Call(SCALAR, dtype('f8', '<', 63), b'A' * 8),
        'f8 with refcount flag + scalar':
        Call(SCALAR, dtype('f8', '<', 1), b'A' * 8),
        'structured dtype':
        Build(
            Call(DTYPE, 'V4', False, True), (3, '|', None, ('a', ), {
                'a': (dtype('f4'), 0)
            }, 4, 1, 16)),
        'subarray dtype':
        Build(
            Call(DTYPE, 'V8', False, True),
            (3, '|', (dtype('f4'), (2, )), None, None, 8, 4, 0)),
        'datetime dtype':
        Build(
            Call(DTYPE, 'M8', False, True),
            (4, '<', None, None, None, -1, -1, 0, (None, (b's', 1, 1, 1)))),
        'f8 with elsize':
        Build(
            Call(DTYPE, 'f8', False, True),
            (3, '<', None, None, None, 16, 8, 0)),
        'f8 with fields':
        Build(
            Call(DTYPE, 'f8', False, True), (3, '<', None, ('a', ), {
                'a': 1
            }, -1, -1, 0)),
        'f8 byte order |':
        dtype('f8', '|'),
        'byte order x':
        dtype('f8', 'x'),
        'dtype state version 4':
        Build(
            Call(DTYPE, 'f8', False, True),
            (4, '<', None, None, None, -1, -1, 0)),
        'dtype state too short':
        Build(Call(DTYPE, 'f8', False, True), (3, '<')),
        'dtype state dict':
        Build(Call(DTYPE, 'f8', False, True), {'flags': 63}),
        'dtype state flags True':
        Build(
            Call(DTYPE, 'f8', False, True),
            (3, '<', None, None, None, -1, -1, True)),
        'dtype built twice':
        Build(dtype('f8'), (3, '<', None, None, None, -1, -1, 0)),
        'dtype align int':
        Call(DTYPE, 'f8', 1, True),
        'dtype code bytes':
        Call(DTYPE, b'f8', False, True),
        'scalar of unbuilt dtype':
        Call(SCALAR, Call(DTYPE, 'f8', False, True), b'A' * 8),
        'scalar 7 bytes':
        Call(SCALAR, dtype('f8'), b'A' * 7),
        'scalar 9 bytes':
        Call(SCALAR, dtype('f8'), b'A' * 9),
        'scalar str data':
        Call(SCALAR, dtype('f8'), 'AAAAAAAA'),
        'scalar list data (object pickle)':
        Call(SCALAR, dtype('f8'), [1]),
        'scalar bool byte 2':
        Call(SCALAR, dtype('b1', '|'), b'\x02'),
        'scalar 3 args':
        Call(SCALAR, dtype('f8'), b'A' * 8, 1),
        'scalar of real-looking tuple':
        Call(SCALAR, ('f8', False, True), b'A' * 8),
        'array huge shape':
        array([1.0], shape=(2**40, )),
        'array huge 2-D shape':
        array([1.0], shape=(2**62, 2**62)),
        'array zero-size huge dims':
        array([], shape=(0, 2**62, 2**62)),
        'array negative dim':
        array([1.0], shape=(-1, )),
        'array bool dim':
        array([1.0], shape=(True, )),
        'array 33 dims':
        array([1.0], shape=(1, ) * 33),
        'array shape list':
        array([1.0], shape=[1]),
        'array LONG1 dim':
        array([1.0], shape=(2**2000, )),
        'array 32 LONG1 dims':
        array([1.0], shape=(2**2000, ) * 32),
        'array data list (object pickle)':
        array([1.0], data=[1.0]),
        'array data str':
        array([1.0], data='\x00' * 8),
        'array data short':
        array([1.0, 2.0], data=b'\x00' * 15),
        'array data long':
        array([1.0, 2.0], data=b'\x00' * 17),
        'array version 2':
        array([1.0], version=2),
        'array fortran int':
        array([1.0], fortran=1),
        'array of object dtype':
        array([1.0], dtype=dtype('O8', '|')),
        'array of unbuilt dtype':
        array([1.0], dtype=Call(DTYPE, 'f8', False, True)),
        'array dtype tuple':
        array([1.0], dtype=('f8', False, True)),
        'array bool byte 2':
        array([True], data=b'\x02'),
        'array state too short':
        Build(
            Call(RECONSTRUCT, NDARRAY, (0, ), b'b'),
            (1, (1, ), dtype('f8'), b'\x00' * 8)),
        'array built twice':
        Build(array([1.0]), (1, (1, ), dtype('f8'), False, b'A' * 8)),
        'reconstruct (1,)':
        Call(RECONSTRUCT, NDARRAY, (1, ), b'b'),
        'reconstruct HistoryBuffer':
        Call(RECONSTRUCT, HISTORY_BUFFER, (0, ), b'b'),
        'reconstruct matrix':
        Call(RECONSTRUCT, Global('numpy', 'matrix'), (0, ), b'b'),
        'unbuilt array as value':
        Call(RECONSTRUCT, NDARRAY, (0, ), b'b'),
        'torch from numpy stand-in':
        Call(
            Global('torch._utils', '_rebuild_device_tensor_from_numpy'),
            array([1.0]), Global('torch', 'float32'), 'cpu', False),
    }
    for code in ('O8', 'V8', 'U3', 'S3', 'M8', 'm8', 'c16', 'f16', 'O', 'f8 '):
        cases[f'dtype {code!r}'] = Call(DTYPE, code, False, True)
    return {name: checkpoint(case) for name, case in cases.items()}


def history_buffer_cases() -> Dict[str, Any]:
    """HistoryBuffer states, each one change from mmengine's."""
    rebound = dict(statistics(), mean=Call(GETATTR, HISTORY_BUFFER, 'max'))
    cases = {
        'per-instance _statistics_methods':
        history_buffer(_statistics_methods=statistics()),
        'statistics_methods rebind mean':
        history_buffer(statistics_methods=rebound),
        'statistics_methods new name':
        history_buffer(
            statistics_methods=dict(
                statistics(), evil=Call(GETATTR, HISTORY_BUFFER, 'mean'))),
        'statistics_methods __init__':
        history_buffer(statistics_methods={
            'mean': Call(GETATTR, HISTORY_BUFFER, '__init__')
        }),
        'statistics_methods list':
        history_buffer(statistics_methods=[1]),
        'extra key __class__':
        history_buffer(__class__=1),
        'lengths differ':
        history_buffer(_count_history=array([1])),
        '2-D logs':
        history_buffer(
            _log_history=array([[0.5, 1.5]]), _count_history=array([[1, 1]])),
        'logs as lists':
        history_buffer(_log_history=[0.5, 1.5], _count_history=[1, 1]),
        'logs of unbuilt arrays':
        history_buffer(_log_history=Call(RECONSTRUCT, NDARRAY, (0, ), b'b')),
        'max_length True':
        history_buffer(max_length=True),
        'max_length 0':
        history_buffer(max_length=0),
        'max_length str':
        history_buffer(max_length='1'),
        'longer than max_length':
        history_buffer(max_length=1),
        'built twice':
        Build(history_buffer(), {'max_length': 1}),
        'state with slots':
        Build(New(HISTORY_BUFFER), (None, {
            'max_length': 1
        })),
        'created with arguments':
        Call(HISTORY_BUFFER, [0.5], [1]),
        'never built':
        New(HISTORY_BUFFER),
        'statistics method as value':
        Call(GETATTR, HISTORY_BUFFER, 'mean'),
        'rebuild_from_type with crafted state':
        Call(REBUILD_FROM_TYPE, HISTORY_BUFFER, HISTORY_BUFFER, (),
             {'_statistics_methods': statistics()}),
        'rebuild_from_type getattr':
        Call(REBUILD_FROM_TYPE, GETATTR, HISTORY_BUFFER,
             (HISTORY_BUFFER, 'mean'), {}),
        'real statistics method on instance':
        Call(GETATTR, history_buffer(), 'mean'),
    }
    return {name: checkpoint(case) for name, case in cases.items()}


def nested(depth: int, open_op: bytes, close_op: bytes) -> Raw:
    """``depth`` containers, each in the previous one."""
    return Raw(open_op * depth + close_op * (depth - 1))


def container_cases() -> Dict[str, Any]:
    """Deep nesting, attributes on dicts, state dicts that are not."""
    metadata = Build(Call(ORDERED_DICT), {'_metadata': New(HISTORY_BUFFER)})
    cases = {
        'nested lists 100000':
        checkpoint(nested(100000, b']', b'a')),
        'nested tuples 100000':
        checkpoint(Raw(b'N' + b'\x85' * 100000)),
        'nested dicts 100000':
        checkpoint(Raw(b'}' + b'X\x01\x00\x00\x00k}' * 99999 + b's' * 99999)),
        'nested lists 101':
        checkpoint(nested(101, b']', b'a')),
        'deep list as function':
        checkpoint(Call(Raw(b']' * 5000 + b'a' * 4999), 1)),
        'OrderedDict attribute items':
        checkpoint(Build(Call(ORDERED_DICT), {'items': HISTORY_BUFFER})),
        'OrderedDict slot attribute':
        checkpoint(Build(Call(ORDERED_DICT), (None, {
            'keys': GETATTR
        }))),
        'OrderedDict _metadata stand-in':
        checkpoint(metadata),
        'Counter attribute':
        checkpoint(Build(Call(Global('collections', 'Counter')), {'x': 1})),
        'state_dict int key': {
            'state_dict': {
                3: 'x'
            }
        },
        'state_dict list value': {
            'state_dict': {
                'weight': [1.0]
            }
        },
        'state_dict array value': {
            'state_dict': {
                'weight': array([1.0])
            }
        },
        'state_dict HistoryBuffer value': {
            'state_dict': {
                'weight': history_buffer()
            }
        },
        'state_dict is a list': {
            'state_dict': [1]
        },
        'top level is a list': [1, 2],
        'top level is a HistoryBuffer':
        history_buffer(),
        'bytearray 2**62':
        checkpoint(Call(Global('builtins', 'bytearray'), 2**62)),
        'BINUNICODE claims 4 GiB':
        checkpoint(Raw(b'X\xff\xff\xff\xffabc')),
        'BINGET of missing memo':
        checkpoint(Raw(b'h\x07')),
        'SETITEM on a list':
        checkpoint(Raw(b']X\x01\x00\x00\x00kKxs')),
    }
    return cases


def code_run_cases(marker: Path) -> Dict[str, Any]:
    """Payloads that create ``marker`` if any code of theirs runs."""
    command = f'touch {marker}'
    statement = f"open({str(marker)!r}, 'w').close()"
    builtins_module = Call(GETATTR, GETATTR, '__self__')
    init = Call(GETATTR, Call(GETATTR, history_buffer(), '__class__'),
                '__init__')
    cases = {
        'os.system':
        Call(Global('os', 'system'), command),
        'posix.system':
        Call(Global('posix', 'system'), command),
        'nt.system':
        Call(Global('nt', 'system'), command),
        'subprocess.call':
        Call(Global('subprocess', 'call'), ['touch', str(marker)]),
        'builtins.exec':
        Call(Global('builtins', 'exec'), statement),
        'builtins.eval':
        Call(Global('builtins', 'eval'), statement),
        '__builtin__.eval':
        Call(Global('__builtin__', 'eval'), statement),
        'builtins.__import__':
        Call(Global('builtins', '__import__'), 'os'),
        'getattr __self__ -> eval':
        Call(Call(GETATTR, builtins_module, 'eval'), statement),
        'HistoryBuffer.__init__.__globals__':
        SetItems(
            Call(GETATTR, init, '__globals__'),
            [('np', Call(GETATTR, builtins_module, 'eval'))]),
        'numpy.load':
        Call(Global('numpy', 'load'), str(marker)),
        'torch.load':
        Call(Global('torch', 'load'), str(marker)),
        'rebuild_from_type exec':
        Call(REBUILD_FROM_TYPE, Global('builtins', 'exec'),
             Global('torch', 'Tensor'), (statement, ), {}),
        'add_safe_globals':
        Call(
            Global('torch.serialization', 'add_safe_globals'),
            [Global('builtins', 'exec')]),
        'getattr of dtype class':
        Call(Call(GETATTR, Call(DTYPE, 'f8', False, True), '__class__'), 'O'),
    }
    return {name: checkpoint(case) for name, case in cases.items()}


def control_cases() -> Dict[str, Any]:
    """Valid assembled checkpoints, which must load."""
    # memo slot 200 (the assembler's own slots count from 0): t = (t, t)
    shared = Raw(b'K\x01\x85' + b'q\xc8h\xc8\x86' * 80)
    return {
        'valid HistoryBuffer':
        checkpoint(history_buffer()),
        'valid arrays and scalars':
        checkpoint({
            'float32':
            array(np.arange(6, dtype=np.float32).reshape(2, 3)),
            'big-endian':
            array(np.array([1, 2], '>i4')),
            'bool':
            array([True, False]),
            'float16':
            array(np.float16([0.5])),
            'empty 2-D':
            array(np.zeros((0, 5))),
            'eta':
            Call(SCALAR, dtype('f8'),
                 np.float64(1.5).tobytes()),
            'flag':
            Call(SCALAR, dtype('b1', '|'), b'\x01'),
        }),
        'valid numpy 1 names':
        checkpoint(
            Call(
                Global('numpy.core.multiarray', 'scalar'), dtype('i8'),
                np.int64(3).tobytes())),
        'empty bytes':
        checkpoint(Call(Global('__builtin__', 'bytes'))),
        'nested lists 50':
        checkpoint(nested(50, b']', b'a')),
        'shared tuples 2**80 paths':
        checkpoint(shared),
        'list containing itself':
        checkpoint(Raw(b']q\xc8h\xc8a')),  # l = []; l.append(l)
    }


def crafted_cases(marker: Path) -> Dict[str, Any]:
    """Every crafted pickle of the corpus, by name."""
    cases = {}
    for name, node in ACCEPTED_NAMES.items():
        for trick, case in name_tricks(node).items():
            if (name, trick) not in VALID_TRICKS:
                cases[f'{name} {trick}'] = checkpoint(case)
    for group in (numpy_cases(), history_buffer_cases(), container_cases(),
                  code_run_cases(marker)):
        cases.update(group)
    return cases


def real_control(path: Path) -> Path:
    """A checkpoint written by ``torch.save`` as mmengine writes them."""
    log_scalars = OrderedDict(loss=HistoryBuffer([0.5, 1.5], [1, 1]))
    torch.save(
        dict(
            meta=dict(epoch=1),
            state_dict=nn.Linear(2, 1).state_dict(),
            message_hub=dict(
                log_scalars=log_scalars,
                runtime_info=OrderedDict(
                    eta=np.float64(1.5),
                    fortran=np.asfortranarray(np.arange(6.).reshape(2, 3)),
                    flags=np.array([True, False])))), path)
    return path


def write_corpus(folder: Path, marker: Path) -> List[Tuple[Path, bool]]:
    """Each case as a zip checkpoint and a raw pickle.

    Returns:
        list[tuple[Path, bool]]: The files, each with whether it must load
        (the zip controls).
    """
    folder.mkdir()
    files = [(real_control(folder / 'real_control.pth'), True)]
    for kind, cases in (('crafted', crafted_cases(marker)), ('control',
                                                             control_cases())):
        for index, (name, case) in enumerate(cases.items()):
            payload = assemble(case)
            stem = f'{kind}_{index:03d}_' + ''.join(
                char if char.isalnum() else '_' for char in name)
            files.append((write_zip(folder / f'{stem}.pth',
                                    payload), kind == 'control'))
            files.append((write_raw(folder / f'{stem}.raw.pth',
                                    payload), False))
    return files


def run_corpus(files: List[Path],
               work_dir: Path) -> Tuple[Dict[Tuple[str, str], dict], list]:
    """Load every file through every load path in child processes.

    A child that dies is restarted after the file it was loading.

    Returns:
        tuple: Results by (file, load path), and the crashes as
        (file, load path, return code).
    """
    results: Dict[Tuple[str, str], dict] = {}
    crashes = []
    remaining = [str(path) for path in files]
    while remaining:
        listing = work_dir / f'files_{len(crashes)}.txt'
        listing.write_text('\n'.join(remaining))
        report = work_dir / f'report_{len(crashes)}.jsonl'
        child = subprocess.run(
            [sys.executable,
             str(CHILD), listing, report, work_dir],
            capture_output=True,
            text=True,
            timeout=600)
        started = None
        for line in report.read_text().splitlines():
            event = json.loads(line)
            if event['event'] == 'done':
                results[event['file'], event['load']] = event
            else:
                started = (event['file'], event['load'])
        if child.returncode == 0:
            break
        assert started is not None and started not in results, (
            f'child failed outside a load:\n{child.stderr[-3000:]}')
        crashes.append((*started, child.returncode))
        remaining = remaining[remaining.index(started[0]) + 1:]
    return results, crashes


def wrong_outcome(path: Path, must_load: bool, load: str, result: dict) -> str:
    """Why a load's result is wrong, or '' if it is right."""
    if result['state_changed']:
        return 'changed builtins or HistoryBuffer statistics'
    if must_load and load != 'tools/export_backbone.py':
        if result['outcome'] != 'loaded':
            return f'not loaded: {result["type"]}: {result["message"]}'
        return f'not plain data: {result["not_plain"]}' * bool(
            result['not_plain'])
    if result['outcome'] != 'error':
        return 'loaded'
    if result['type'] not in NAMED_ERRORS or str(
            path) not in result['message']:
        return f'{result["type"]} not naming the file: {result["message"]}'
    return ''


def test_corpus_covers_every_accepted_name(tmp_path: Path) -> None:
    covered = {
        f'{node.module}.{node.name}'
        for node in ACCEPTED_NAMES.values()
    }
    assert {name for _, name in MMENGINE_GLOBALS} <= covered
    assert len(crafted_cases(tmp_path / 'marker')) >= 300


def test_crafted_checkpoints_neither_crash_nor_run_code(
        tmp_path: Path) -> None:
    marker = tmp_path / 'pwned'
    files = write_corpus(tmp_path / 'corpus', marker)
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    results, crashes = run_corpus([path for path, _ in files], work_dir)
    assert crashes == []
    assert not marker.exists()
    assert not (work_dir / 'exported.pth').exists()
    wrong = {
        (path.name, load): why
        for path, must_load in files
        for load in LOADS
        if (why := wrong_outcome(path, must_load, load, results[str(path),
                                                                load]))
    }
    assert wrong == {}
