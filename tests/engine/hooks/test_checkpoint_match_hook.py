"""CheckpointMatchHook stops runs whose load_from holds another encoder."""
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader

from mmprp.engine import CheckpointMatchHook

C3D_PRP = dict(
    type='SelfSupRecognizer',
    backbone=dict(type='C3DEncoder', base_channels=4),
    rate_head=dict(type='PRPHead', num_classes=4, in_channels=32))


def runner_for(model, load_from, resume=False) -> SimpleNamespace:
    return SimpleNamespace(model=model, _load_from=load_from, _resume=resume)


def save(model, path) -> str:
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def test_checkpoint_of_the_same_encoder_passes(tmp_path) -> None:
    pretrained = MODELS.build(C3D_PRP)
    finetune = MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(type='C3DEncoder', base_channels=4),
            cls_head=dict(type='I3DHead', num_classes=5, in_channels=32)))
    checkpoint = save(pretrained, tmp_path / 'prp.pth')
    CheckpointMatchHook().before_run(runner_for(finetune, checkpoint))


def test_checkpoint_of_another_encoder_stops_the_run(tmp_path) -> None:
    r3d = MODELS.build(
        dict(
            C3D_PRP,
            backbone=dict(
                type='ResNet3d',
                depth=18,
                pretrained=None,
                base_channels=8,
                stage_blocks=(1, 1, 1, 1))))
    checkpoint = save(r3d, tmp_path / 'r3d.pth')
    model = MODELS.build(C3D_PRP)
    with pytest.raises(
            RuntimeError,
            match=r'r3d.pth does not fit .*'
            r'\(C3DEncoder\): 0 of 40 tensors \(missing: '
            r'backbone.conv1a.conv.weight, .*, \.\.\. 37 more\)'):
        CheckpointMatchHook().before_run(runner_for(model, checkpoint))


def test_other_shapes_are_named_apart_from_missing_tensors(tmp_path) -> None:
    wider = MODELS.build(
        dict(C3D_PRP, backbone=dict(type='C3DEncoder', base_channels=8)))
    checkpoint = save(wider, tmp_path / 'wide.pth')
    with pytest.raises(
            RuntimeError,
            match=r'0 of 40 tensors \(other shape: '
            r'backbone.conv1a.conv.weight: model \(4, 3, 3, 3, 3\) '
            r'vs checkpoint \(8, 3, 3, 3, 3\)'):
        CheckpointMatchHook().before_run(
            runner_for(MODELS.build(C3D_PRP), checkpoint))


def test_the_checkpoint_is_read_once_per_run(tmp_path, monkeypatch) -> None:
    model = MODELS.build(C3D_PRP)
    checkpoint = save(model, tmp_path / 'same.pth')
    reads = []
    original = CheckpointLoader.load_checkpoint
    monkeypatch.setattr(
        CheckpointLoader, 'load_checkpoint',
        lambda *args, **kwargs: reads.append(args) or original(
            *args, **kwargs))
    hook = CheckpointMatchHook()
    runner = runner_for(model, checkpoint)
    hook.before_run(runner)
    for epoch in range(3):
        hook.before_val(runner)
        hook.after_val_epoch(runner)
    hook.before_test(runner)
    assert len(reads) == 1


def test_nothing_to_check_without_load_from_or_when_resuming(tmp_path) -> None:
    model = MODELS.build(C3D_PRP)
    CheckpointMatchHook().before_run(runner_for(model, None))
    CheckpointMatchHook().before_run(
        runner_for(model, str(tmp_path / 'absent.pth'), resume=True))
