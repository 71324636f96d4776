"""Hand-assembled pickles for the checkpoint loader's tests.

A pickle is described as Python values and the nodes below (a global, a
REDUCE, a NEWOBJ, a BUILD, SETITEMS/APPENDS onto an object, raw opcodes) and
assembled into protocol-2 bytes, the protocol ``torch.save`` writes. A node
used twice is stored once and fetched from the pickle's memo afterwards, as
pickle does for shared objects. :func:`write_zip` and :func:`write_raw` turn
such bytes into files that ``torch.load`` reads.
"""
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Tuple


class Node:
    """A pickle value made by opcodes (memoised: emitted once)."""


class Global(Node):
    """``GLOBAL module name``."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name


class Call(Node):
    """``func(*args)`` through REDUCE."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args


class New(Node):
    """``cls.__new__(cls, *args)`` through NEWOBJ."""

    def __init__(self, cls: Any, *args: Any) -> None:
        self.cls, self.args = cls, args


class Build(Node):
    """``obj`` followed by ``BUILD state``."""

    def __init__(self, obj: Any, state: Any) -> None:
        self.obj, self.state = obj, state


class SetItems(Node):
    """``obj`` followed by ``SETITEMS`` of ``items`` (key, value pairs)."""

    def __init__(self, obj: Any, items: List[Tuple[Any, Any]]) -> None:
        self.obj, self.items = obj, items


class Appends(Node):
    """``obj`` followed by ``APPENDS`` of ``items``."""

    def __init__(self, obj: Any, items: List[Any]) -> None:
        self.obj, self.items = obj, items


class Raw(Node):
    """Opcodes that push exactly one value."""

    def __init__(self, code: bytes) -> None:
        self.code = code


def encode(text: bytes) -> Call:
    """Bytes as ``torch.save`` pickles them: ``_codecs.encode(str)``."""
    return Call(Global('_codecs', 'encode'), text.decode('latin1'), 'latin1')


class _Assembler:
    """Turns a description into protocol-2 pickle opcodes."""

    def __init__(self) -> None:
        self.out = bytearray(pickle.PROTO + b'\x02')
        self.memo: Dict[int, Tuple[Node, int]] = {}

    def value(self, value: Any) -> None:
        if isinstance(value, Node):
            self.node(value)
        elif value is None:
            self.out += pickle.NONE
        elif isinstance(value, bool):
            self.out += pickle.NEWTRUE if value else pickle.NEWFALSE
        elif isinstance(value, int):
            self.integer(value)
        elif isinstance(value, float):
            self.out += pickle.BINFLOAT + struct.pack('>d', value)
        elif isinstance(value, str):
            data = value.encode('utf-8', 'surrogatepass')
            self.out += pickle.BINUNICODE + struct.pack('<I', len(data)) + data
        elif isinstance(value, bytes):
            self.node(encode(value))
        elif isinstance(value, tuple):
            self.sequence(value, pickle.TUPLE, pickle.EMPTY_TUPLE)
        elif isinstance(value, list):
            self.out += pickle.EMPTY_LIST
            self.marked(value, pickle.APPENDS)
        elif isinstance(value, dict):
            self.out += pickle.EMPTY_DICT
            self.marked([part for item in value.items() for part in item],
                        pickle.SETITEMS)
        else:
            raise TypeError(f'cannot assemble {type(value).__name__}')

    def integer(self, value: int) -> None:
        if -2**31 <= value < 2**31:
            self.out += pickle.BININT + struct.pack('<i', value)
        else:
            data = pickle.encode_long(value)
            self.out += pickle.LONG1 + bytes([len(data)]) + data

    def sequence(self, items: tuple, end: bytes, empty: bytes) -> None:
        if not items:
            self.out += empty
            return
        self.out += pickle.MARK
        for item in items:
            self.value(item)
        self.out += end

    def marked(self, items: list, opcode: bytes) -> None:
        if items:
            self.out += pickle.MARK
            for item in items:
                self.value(item)
            self.out += opcode

    def node(self, node: Node) -> None:
        if id(node) in self.memo:
            self.out += pickle.LONG_BINGET + struct.pack(
                '<I', self.memo[id(node)][1])
            return
        if isinstance(node, Global):
            self.out += (
                pickle.GLOBAL + f'{node.module}\n{node.name}\n'.encode())
        elif isinstance(node, Call):
            self.value(node.func)
            self.value(tuple(node.args))
            self.out += pickle.REDUCE
        elif isinstance(node, New):
            self.value(node.cls)
            self.value(tuple(node.args))
            self.out += pickle.NEWOBJ
        elif isinstance(node, Build):
            self.value(node.obj)
            self.value(node.state)
            self.out += pickle.BUILD
        elif isinstance(node, SetItems):
            self.value(node.obj)
            self.marked([part for item in node.items for part in item],
                        pickle.SETITEMS)
        elif isinstance(node, Appends):
            self.value(node.obj)
            self.marked(list(node.items), pickle.APPENDS)
        else:
            self.out += node.code
        index = len(self.memo)
        self.memo[id(node)] = (node, index)
        self.out += pickle.LONG_BINPUT + struct.pack('<I', index)


def assemble(value: Any) -> bytes:
    """Protocol-2 pickle bytes of a description.

    Args:
        value: Python literals (None, bool, int, float, str, bytes, tuple,
            list, dict) and :class:`Node` objects, nested.

    Returns:
        bytes: The pickle, ending with STOP.
    """
    assembler = _Assembler()
    assembler.value(value)
    return bytes(assembler.out + pickle.STOP)


def write_zip(path: Path, payload: bytes) -> Path:
    """A checkpoint in torch's zip format whose ``data.pkl`` is ``payload``.

    Args:
        path (Path): File to write.
        payload (bytes): The pickle (without tensors: no storages written).

    Returns:
        Path: ``path``.
    """
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as archive:
        archive.writestr('archive/data.pkl', payload)
        archive.writestr('archive/byteorder', 'little')
        archive.writestr('archive/version', '3\n')
    return path


def write_raw(path: Path, payload: bytes) -> Path:
    """A file holding only ``payload``.

    ``torch.load`` unpickles it (with the weights-only unpickler) as the
    magic number of its legacy format, so the payload runs through the
    unpickler, then the load fails with "Invalid magic number".

    Args:
        path (Path): File to write.
        payload (bytes): The pickle.

    Returns:
        Path: ``path``.
    """
    path.write_bytes(payload)
    return path
