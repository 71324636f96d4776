"""CheckpointMatchHook stops runs whose load_from holds another encoder."""
from types import SimpleNamespace

import pytest
import torch
from mmaction.registry import MODELS
from mmengine import Config
from mmengine.runner.checkpoint import CheckpointLoader

from mmprp.engine import CheckpointMatchHook
from mmprp.utils import fold_batch_norms
from helpers import REPO

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


def narrow_c3d_state_dict(base_channels: int) -> dict:
    return MODELS.build(
        dict(
            C3D_PRP,
            backbone=dict(type='C3DEncoder',
                          base_channels=base_channels))).state_dict()


def test_a_half_wrong_checkpoint_stops_the_run(tmp_path) -> None:
    # conv4a-conv5b from a wider C3D: 20 of 40 tensors right, which the
    # former rule (at least half) let through
    state_dict = narrow_c3d_state_dict(4)
    state_dict.update({
        key: value
        for key, value in narrow_c3d_state_dict(8).items()
        if key.startswith(('backbone.conv4', 'backbone.conv5'))
    })
    path = tmp_path / 'half.pth'
    torch.save(dict(state_dict=state_dict), path)
    with pytest.raises(
            RuntimeError,
            match=r'half.pth does not fit .*: 20 of 40 tensors \(other shape: '
            r'.*20 tensors have another shape \(backbone.conv4a.conv.weight: '
            r'model \(32, 16, 3, 3, 3\) vs checkpoint \(64, 32, 3, 3, 3\), '
            r'.*, \.\.\. 17 more\); only 20 of 40 tensors are filled, fewer '
            r'than 75%'):
        CheckpointMatchHook().before_run(
            runner_for(MODELS.build(C3D_PRP), str(path)))


def test_layers_missing_in_front_of_loaded_ones_stop_the_run(tmp_path) -> None:
    state_dict = {
        key: value
        for key, value in narrow_c3d_state_dict(4).items()
        if not key.startswith('backbone.conv1a')
    }
    path = tmp_path / 'no_conv1a.pth'
    torch.save(dict(state_dict=state_dict), path)
    with pytest.raises(
            RuntimeError,
            match=r'35 of 40 tensors .* 2 layers missing from the checkpoint '
            r'come before layers it fills \(only new layers on top may be '
            r'missing\): backbone.conv1a.conv, backbone.conv1a.bn\.'):
        CheckpointMatchHook().before_run(
            runner_for(MODELS.build(C3D_PRP), str(path)))


def test_a_checkpoint_of_the_first_layers_only_stops_the_run(tmp_path) -> None:
    state_dict = {
        key: value
        for key, value in narrow_c3d_state_dict(4).items()
        if not key.startswith(('backbone.conv4', 'backbone.conv5'))
    }
    path = tmp_path / 'first_layers.pth'
    torch.save(dict(state_dict=state_dict), path)
    with pytest.raises(
            RuntimeError,
            match=r'; only 20 of 40 tensors are filled, fewer than 75%\.'):
        CheckpointMatchHook().before_run(
            runner_for(MODELS.build(C3D_PRP), str(path)))


# Full-width models on the meta device (shapes only) and checkpoints served
# from memory: MMAction2's stock C3D has fixed widths.
def serve(monkeypatch, files: dict) -> None:
    monkeypatch.setattr(
        CheckpointLoader, 'load_checkpoint',
        lambda path, map_location: dict(state_dict=files[path]))


def on_meta(cfg: dict) -> torch.nn.Module:
    with torch.device('meta'):
        return MODELS.build(cfg)


def stock_c3d_recognizer(**backbone) -> torch.nn.Module:
    return on_meta(
        dict(
            type='Recognizer3D',
            backbone=dict(type='C3D', **backbone),
            cls_head=dict(type='I3DHead', num_classes=5, in_channels=4096)))


def prp_c3d_encoder_state_dict() -> dict:
    return on_meta(dict(type='C3DEncoder')).state_dict()


def test_bn_export_into_the_stock_c3d_without_bn_stops_the_run(
        monkeypatch) -> None:
    serve(monkeypatch, {'bn.pth': prp_c3d_encoder_state_dict()})
    model = stock_c3d_recognizer(pretrained='bn.pth')
    with pytest.raises(
            RuntimeError,
            match=r'model.backbone.pretrained=bn.pth does not fit this '
            r'model\'s backbone \(C3D\): 8 of 20 tensors \(missing: '
            r'conv1a.conv.bias, .*\) are in the checkpoint with the right '
            r'shape; 32 of the checkpoint\'s tensors have no place in the '
            r'model \(conv1a.bn.weight, conv1a.bn.bias, '
            r'conv1a.bn.running_mean, \.\.\. 29 more\); 8 layers are only '
            r'partly in the checkpoint \(conv1a.conv, conv2a.conv, '
            r'conv3a.conv, \.\.\. 5 more\); .*--fold-bn'):
        CheckpointMatchHook().before_run(runner_for(model, None))


def test_folded_export_into_the_stock_c3d_without_bn_passes(
        monkeypatch) -> None:
    serve(monkeypatch,
          {'folded.pth': fold_batch_norms(prp_c3d_encoder_state_dict())})
    model = stock_c3d_recognizer(pretrained='folded.pth')
    CheckpointMatchHook().before_run(runner_for(model, None))


def test_prp_checkpoint_into_the_stock_c3d(monkeypatch) -> None:
    prp = on_meta(dict(C3D_PRP, backbone=dict(type='C3DEncoder')))
    serve(monkeypatch, {'prp.pth': prp.state_dict()})
    with_bn = stock_c3d_recognizer(norm_cfg=dict(type='BN3d'))
    CheckpointMatchHook().before_run(runner_for(with_bn, 'prp.pth'))
    with pytest.raises(
            RuntimeError,
            match=r'load_from=prp.pth .*\(C3D\): 8 of 20 tensors .*32 of the '
            r'checkpoint\'s tensors have no place in the model '
            r'\(backbone.conv1a.bn.weight, '):
        CheckpointMatchHook().before_run(
            runner_for(stock_c3d_recognizer(), 'prp.pth'))


def test_inflated_2d_weights_are_not_checked(monkeypatch) -> None:
    serve(monkeypatch, {})
    model = on_meta(
        dict(
            type='Recognizer3D',
            backbone=dict(
                type='ResNet3d',
                depth=18,
                pretrained='torchvision://resnet18',
                pretrained2d=True),
            cls_head=dict(type='I3DHead', num_classes=5, in_channels=512)))
    CheckpointMatchHook().before_run(runner_for(model, None))


SHIPPED = {
    'c3d': ('finetune_c3d', 'finetune-stock_c3d', 'finetune-stock_c3d-gap'),
    'r3d': ('finetune_r3d', 'finetune-stock_r3d'),
    'r21d': ('finetune_r21d', 'finetune-stock_r21d'),
    'i3d-r50': ('finetune-stock_i3d-r50', ),
    'slowonly-r50': ('finetune-stock_slowonly-r50', ),
    'x3d-s': ('finetune-stock_x3d-s', ),
}


@pytest.mark.parametrize('encoder', sorted(SHIPPED))
def test_prp_checkpoints_fit_the_shipped_downstream_configs(
        encoder: str, monkeypatch) -> None:
    prp = on_meta(
        Config.fromfile(REPO / 'configs' / 'prp'
                        / f'prp_{encoder}_ucf101.py').model)
    serve(monkeypatch, {'prp.pth': prp.state_dict()})
    configs = [
        REPO / 'configs' / 'finetune' / f'{name}_hmdb51_split2.py'
        for name in SHIPPED[encoder]
    ] + sorted((REPO / 'configs'
                / 'retrieval').glob(f'retrieval_{encoder}_ucf101_split1.py'))
    for config in configs:
        model = on_meta(Config.fromfile(config).model)
        CheckpointMatchHook().before_run(runner_for(model, 'prp.pth'))
