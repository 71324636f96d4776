"""tools/random_init_checkpoint.py and tools/export_backbone.py."""
import runpy
import sys

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader

from helpers import (REPO, assert_load_weights_only, randomise_batch_norms,
                     run_command)


def run_in_process(monkeypatch, tool: str, *args) -> None:
    """Run ``tools/<tool>`` with ``args`` in this process (the command
    lines' own processes are started once each, in the slow test)."""
    monkeypatch.setattr(sys, 'argv', [tool, *map(str, args)])
    runpy.run_path(str(REPO / 'tools' / tool), run_name='__main__')


def export_in_process(monkeypatch, *args) -> None:
    """Run tools/export_backbone.py with ``args`` in this process."""
    run_in_process(monkeypatch, 'export_backbone.py', *args)


@pytest.mark.slow
def test_random_init_then_export_backbone(tmp_path, python) -> None:
    repo = REPO
    full = tmp_path / 'random_init.pth'
    result = run_command([
        python, repo / 'tools' / 'random_init_checkpoint.py',
        repo / 'demo' / 'configs' / 'prp_c3d_demo.py', full, '--seed', '3'
    ],
                         cwd=tmp_path)
    assert 'seed 3' in result.stdout
    checkpoint = CheckpointLoader.load_checkpoint(str(full), 'cpu')
    assert checkpoint['meta']['random_init'] is True
    keys = checkpoint['state_dict'].keys()
    assert {key.split('.')[0]
            for key in keys} == {'backbone', 'rate_head', 'decoder'}

    exported = tmp_path / 'backbone.pth'
    result = run_command(
        [python, repo / 'tools' / 'export_backbone.py', full, exported],
        cwd=tmp_path)
    assert 'wrote 48 backbone tensors' in result.stdout
    assert ('a backbone without BatchNorm (e.g. MMAction2\'s stock C3D, '
            'norm_cfg=None) will not load the 40 BatchNorm tensors of this '
            'export (conv1a.bn.weight, ') in result.stderr
    assert 'export with --fold-bn' in result.stderr
    backbone = CheckpointLoader.load_checkpoint(str(exported), 'cpu')
    encoder = MODELS.build(dict(type='C3DEncoder', base_channels=8))
    encoder.load_state_dict(backbone['state_dict'], strict=True)
    for name, tensor in encoder.state_dict().items():
        assert torch.equal(tensor,
                           checkpoint['state_dict'][f'backbone.{name}'])
    assert_load_weights_only([full, exported], tmp_path)


def test_export_writes_numpy_meta_as_plain_data(tmp_path, monkeypatch) -> None:
    source = tmp_path / 'numpy_meta.pth'
    meta = dict(best=np.float64(0.5), sigmas=np.array([0.5, 1.]))
    torch.save(
        dict(meta=meta, state_dict={'backbone.conv.weight': torch.ones(1)}),
        source)
    exported = tmp_path / 'backbone.pth'
    export_in_process(monkeypatch, source, exported)
    assert_load_weights_only([exported], tmp_path)
    meta = CheckpointLoader.load_checkpoint(str(exported), 'cpu')['meta']
    assert meta['best'] == 0.5 and meta['sigmas'].tolist() == [0.5, 1.]


def test_export_names_what_is_missing(tmp_path, monkeypatch) -> None:
    path = tmp_path / 'head_only.pth'
    torch.save(dict(state_dict={'cls_head.fc.weight': torch.ones(1)}), path)
    # a SystemExit with a message: printed to stderr, exit status 1
    with pytest.raises(SystemExit) as refused:
        export_in_process(monkeypatch, path, tmp_path / 'out.pth')
    assert isinstance(refused.value.code, str)
    assert 'no "backbone.*" weights' in refused.value.code
    assert "['cls_head']" in refused.value.code
    assert not (tmp_path / 'out.pth').exists()


def test_random_init_applies_cfg_options(tmp_path, monkeypatch) -> None:
    out = tmp_path / 'narrow.pth'
    run_in_process(monkeypatch, 'random_init_checkpoint.py',
                   REPO / 'demo' / 'configs' / 'prp_c3d_demo.py', out,
                   '--cfg-options', 'model.backbone.base_channels=4')
    state_dict = CheckpointLoader.load_checkpoint(str(out),
                                                  'cpu')['state_dict']
    assert state_dict['backbone.conv1a.conv.weight'].shape == (4, 3, 3, 3, 3)


def test_fold_bn_export_loads_into_an_encoder_without_bn(
        tmp_path, monkeypatch, capsys, narrow_prp_cfg) -> None:
    torch.manual_seed(0)
    model = MODELS.build(narrow_prp_cfg)
    randomise_batch_norms(model.backbone)
    checkpoint = tmp_path / 'prp.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    exported = tmp_path / 'folded.pth'
    export_in_process(monkeypatch, checkpoint, exported, '--fold-bn')
    printed = capsys.readouterr()
    assert ('wrote 16 backbone tensors (BatchNorm folded into the convs)'
            in printed.out)
    assert 'will not load' not in printed.err
    folded = CheckpointLoader.load_checkpoint(str(exported), 'cpu')
    assert folded['meta']['bn_folded'] is True
    encoder = MODELS.build(
        dict(type='C3DEncoder', base_channels=4, norm_cfg=None)).eval()
    encoder.load_state_dict(folded['state_dict'], strict=True)
    clips = torch.randn(1, 3, 16, 32, 32)
    with torch.no_grad():
        expected = model.backbone(clips)
        error = (encoder(clips) - expected).abs().max()
    assert error <= 1e-5 * expected.abs().max()


def test_fold_bn_refuses_factorised_convolutions(tmp_path,
                                                 monkeypatch) -> None:
    r21d = MODELS.build(
        dict(
            type='ResNet3d',
            depth=18,
            base_channels=4,
            stage_blocks=(1, 1, 1, 1),
            pretrained=None,
            conv_cfg=dict(type='FactorisedConv3d')))
    checkpoint = tmp_path / 'r21d.pth'
    torch.save(
        dict(state_dict={
            f'backbone.{key}': value
            for key, value in r21d.state_dict().items()
        }), checkpoint)
    with pytest.raises(SystemExit) as refused:
        export_in_process(monkeypatch, checkpoint, tmp_path / 'out.pth',
                          '--fold-bn')
    assert str(refused.value).startswith(
        f'export_backbone: {checkpoint}: cannot fold 24 of the 24 BatchNorm '
        'layers: conv1.conv.bn_s is not the "bn" of a ConvModule')
    assert not (tmp_path / 'out.pth').exists()
