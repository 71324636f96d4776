"""Tests of the checkpoint loaders registered by ``import mmprp``.

The attack files are real torch checkpoints (zip and legacy format) whose
pickles reach code through ``getattr`` (``__self__``, ``__globals__``,
``__init__``, ``__class__``) or name dangerous globals directly. Each one
would write a marker file if it ran; every load path must refuse it first.
Genuine mmengine checkpoints load with the same message hub as a full
unpickler gives; state dicts must map names to tensors; errors that crafted
content raises name the file. ``test_checkpoint_fuzz.py`` loads a generated
corpus of crafted files in a child process.
"""
import builtins
import codecs
import functools
import http.server
import os
import pickle
import re
import runpy
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import pytest
import torch
from crafted_pickles import Call, Raw, assemble, write_zip
from mmaction.registry import MODELS
from mmengine.logging import HistoryBuffer
from mmengine.logging import history_buffer as history_buffer_module
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import (CheckpointLoader, _load_checkpoint,
                                        load_from_http)
from torch import nn
from torch.utils.data import Dataset

import mmprp  # noqa: F401
from mmprp.apis import build_model, load_config
from mmprp.engine import CheckpointMatchHook
from mmprp.utils import load_local_checkpoint
from mmprp.utils.checkpoint_loading import (FORCE_NO_WEIGHTS_ONLY,
                                            FORCE_WEIGHTS_ONLY,
                                            weights_only_forced)
from helpers import REPO

DEMO_CONFIG = REPO / 'demo' / 'configs' / 'prp_c3d_demo.py'


# A tiny mmengine training run: the genuine checkpoint.
class TinyModel(BaseModel):
    """One linear layer trained to output zero."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self,
                inputs: List[torch.Tensor],
                data_samples: Any = None,
                mode: str = 'tensor') -> Any:
        out = self.linear(torch.stack(inputs))
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else out


class TinyDataset(Dataset):
    """Four constant 2-vectors."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        return dict(inputs=torch.full((2, ), float(index)))


def tiny_runner(work_dir: Path, name: str, max_epochs: int,
                **kwargs: Any) -> Runner:
    """An mmengine Runner of TinyModel saving a checkpoint every epoch."""
    return Runner(
        model=TinyModel(),
        work_dir=str(work_dir),
        experiment_name=name,
        train_dataloader=dict(
            dataset=TinyDataset(),
            batch_size=2,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        default_scope='mmaction',
        log_level='WARNING',
        **kwargs)


@pytest.fixture(scope='module')
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``epoch_1.pth`` of a real one-epoch mmengine run."""
    work_dir = tmp_path_factory.mktemp('genuine')
    tiny_runner(work_dir, 'genuine', max_epochs=1).train()
    return work_dir / 'epoch_1.pth'


# Hand-built attack pickles.
class Reduce:
    """Pickles as ``func(*args)``, then BUILD ``state``, SETITEMS ``items``."""

    def __init__(self,
                 func: Callable,
                 *args: Any,
                 state: Any = None,
                 items: Optional[List[Tuple[str, Any]]] = None) -> None:
        self.func, self.args, self.state, self.items = func, args, state, items

    def __reduce__(self) -> tuple:
        return (self.func, self.args, self.state, None,
                iter(self.items) if self.items else None)


BUILTINS = Reduce(getattr, getattr, '__self__')


def builtin(name: str) -> Reduce:
    """``getattr(builtins, name)``, reaching the module through __self__."""
    return Reduce(getattr, BUILTINS, name)


def eval_through_builtins_type(marker: Path) -> list:
    """__self__ -> builtins.__dict__['type'] = eval; BUILD then evals code.

    The weights-only unpickler calls ``type(inst)`` in BUILD; with ``type``
    replaced by ``eval`` it evaluates ``inst``, here bytes of code that
    restore ``type`` and write the marker. The last item restores ``type``
    where BUILD does not call it (a full unpickler).
    """
    statement = ('import builtins, pathlib\n'
                 'builtins.type = builtins._saved_type\n'
                 f"pathlib.Path({str(marker)!r}).write_text('pwned')")
    code = f'exec({statement!r})'
    poison = Reduce(
        getattr,
        BUILTINS,
        '__dict__',
        items=[('_saved_type', builtin('type')), ('type', builtin('eval'))])
    restore = Reduce(
        getattr,
        BUILTINS,
        '__dict__',
        items=[('type', builtin('_saved_type'))])
    # BUILD with state (None, {}): a no-op where BUILD does not call type
    trigger = Reduce(codecs.encode, code, 'latin1', state=(None, {}))
    # name codecs.encode before the poison: a full unpickler calls type()
    # when it resolves a global
    return [Reduce(codecs.encode, '', 'latin1'), poison, trigger, restore]


def eval_through_module_globals(marker: Path) -> list:
    """__class__ -> __init__ -> __globals__['np'] = object whose array is eval.

    HistoryBuffer's ``__init__`` then calls ``np.array(code)``.
    """
    statement = ('import numpy, pathlib\n'
                 'import mmengine.logging.history_buffer as m\n'
                 'm.np = numpy\n'
                 f"pathlib.Path({str(marker)!r}).write_text('pwned')")
    code = f'exec({statement!r})'
    buffer = HistoryBuffer([1.], [1])
    init = Reduce(getattr, Reduce(getattr, buffer, '__class__'), '__init__')
    fake_numpy = Reduce(HistoryBuffer, state={'array': builtin('eval')})
    poison = Reduce(getattr, init, '__globals__', items=[('np', fake_numpy)])
    return [poison, Reduce(HistoryBuffer, code, code)]


def direct_eval(marker: Path) -> Reduce:
    """The classic ``__reduce__`` attack: ``eval(code)``."""
    return Reduce(eval, f'open({str(marker)!r}, "w").write("pwned")')


def direct_os_system(marker: Path) -> Reduce:
    """``os.system('touch marker')``."""
    return Reduce(os.system, f'touch {marker}')


ATTACKS = dict(
    eval_through_builtins_type=eval_through_builtins_type,
    eval_through_module_globals=eval_through_module_globals,
    direct_eval=direct_eval,
    direct_os_system=direct_os_system)
GETATTR_ATTACKS = ['eval_through_builtins_type', 'eval_through_module_globals']


def write_attack(path: Path, attack: str, legacy: bool = False) -> Path:
    """A torch checkpoint with ``attack`` next to a real state dict."""
    payload = dict(
        state_dict=nn.Linear(2, 1).state_dict(),
        meta=ATTACKS[attack](marker_of(path)))
    torch.save(payload, path, _use_new_zipfile_serialization=not legacy)
    return path


def marker_of(path: Path) -> Path:
    """The file an attack in ``path`` writes if it runs."""
    return path.with_name(path.name + '.pwned')


@pytest.fixture(autouse=True)
def process_state_is_kept() -> Iterator[None]:
    """Undo and report what an attack that ran changed in this process."""
    saved_builtins = dict(vars(builtins))
    numpy_module = history_buffer_module.np
    methods = dict(HistoryBuffer._statistics_methods)
    yield
    changed = sorted(
        name for name in set(saved_builtins) | set(vars(builtins))
        if vars(builtins).get(name) is not saved_builtins.get(name))
    for name in changed:
        vars(builtins).pop(name, None)
        if name in saved_builtins:
            vars(builtins)[name] = saved_builtins[name]
    poisoned = history_buffer_module.np is not numpy_module
    history_buffer_module.np = numpy_module
    rebound = HistoryBuffer._statistics_methods != methods
    HistoryBuffer._statistics_methods.clear()
    HistoryBuffer._statistics_methods.update(methods)
    assert not (changed or poisoned or rebound), (changed, poisoned, rebound)


def run_tool(monkeypatch: pytest.MonkeyPatch, tool: str, *args: str) -> None:
    """Run ``tools/<tool>.py args`` in this process."""
    path = REPO / 'tools' / f'{tool}.py'
    monkeypatch.setattr(sys, 'argv', [str(path), *map(str, args)])
    runpy.run_path(str(path), run_name='__main__')


# Every local load path, as mmprp and MMAction2 reach it.
LOCAL_LOADS: Dict[str, Callable[[Path, pytest.MonkeyPatch, Path], Any]] = {
    # load_from (CheckpointMatchHook), tools/export_backbone.py internals
    'CheckpointLoader.load_checkpoint':
    lambda path, mp, tmp: CheckpointLoader.load_checkpoint(str(path), 'cpu'),
    # Runner.load_checkpoint: load_from, --resume, tools/test.py CKPT
    'runner.checkpoint._load_checkpoint':
    lambda path, mp, tmp: _load_checkpoint(str(path), 'cpu'),
    'runner.load_checkpoint':
    lambda path, mp, tmp: load_checkpoint(TinyModel(), str(path)),
    'model.backbone.pretrained (C3D)':
    lambda path, mp, tmp: MODELS.build(dict(type='C3D', pretrained=str(path))).
    init_weights(),
    'model.backbone.pretrained (ResNet3d)':
    lambda path, mp, tmp: MODELS.build(
        dict(
            type='ResNet3d',
            depth=18,
            pretrained=str(path),
            pretrained2d=False)).init_weights(),
    'tools/export_backbone.py':
    lambda path, mp, tmp: run_tool(mp, 'export_backbone', path, tmp / 'out.pth'
                                   ),
    'visualisation build_model':
    lambda path, mp, tmp: build_model(load_config(DEMO_CONFIG), path),
    'tools/visualize_motion_attention.py --checkpoint':
    lambda path, mp, tmp: run_tool(mp, 'visualize_motion_attention',
                                   DEMO_CONFIG, tmp / 'unused.mp4', '--out',
                                   tmp / 'a.png', '--checkpoint', path),
    'tools/visualize_activations.py --checkpoint':
    lambda path, mp, tmp: run_tool(mp, 'visualize_activations', DEMO_CONFIG,
                                   tmp / 'unused.mp4', '--out', tmp / 'a.png',
                                   '--checkpoint', path),
}


def test_genuine_checkpoint_loads(genuine: Path) -> None:
    checkpoint = CheckpointLoader.load_checkpoint(str(genuine), 'cpu')
    buffer = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert len(buffer.data[0]) == 2  # two iterations
    assert buffer.statistics('mean') == pytest.approx(buffer.data[0].mean())
    model = TinyModel()
    load_checkpoint(model, str(genuine), strict=True)
    assert torch.equal(model.linear.weight,
                       checkpoint['state_dict']['linear.weight'])


def test_genuine_checkpoint_resumes(genuine: Path, tmp_path: Path) -> None:
    runner = tiny_runner(
        tmp_path, 'resumed', max_epochs=2, load_from=str(genuine), resume=True)
    runner.train()
    assert runner.epoch == 2 and runner.iter == 4
    history = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 4  # two iterations resumed, two trained


@pytest.mark.parametrize('legacy', [False, True], ids=['zip', 'legacy'])
@pytest.mark.parametrize('attack', list(ATTACKS))
def test_attacks_are_refused(tmp_path: Path, attack: str,
                             legacy: bool) -> None:
    path = write_attack(tmp_path / 'evil.pth', attack, legacy)
    with pytest.raises(pickle.UnpicklingError) as error:
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    message = str(error.value)
    assert f'checkpoint {path} was refused' in message
    assert 'weights_only' not in message
    assert not marker_of(path).exists()


@pytest.mark.parametrize('load', list(LOCAL_LOADS))
@pytest.mark.parametrize('attack', GETATTR_ATTACKS)
def test_every_local_load_path_refuses_attacks(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               load: str, attack: str) -> None:
    path = write_attack(tmp_path / 'evil.pth', attack)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        LOCAL_LOADS[load](path, monkeypatch, tmp_path)
    assert not marker_of(path).exists()
    assert not (tmp_path / 'out.pth').exists()


@pytest.mark.parametrize(
    'owner, name, refused', [
        (getattr, '__self__', "getattr(<function object>, '__self__')"),
        (HistoryBuffer, '__init__', "getattr(HistoryBuffer, '__init__')"),
        (HistoryBuffer, '__dict__', "getattr(HistoryBuffer, '__dict__')"),
        (Reduce(getattr, HistoryBuffer, 'mean'), '__globals__',
         "getattr(HistoryBuffer.mean, '__globals__')"),
        (HistoryBuffer([1.], [1]), '__class__',
         "getattr(<HistoryBuffer object>, '__class__')"),
        (HistoryBuffer(
            [1.], [1]), 'mean', "getattr(<HistoryBuffer object>, 'mean')"),
    ],
    ids=[
        '__self__', '__init__', '__dict__', 'mean.__globals__',
        'instance.__class__', 'instance.mean'
    ])
def test_only_history_buffer_statistics_pass_getattr(tmp_path: Path,
                                                     owner: Any, name: str,
                                                     refused: str) -> None:
    path = tmp_path / 'lookup.pth'
    torch.save(dict(meta=Reduce(getattr, owner, name)), path)
    with pytest.raises(pickle.UnpicklingError) as error:
        load_local_checkpoint(str(path))
    assert refused in str(error.value)
    assert "['current', 'max', 'mean', 'min']" in str(error.value)


def test_rebinding_statistics_methods_is_refused_and_undone(
        tmp_path: Path) -> None:
    path = tmp_path / 'rebind.pth'
    rebind = Reduce(
        HistoryBuffer,
        state={
            'statistics_methods': {
                'mean': Reduce(getattr, HistoryBuffer, 'max')
            }
        })
    torch.save(dict(meta=rebind), path)
    with pytest.raises(
            pickle.UnpicklingError,
            match=r"rebinds HistoryBuffer statistics .*'mean'"):
        load_local_checkpoint(str(path))
    assert HistoryBuffer._statistics_methods['mean'] is HistoryBuffer.mean


def test_refused_even_with_torch_force_no_weights_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORCE_NO_WEIGHTS_ONLY, '1')
    path = write_attack(tmp_path / 'evil.pth', 'direct_eval')
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    assert not marker_of(path).exists()


def test_genuine_checkpoint_restores_the_same_message_hub(
        genuine: Path) -> None:
    # the file is this test's own: a full unpickler gives the reference
    reference = torch.load(genuine, weights_only=False)['message_hub']
    loaded = CheckpointLoader.load_checkpoint(str(genuine),
                                              'cpu')['message_hub']
    assert loaded['runtime_info'] == reference['runtime_info']
    assert loaded['resumed_keys'] == reference['resumed_keys']
    assert list(loaded['log_scalars']) == list(reference['log_scalars'])
    for name, buffer in loaded['log_scalars'].items():
        expected = reference['log_scalars'][name]
        assert type(buffer) is HistoryBuffer
        assert vars(buffer).keys() == vars(expected).keys()
        assert buffer.max_length == expected.max_length
        for log, expected_log in zip(buffer.data, expected.data):
            assert log.dtype == expected_log.dtype
            assert np.array_equal(log, expected_log)


def test_empty_history_buffers_and_arrays_load(tmp_path: Path) -> None:
    # pickle protocol 2 writes their empty data as bytes()
    path = tmp_path / 'empty.pth'
    torch.save(
        dict(meta=dict(buffer=HistoryBuffer(), array=np.zeros(0))), path)
    meta = CheckpointLoader.load_checkpoint(str(path), 'cpu')['meta']
    assert type(meta['buffer']) is HistoryBuffer
    assert [log.shape for log in meta['buffer'].data] == [(0, ), (0, )]
    assert meta['array'].shape == (0, ) and meta['array'].dtype == np.float64


def test_history_buffer_state_beyond_mmengine_is_refused(
        tmp_path: Path) -> None:
    state = dict(
        HistoryBuffer([1.], [1]).__getstate__(),
        _statistics_methods={'mean': HistoryBuffer.max})
    for name, payload in [
        ('instance.pth', Reduce(HistoryBuffer, state=state)),
        ('rebuild_from_type.pth',
         Reduce(torch._tensor._rebuild_from_type_v2, HistoryBuffer,
                HistoryBuffer, (), state)),
    ]:
        torch.save(dict(meta=payload), tmp_path / name)
        with pytest.raises(pickle.UnpicklingError) as error:
            load_local_checkpoint(str(tmp_path / name))
        assert str(error.value).startswith(
            f'checkpoint {tmp_path / name} was refused: it sets a '
            "HistoryBuffer's state with the keys '_count_history', "
            "'_log_history', '_statistics_methods'")


@pytest.mark.parametrize(
    'meta, cause', [
        (Reduce(OrderedDict, 1), 'TypeError'),
        (Reduce(bytearray, 2**62), 'MemoryError'),
        (Reduce(torch._tensor._rebuild_from_type_v2, getattr, HistoryBuffer,
                (HistoryBuffer, 'mean'), {}), 'AttributeError'),
        (Call(Raw(b']' * 5000 + b'a' * 4999), 1), 'RecursionError'),
    ],
    ids=['TypeError', 'MemoryError', 'AttributeError', 'RecursionError'])
def test_errors_on_crafted_content_name_the_file(tmp_path: Path, meta: Any,
                                                 cause: str) -> None:
    path = tmp_path / 'crafted.pth'
    if isinstance(meta, Reduce):
        torch.save(dict(meta=meta), path)
    else:
        write_zip(path, assemble(dict(meta=meta)))
    with pytest.raises(pickle.UnpicklingError) as error:
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    assert str(error.value).startswith(
        f'checkpoint {path} was refused: unpickling it raised {cause}')
    assert type(error.value.__cause__).__name__ == cause


def test_real_globals_registered_elsewhere_are_set_aside(
        tmp_path: Path) -> None:
    path = tmp_path / 'object_dtype.pth'
    torch.save(dict(meta=np.dtype(object)), path)
    registered = [np.dtype, type(np.dtype(object)), HistoryBuffer]
    with torch.serialization.safe_globals(registered):
        with pytest.raises(
                pickle.UnpicklingError,
                match=re.escape("it calls numpy.dtype('O8', False, True)")):
            load_local_checkpoint(str(path))
        assert set(registered) <= set(torch.serialization.get_safe_globals())


# State dicts.
@pytest.mark.parametrize(
    'checkpoint, refused', [
        (dict(state_dict={'weight': [1.0]}),
         "its state dict maps 'weight' to a list, not a tensor"),
        (dict(state_dict={'weight': HistoryBuffer([1.], [1])}),
         "its state dict maps 'weight' to a HistoryBuffer, not a tensor"),
        (dict(state_dict={3: torch.ones(1)}),
         'its state dict has the key 3 (int), not a parameter name'),
        ({
            'weight': torch.ones(1),
            'arch': 'c3d'
        }, "its state dict maps 'arch' to a str, not a tensor"),
        (dict(state_dict=[torch.ones(1)]),
         'its state_dict is a list, not a dict of tensors'),
        ([torch.ones(1)], 'it holds a list, not a dict'),
    ],
    ids=[
        'list value', 'HistoryBuffer value', 'int key', 'bare state dict',
        'state_dict list', 'top-level list'
    ])
def test_state_dicts_must_map_names_to_tensors(tmp_path: Path, checkpoint: Any,
                                               refused: str) -> None:
    path = tmp_path / 'odd.pth'
    torch.save(checkpoint, path)
    with pytest.raises(pickle.UnpicklingError) as error:
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    assert str(error.value).startswith(f'checkpoint {path} was refused: ')
    assert refused in str(error.value)


def test_only_the_state_dict_is_checked(tmp_path: Path) -> None:
    path = tmp_path / 'full.pth'
    state_dict = nn.Linear(2, 1).state_dict()
    torch.save(
        dict(
            state_dict=state_dict,
            optimizer=dict(state={0: dict(step=3)}, param_groups=[]),
            meta=dict(epoch=1)), path)
    loaded = CheckpointLoader.load_checkpoint(str(path), 'cpu')
    assert loaded['state_dict']._metadata == state_dict._metadata
    torch.save(dict(model={'weight': [1.0]}), path)  # no tensors: no state
    assert CheckpointLoader.load_checkpoint(
        str(path), 'cpu') == dict(model={'weight': [1.0]})


def test_checkpoint_match_hook_names_the_entry_that_is_no_tensor(
        tmp_path: Path) -> None:
    model = MODELS.build(
        dict(
            type='SelfSupRecognizer',
            backbone=dict(type='C3DEncoder', base_channels=4),
            rate_head=dict(type='PRPHead', num_classes=4, in_channels=32)))
    state_dict = model.state_dict()
    state_dict['backbone.conv1a.conv.weight'] = [1.0]
    path = tmp_path / 'odd.pth'
    torch.save(dict(state_dict=state_dict), path)
    runner = SimpleNamespace(model=model, _load_from=str(path), _resume=False)
    with pytest.raises(
            pickle.UnpicklingError,
            match=f"checkpoint {path} was refused: its state dict maps "
            "'backbone.conv1a.conv.weight' to a list"):
        CheckpointMatchHook().before_run(runner)


# URLs and other schemes.
@pytest.fixture
def serve(tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], str]]:
    """Serve ``tmp_path`` over HTTP on localhost; torch.hub caches there."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05, ), daemon=True)
    thread.start()
    yield lambda path: (f'http://127.0.0.1:{server.server_port}/'
                        f'{path.relative_to(tmp_path)}')
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize('attack', ['direct_eval'] + GETATTR_ATTACKS)
def test_url_checkpoints_are_weights_only(tmp_path: Path,
                                          serve: Callable[[Path], str],
                                          monkeypatch: pytest.MonkeyPatch,
                                          attack: str) -> None:
    # torch.hub passes weights_only=False explicitly, on every torch version
    monkeypatch.setenv(FORCE_NO_WEIGHTS_ONLY, '1')
    path = write_attack(tmp_path / 'evil.pth', attack)
    url = serve(path)
    with pytest.raises(
            pickle.UnpicklingError, match=f'checkpoint {url} was refused'):
        CheckpointLoader.load_checkpoint(url, 'cpu')
    assert not marker_of(path).exists()
    assert os.environ[FORCE_NO_WEIGHTS_ONLY] == '1'
    assert FORCE_WEIGHTS_ONLY not in os.environ


def test_url_checkpoints_of_tensors_load(tmp_path: Path,
                                         serve: Callable[[Path], str]) -> None:
    path = tmp_path / 'weights.pth'
    state_dict = nn.Linear(2, 1).state_dict()
    torch.save(dict(state_dict=state_dict), path)
    checkpoint = CheckpointLoader.load_checkpoint(serve(path), 'cpu')
    assert torch.equal(checkpoint['state_dict']['weight'],
                       state_dict['weight'])


def test_url_mmengine_checkpoints_say_to_download_them(
        genuine: Path, tmp_path: Path, serve: Callable[[Path], str]) -> None:
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(genuine.read_bytes())
    with pytest.raises(pickle.UnpicklingError) as error:
        CheckpointLoader.load_checkpoint(serve(path), 'cpu')
    assert 'needs mmengine.logging.history_buffer.HistoryBuffer' in str(
        error.value)
    assert 'download it and pass its path' in str(error.value)


def test_url_checkpoints_ignore_globals_registered_elsewhere(
        genuine: Path, tmp_path: Path, serve: Callable[[Path], str]) -> None:
    path = tmp_path / 'epoch_1.pth'
    path.write_bytes(genuine.read_bytes())
    with torch.serialization.safe_globals([HistoryBuffer]):
        with pytest.raises(
                pickle.UnpicklingError,
                match='needs mmengine.logging.history_buffer.HistoryBuffer'):
            CheckpointLoader.load_checkpoint(serve(path), 'cpu')


def test_url_state_dicts_must_map_names_to_tensors(
        tmp_path: Path, serve: Callable[[Path], str]) -> None:
    path = tmp_path / 'odd.pth'
    torch.save(dict(state_dict={'weight': [1.0]}), path)
    url = serve(path)
    with pytest.raises(
            pickle.UnpicklingError,
            match=f"checkpoint {url} was refused: its state dict maps "
            "'weight' to a list"):
        CheckpointLoader.load_checkpoint(url, 'cpu')


def test_every_remote_scheme_is_weights_only() -> None:
    schemes = dict(CheckpointLoader._schemes)
    assert schemes[''] is load_local_checkpoint
    remote = {prefix: loader for prefix, loader in schemes.items() if prefix}
    assert {
        'http://', 'https://', 'torchvision://', 'open-mmlab://', 'mmcls://',
        'pavi://'
    } <= set(remote)
    assert all(loader.weights_only_forced for loader in remote.values())
    assert remote['https://'].__wrapped__ is load_from_http
    mmprp.utils.register_checkpoint_loaders()  # again: nothing changes
    assert CheckpointLoader._schemes == schemes


def test_a_loader_of_another_package_is_left_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:

    def load_toy(filename: str, map_location=None) -> dict:
        return {}

    monkeypatch.setitem(CheckpointLoader._schemes, 'toy://', load_toy)
    mmprp.utils.register_checkpoint_loaders()
    assert CheckpointLoader._schemes['toy://'] is load_toy


def test_weights_only_forced_restores_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORCE_NO_WEIGHTS_ONLY, 'yes')
    monkeypatch.delenv(FORCE_WEIGHTS_ONLY, raising=False)
    with weights_only_forced():
        assert os.environ[FORCE_WEIGHTS_ONLY] == '1'
        assert FORCE_NO_WEIGHTS_ONLY not in os.environ
    assert os.environ[FORCE_NO_WEIGHTS_ONLY] == 'yes'
    assert FORCE_WEIGHTS_ONLY not in os.environ


# Files that are not checkpoints.
def test_plain_torch_load_refuses_mmengine_checkpoints(genuine: Path) -> None:
    with pytest.raises(pickle.UnpicklingError, match='Weights only load'):
        torch.load(genuine)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_local_checkpoint(str(tmp_path / 'nothing.pth'))


def test_empty_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / 'epoch_3.pth'
    path.touch()
    with pytest.raises(ValueError) as error:
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    assert str(error.value).startswith(
        f'checkpoint {path} is empty (0 bytes): it was cut short')


@pytest.mark.parametrize(
    'text',
    [
        'model = dict(type="SelfSupRecognizer")\n',
        'epoch_3.pth\n',  # mmengine's last_checkpoint file
        '{"lr": 0.1}\n',
    ])
def test_text_file_is_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / 'config.pth'
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
    message = str(error.value)
    start = text.splitlines()[0].encode()[:40]
    assert message.startswith(
        f'{path} is not a PyTorch checkpoint: it starts with {start!r}')
    assert 'weights_only' not in message


def test_truncated_checkpoint_is_named(genuine: Path, tmp_path: Path) -> None:
    path = tmp_path / 'cut.pth'
    path.write_bytes(genuine.read_bytes()[:1000])
    with pytest.raises(
            RuntimeError,
            match=f'cannot read checkpoint {path}: '
            'PytorchStreamReader failed reading zip archive'):
        CheckpointLoader.load_checkpoint(str(path), 'cpu')
