"""PlainCheckpointHook: checkpoints that load without mmprp, resumed whole.

A tiny runner (SafeCheckpointHook keeping the best of a numpy validation
score, as AccMetric's) trains 2 epochs; its checkpoints must load with plain
``torch.load(weights_only=True)`` in a process without mmprp, and a run
resumed from the first epoch's checkpoint must start with the message hub
that the uninterrupted run saved into it.
"""
import copy
import itertools
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import Runner

from mmprp.engine import PlainCheckpointHook, SafeCheckpointHook, plain_data
from mmprp.engine.hooks.plain_checkpoint_hook import (history_from_plain,
                                                      plain_history)
from helpers import ToyModel, assert_load_weights_only, toy_loader

SCORES = {0: 0.25, 1: 0.5}  # by epoch index: a new best at both epochs
RUN_IDS = itertools.count()


class NumpyScores(BaseMetric):
    """A numpy score of the epoch, and a numpy array (per-class values,
    which mmengine keeps as runtime information)."""

    def process(self, data_batch, data_samples) -> None:
        self.results.append(0)

    def compute_metrics(self, results: list) -> dict:
        epoch = MessageHub.get_current_instance().get_info('epoch')
        return dict(
            score=np.float64(SCORES[epoch]),
            per_class=np.array([epoch, 1, 2], dtype=np.int32))


class MessageHubRecorder(Hook):
    """What each save holds before any conversion, and what the run starts
    training with."""

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.saved: Dict[tuple, dict] = {}
        self.started: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        kind = 'latest' if 'optimizer' in checkpoint else 'best'
        self.saved[kind, checkpoint['meta']['epoch']] = copy.deepcopy(
            checkpoint['message_hub'])

    def before_train(self, runner) -> None:
        self.started = copy.deepcopy(runner.message_hub.state_dict())


def train(work_dir: Path, resume_from: Optional[Path] = None) -> dict:
    """Train the toy runner for 2 epochs; return its recorder."""
    loader = toy_loader()
    recorder = MessageHubRecorder()
    Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'plain_checkpoint_{next(RUN_IDS)}',
        train_dataloader=loader,
        val_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=len(SCORES), val_interval=1),
        val_cfg=dict(),
        val_evaluator=Evaluator(NumpyScores()),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=SafeCheckpointHook(
                interval=1,
                max_keep_ckpts=2,
                save_best='score',
                rule='greater'),
            plain_checkpoint=PlainCheckpointHook()),
        custom_hooks=[recorder],
        randomness=dict(seed=0),
        default_scope='mmaction',
        load_from=None if resume_from is None else str(resume_from),
        resume=resume_from is not None,
        log_level='ERROR').train()
    return recorder


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory) -> tuple:
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    return work_dir, train(work_dir)


def test_checkpoints_load_weights_only_without_mmprp(uninterrupted) -> None:
    work_dir, recorder = uninterrupted
    # the numpy best score and the numpy array were in the message hub
    info = recorder.saved['latest', 2]['runtime_info']
    assert type(info['best_score']) is np.float64
    assert type(info['val/per_class']) is np.ndarray
    assert sorted(path.name for path in work_dir.glob('*.pth')) == [
        'best_score_epoch_2.pth', 'epoch_1.pth', 'epoch_2.pth'
    ]
    assert_load_weights_only(sorted(work_dir.glob('*.pth')), work_dir)


def assert_same_message_hub(resumed: dict, saved: dict) -> None:
    assert resumed['resumed_keys'] == saved['resumed_keys']
    assert list(resumed['log_scalars']) == list(saved['log_scalars'])
    for name, buffer in saved['log_scalars'].items():
        restored = resumed['log_scalars'][name]
        assert type(restored) is HistoryBuffer, name
        assert restored.max_length == buffer.max_length, name
        for ours, theirs in zip(restored.data, buffer.data):
            assert ours.dtype == theirs.dtype, name
            np.testing.assert_array_equal(ours, theirs, err_msg=name)
        assert restored.mean() == buffer.mean(), name
    assert resumed['runtime_info'].keys() == saved['runtime_info'].keys()
    for key, value in saved['runtime_info'].items():
        restored = resumed['runtime_info'][key]
        if isinstance(value, np.ndarray):  # restored as a tensor
            assert type(restored) is torch.Tensor, key
            np.testing.assert_array_equal(restored.numpy(), value)
            assert restored.numpy().dtype == value.dtype
        else:
            assert restored == value, key


def test_resume_restores_the_saved_message_hub(uninterrupted,
                                               tmp_path) -> None:
    work_dir, recorder = uninterrupted
    resumed = train(tmp_path, resume_from=work_dir / 'epoch_1.pth').started
    saved = recorder.saved['latest', 1]
    for key in ('best_score', 'best_ckpt', 'last_ckpt', 'keep_ckpt_ids'):
        assert key in saved['runtime_info'], key
    assert 'train/loss' in saved['log_scalars']
    assert_same_message_hub(resumed, saved)


def test_plain_data_converts_numpy_and_keeps_containers() -> None:
    array = np.arange(6, dtype=np.int16).reshape(2, 3)
    value = OrderedDict(
        array=array,
        scalars=[np.float32(.5),
                 np.int64(3),
                 np.bool_(1),
                 np.str_('a')],
        counts=Counter({np.int64(4): 1}),
        nested=(dict(tensor=torch.ones(1)), {np.int8(1)}),
        plain=(None, 1, 1.5, 'b', b'c', torch.float16, torch.Size([2])))
    plain = plain_data(value, 'meta')
    assert type(plain) is OrderedDict and list(plain) == list(value)
    assert type(plain['array']) is torch.Tensor
    assert plain['array'].dtype == torch.int16
    assert plain['array'].tolist() == array.tolist()
    assert [type(item) for item in plain['scalars']] == [float, int, bool, str]
    assert plain['scalars'] == [0.5, 3, True, 'a']
    assert type(plain['counts']) is Counter and plain['counts'] == {4: 1}
    assert type(next(iter(plain['counts']))) is int
    assert plain['nested'][0]['tensor'] is value['nested'][0]['tensor']
    assert plain['nested'][1] == {1} and type(plain['nested'][1]) is set
    assert plain['plain'] == value['plain']
    assert type(value['scalars'][0]) is np.float32  # the input is unchanged


@pytest.mark.parametrize('value,where', [
    (dict(classes=[object()]), "meta['classes'][0]"),
    (dict(names=np.array(['a', 'b'])), "meta['names']"),
    (dict(objects=np.array([None])), "meta['objects']"),
    (dict(when=np.datetime64('2020-01-01')), "meta['when']"),
    (dict(buffer=HistoryBuffer([1.], [1])), "meta['buffer']"),
    (dict([((1, object()), 0)]), 'meta (key'),
    (dict(hyper=np.ones(2, dtype=np.longdouble)), "meta['hyper']"),
])
def test_plain_data_refuses_what_it_cannot_make_plain(value: Any,
                                                      where: str) -> None:
    with pytest.raises(TypeError, match=r'checkpoint entry ') as error:
        plain_data(value, 'meta')
    assert where in str(error.value)


def test_history_round_trip_keeps_dtype_values_and_length() -> None:
    buffer = HistoryBuffer([1, 2], [1, 1], max_length=5)
    buffer.update(0.5, 2)
    assert buffer.data[1].dtype == np.int64
    state = plain_history(buffer, 'hub')
    assert state['max_length'] == 5
    assert state['count_history'].dtype == torch.int64
    rebuilt = history_from_plain(state, 'hub')
    for ours, theirs in zip(rebuilt.data, buffer.data):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    assert rebuilt.max_length == 5
    assert rebuilt.mean(2) == buffer.mean(2)


def plain_state(**changes) -> dict:
    state = dict(
        log_history=torch.tensor([1., 2.], dtype=torch.float64),
        count_history=torch.tensor([1, 1]),
        max_length=10)
    state.update(changes)
    return {key: value for key, value in state.items() if value is not None}


@pytest.mark.parametrize('state,message', [
    (plain_state(max_length=None), 'must be a dict of exactly'),
    (plain_state(extra=1), 'must be a dict of exactly'),
    ([1., 2.], 'must be a dict of exactly'),
    (plain_state(log_history=[1., 2.]), 'not a list'),
    (plain_state(log_history=torch.ones(2, 1)), r'shape \(2, 1\)'),
    (plain_state(log_history=torch.ones(2, dtype=torch.bool)), 'torch.bool'),
    (plain_state(count_history=torch.ones(2, dtype=torch.complex64)),
     'torch.complex64'),
    (plain_state(count_history=torch.ones(3)), '2 values and 3 counts'),
    (plain_state(max_length=1), 'at most max_length'),
    (plain_state(max_length=0), 'positive int'),
    (plain_state(max_length=True), 'positive int'),
    (plain_state(max_length=10.), 'positive int'),
])
def test_history_from_plain_refuses_anything_but_numbers(
        state: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        history_from_plain(state, "x.pth: message_hub['log_scalars']['loss']")
    assert str(
        error.value).startswith("x.pth: message_hub['log_scalars']['loss']")


def test_load_names_the_checkpoint_and_leaves_history_buffers() -> None:
    runner = type('Runner', (), dict(_load_from='x.pth', work_dir='w'))
    buffer = HistoryBuffer([1.], [1])
    checkpoint = dict(
        message_hub=dict(log_scalars=dict(old=buffer, new=plain_state())))
    PlainCheckpointHook().after_load_checkpoint(runner, checkpoint)
    log_scalars = checkpoint['message_hub']['log_scalars']
    assert log_scalars['old'] is buffer
    assert type(log_scalars['new']) is HistoryBuffer
    log_scalars['new'] = plain_state(max_length=0)
    with pytest.raises(ValueError, match=r"^x\.pth: message_hub\['log_"):
        PlainCheckpointHook().after_load_checkpoint(runner, checkpoint)
    PlainCheckpointHook().after_load_checkpoint(runner, dict(state_dict={}))
