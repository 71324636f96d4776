"""Load checkpoint files through mmprp's load paths, reporting each load.

Run by ``test_checkpoint_fuzz.py`` in a child process::

    python checkpoint_fuzz_child.py FILES RESULTS WORK_DIR

FILES lists one checkpoint path a line. For every file and every load path
this appends to RESULTS a JSON line ``{"event": "start", ...}`` before the
load and ``{"event": "done", ...}`` after it (outcome, error type and
message, and what the load left behind that is not plain data or changed
process state), so that the parent can attribute a crash of this process to
the file and load path it was running.
"""
import builtins
import gc
import json
import logging
import runpy
import sys
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, MMLogger
from mmengine.logging import history_buffer as history_buffer_module
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn

import mmprp  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
EXPORT_BACKBONE = REPO / 'tools' / 'export_backbone.py'
PLAIN = (str, bytes, bytearray, int, float, bool, complex, type(None),
         torch.Tensor, torch.dtype, torch.device)


def export_backbone(path: str, work_dir: Path) -> None:
    """Run ``tools/export_backbone.py path work_dir/exported.pth``."""
    sys.argv = [str(EXPORT_BACKBONE), path, str(work_dir / 'exported.pth')]
    runpy.run_path(str(EXPORT_BACKBONE), run_name='__main__')


def load_paths(work_dir: Path) -> Dict[str, Callable[[str], Any]]:
    """The load paths, each ``path -> loaded checkpoint (or None)``."""
    return {
        'CheckpointLoader.load_checkpoint':
        lambda path: CheckpointLoader.load_checkpoint(path, 'cpu'),
        'mmengine.runner.load_checkpoint':
        lambda path: load_checkpoint(nn.Linear(2, 1), path, 'cpu'),
        'tools/export_backbone.py':
        lambda path: export_backbone(path, work_dir),
    }


def not_plain(value: Any, found: List[str], seen: set, depth: int = 0) -> None:
    """Collect what in a loaded checkpoint is not plain numeric data."""
    if id(value) in seen or depth > 200:
        return
    seen.add(id(value))
    if type(value) in (dict, OrderedDict, Counter):
        for key, item in value.items():
            not_plain(key, found, seen, depth + 1)
            not_plain(item, found, seen, depth + 1)
        not_plain(getattr(value, '_metadata', None), found, seen, depth + 1)
    elif type(value) in (list, tuple, set, frozenset, torch.Size):
        for item in value:
            not_plain(item, found, seen, depth + 1)
    elif type(value) is np.ndarray or isinstance(value, np.dtype):
        dtype = value if isinstance(value, np.dtype) else value.dtype
        if dtype.kind not in 'biuf':
            found.append(f'numpy {dtype}')
    elif type(value) is HistoryBuffer:
        attributes = vars(value)
        if set(attributes) != {'max_length', '_log_history', '_count_history'}:
            found.append(f'HistoryBuffer with {sorted(attributes)}')
        for item in attributes.values():
            not_plain(item, found, seen, depth + 1)
    elif not isinstance(value, PLAIN):
        found.append(type(value).__qualname__)


def process_state() -> Dict[str, Any]:
    """What a payload that ran could change in this process."""
    return dict(
        builtins={
            name: id(value)
            for name, value in vars(builtins).items()
        },
        statistics={
            name: id(method)
            for name, method in HistoryBuffer._statistics_methods.items()
        },
        numpy=id(history_buffer_module.np))


def load(path: str, loader: Callable[[str], Any]) -> Dict[str, Any]:
    """One load: outcome, error and what is not plain in the result."""
    before = process_state()
    try:
        loaded = loader(path)
    except BaseException as error:  # SystemExit of the tool included
        result = dict(
            outcome='error', type=type(error).__name__, message=str(error))
    else:
        found: List[str] = []
        try:
            not_plain(loaded, found, set())
        except Exception as error:
            found.append(f'checking it raised {error!r:.200}')
        result = dict(outcome='loaded', not_plain=sorted(set(found)))
    result['state_changed'] = process_state() != before
    return result


def main() -> None:
    files, results, work_dir = sys.argv[1:4]
    MMLogger.get_current_instance().setLevel(logging.ERROR)
    HistoryBuffer()  # registers mmengine's default statistics methods
    paths = load_paths(Path(work_dir))
    # what the imports made is no garbage: spare the collections of the
    # many loads its scan (a third of the time)
    gc.freeze()
    with open(results, 'a', buffering=1) as report:
        for path in Path(files).read_text().splitlines():
            for name, loader in paths.items():
                report.write(
                    json.dumps(dict(event='start', file=path, load=name))
                    + '\n')
                result = load(path, loader)
                report.write(
                    json.dumps(
                        dict(event='done', file=path, load=name, **result))
                    + '\n')


if __name__ == '__main__':
    main()
