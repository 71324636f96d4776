"""CheckpointMatchHook stops runs whose load_from holds another encoder."""
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import MODELS

from mmprp.engine import CheckpointMatchHook

C3D_PRP = dict(type='SelfSupRecognizer',
               backbone=dict(type='C3DEncoder', base_channels=4),
               rate_head=dict(type='PRPHead', num_classes=4, in_channels=32))


def runner_for(model, load_from, resume=False) -> SimpleNamespace:
    return SimpleNamespace(model=model, _load_from=load_from, _resume=resume)


def save(model, path) -> str:
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


def test_checkpoint_of_the_same_encoder_passes(tmp_path) -> None:
    pretrained = MODELS.build(C3D_PRP)
    finetune = MODELS.build(dict(
        type='Recognizer3D',
        backbone=dict(type='C3DEncoder', base_channels=4),
        cls_head=dict(type='I3DHead', num_classes=5, in_channels=32)))
    checkpoint = save(pretrained, tmp_path / 'prp.pth')
    CheckpointMatchHook().before_train(runner_for(finetune, checkpoint))


def test_checkpoint_of_another_encoder_stops_the_run(tmp_path) -> None:
    r3d = MODELS.build(dict(
        C3D_PRP, backbone=dict(type='ResNet3d', depth=18, pretrained=None,
                               base_channels=8, stage_blocks=(1, 1, 1, 1))))
    checkpoint = save(r3d, tmp_path / 'r3d.pth')
    model = MODELS.build(C3D_PRP)
    for hook_point in ('before_train', 'before_test', 'before_val'):
        with pytest.raises(RuntimeError, match=r'r3d.pth does not fit .*'
                           r'\(C3DEncoder\): only 0 of its 48 tensors'):
            getattr(CheckpointMatchHook(), hook_point)(
                runner_for(model, checkpoint))


def test_nothing_to_check_without_load_from_or_when_resuming(
        tmp_path) -> None:
    model = MODELS.build(C3D_PRP)
    CheckpointMatchHook().before_train(runner_for(model, None))
    CheckpointMatchHook().before_train(
        runner_for(model, str(tmp_path / 'absent.pth'), resume=True))
