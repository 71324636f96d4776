"""tools/convert_authors_checkpoint.py against the authors' models.

Each architecture's model is rebuilt from the authors' layer lists
(``benchmarks/authors_model.py``), every weight, bias and BN statistic drawn
at random, and saved as they saved theirs (``nn.DataParallel``'s
``state_dict()``). The converted checkpoint must give our PRP model the same
encoder map, rate logits and reconstruction on the same clip.
"""
import sys
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

import pytest
import torch
from authors_reference import randomise_, save_like_authors
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn

from mmprp.apis import build_model, load_config
from benchmarks.authors_model import build_authors_prp
from helpers import REPO, assert_load_weights_only, load_tool, run_command

ARCHS = ('c3d', 'r3d', 'r21d')
PARTS = ('backbone', 'rate_head', 'decoder')
# a small clip: every layer still runs (the encoder map is 512x2x3x3)
CLIP_SHAPE = (1, 3, 16, 48, 48)
# downstream configs (file name prefix) of each architecture (the
# stock-C3D finetuning config adds fc6/fc7, which PRP never trains)
DOWNSTREAM_ENCODERS = {
    'finetune': dict(c3d='c3d', r3d='r3d', r21d='r21d'),
    'finetune-stock': dict(c3d='c3d-gap', r3d='r3d', r21d='r21d'),
    'retrieval': dict(c3d='c3d', r3d='r3d', r21d='r21d')
}


class Converted(NamedTuple):
    arch: str
    authors: nn.Module
    source: Path
    out: Path


@pytest.fixture(scope='module')
def tool() -> ModuleType:
    return load_tool('convert_authors_checkpoint')


@pytest.fixture(scope='module', params=ARCHS)
def converted(request, tool: ModuleType,
              tmp_path_factory: pytest.TempPathFactory) -> Converted:
    arch = request.param
    folder = tmp_path_factory.mktemp(arch)
    authors = randomise_(build_authors_prp(arch), seed=ARCHS.index(arch))
    source = save_like_authors(authors, folder / f'prp_{arch}_authors.pth')
    out = tool.convert_checkpoint(str(source), folder / 'converted.pth', arch)
    return Converted(arch, authors.eval(), source, out)


def relative_error(ours: Tensor, theirs: Tensor) -> float:
    assert ours.shape == theirs.shape
    return float((ours - theirs).abs().max() / theirs.abs().max())


def prp_model(arch: str, checkpoint: Path) -> nn.Module:
    cfg = load_config(REPO / 'configs' / 'prp' / f'prp_{arch}_ucf101.py')
    return build_model(cfg, checkpoint, required=PARTS)


def test_same_map_logits_and_reconstruction(converted: Converted) -> None:
    model = prp_model(converted.arch, converted.out)
    clip = torch.rand(CLIP_SHAPE, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        their_map = converted.authors.base_network(clip)
        their_recon, their_logits = converted.authors(clip)
        our_map = model.backbone(clip)
        our_logits = model.rate_head(our_map)
        our_recon = model.decoder(our_map)
    assert our_map.shape == (1, 512, 2, 3, 3)
    assert our_recon.shape == (1, 3, 32, 48, 48)
    assert relative_error(our_map, their_map) < 1e-4
    assert relative_error(our_logits, their_logits) < 1e-4
    assert relative_error(our_recon, their_recon) < 1e-4


def test_checkpoint_layout(converted: Converted) -> None:
    checkpoint = CheckpointLoader.load_checkpoint(str(converted.out), 'cpu')
    assert checkpoint['meta'] == dict(
        arch=converted.arch,
        config=f'configs/prp/prp_{converted.arch}_ucf101.py',
        converted_from=str(converted.source),
        converter='tools/convert_authors_checkpoint.py')
    parts = {key.split('.')[0] for key in checkpoint['state_dict']}
    assert parts == set(PARTS)
    theirs = converted.authors.state_dict()
    ours = checkpoint['state_dict']
    # copied as is: the rate layer and the last deconvolution
    assert torch.equal(ours['rate_head.fc_rate.weight'], theirs['fc8.weight'])
    assert torch.equal(ours['decoder.deconv_out.bias'], theirs['up4_1.bias'])
    # folded: the conv bias in front of BN moves into the running mean
    assert torch.equal(
        ours['decoder.conv_out.bn.running_mean'],
        theirs['outc.conv3d.1.running_mean'] - theirs['outc.conv3d.0.bias'])
    assert 'decoder.conv_out.conv.bias' not in ours


@pytest.mark.parametrize('kind', list(DOWNSTREAM_ENCODERS))
def test_loads_into_downstream_configs(converted: Converted,
                                       kind: str) -> None:
    encoder = DOWNSTREAM_ENCODERS[kind][converted.arch]
    folder = kind.split('-')[0]
    cfg = load_config(REPO / 'configs' / folder
                      / f'{kind}_{encoder}_ucf101_split1.py')
    model = build_model(cfg, converted.out)  # requires the whole backbone
    ours = CheckpointLoader.load_checkpoint(str(converted.out),
                                            'cpu')['state_dict']
    for name, tensor in model.backbone.state_dict().items():
        assert torch.equal(tensor, ours[f'backbone.{name}']), name


def test_keys_without_data_parallel_prefix(converted: Converted,
                                           tool: ModuleType) -> None:
    state_dict = converted.authors.state_dict()
    prefixed = {f'module.{key}': value for key, value in state_dict.items()}
    plain = tool.convert_state_dict(state_dict, converted.arch)
    assert plain.keys() == tool.convert_state_dict(prefixed,
                                                   converted.arch).keys()
    assert all(
        torch.equal(plain[key], value) for key, value in
        tool.convert_state_dict(prefixed, converted.arch).items())


def test_refuses_another_architecture(converted: Converted, tool: ModuleType,
                                      tmp_path) -> None:
    other = ARCHS[(ARCHS.index(converted.arch) + 1) % len(ARCHS)]
    with pytest.raises(ValueError) as error:
        tool.convert_checkpoint(
            str(converted.source), tmp_path / 'x.pth', other)
    message = str(error.value)
    assert f"is not the authors' PRP {other} model" in message
    assert 'unexpected keys (base_network.' in message
    assert f'pass --arch {converted.arch}' in message
    assert not (tmp_path / 'x.pth').exists()


def test_c3d_folded_bias_is_exact_in_training(tool: ModuleType) -> None:
    model = randomise_(build_authors_prp('c3d'), seed=5)
    converted = tool.convert_state_dict(model.state_dict(), 'c3d')
    authors = model.base_network
    cfg = load_config(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    ours = build_model(cfg).backbone
    ours.load_state_dict({
        key[len('backbone.'):]: value
        for key, value in converted.items() if key.startswith('backbone.')
    })
    authors.train()
    ours.train()
    clips = torch.rand(
        (2, ) + CLIP_SHAPE[1:], generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert relative_error(ours(clips), authors(clips)) < 1e-4
    # the running means stay "theirs minus the bias" after the update
    assert torch.allclose(
        ours.conv1a.bn.running_mean,
        authors.conv1.conv3d[1].running_mean - authors.conv1.conv3d[0].bias,
        atol=1e-5)


def test_refuses_missing_tensors(tool: ModuleType, tmp_path) -> None:
    state_dict = build_authors_prp('r3d').state_dict()
    del state_dict['fc8.weight']
    torch.save(state_dict, tmp_path / 'partial.pth')
    with pytest.raises(
            ValueError,
            match=r'does not fill our PRP r3d model: '
            r'.*missing: rate_head\.fc_rate\.weight'):
        tool.convert_checkpoint(
            str(tmp_path / 'partial.pth'), tmp_path / 'out.pth', 'r3d')


def test_files_without_bn_counters(tool: ModuleType, tmp_path) -> None:
    state_dict = {
        key: value
        for key, value in build_authors_prp('r3d').state_dict().items()
        if not key.endswith('num_batches_tracked')
    }
    torch.save(state_dict, tmp_path / 'no_counters.pth')
    out = tool.convert_checkpoint(
        str(tmp_path / 'no_counters.pth'), tmp_path / 'out.pth', 'r3d')
    ours = CheckpointLoader.load_checkpoint(str(out), 'cpu')['state_dict']
    assert int(ours['backbone.conv1.bn.num_batches_tracked']) == 0
    assert torch.equal(ours['backbone.conv1.bn.running_var'],
                       state_dict['base_network.bn1.running_var'])


def test_refuses_tensors_our_model_lacks(tool: ModuleType, tmp_path) -> None:
    state_dict = build_authors_prp('r3d').state_dict()
    state_dict['fc8.scale'] = torch.ones(4)
    torch.save(state_dict, tmp_path / 'extra.pth')
    with pytest.raises(
            ValueError,
            match=r'has tensors our PRP r3d model '
            r'lacks: rate_head\.fc_rate\.scale'):
        tool.convert_checkpoint(
            str(tmp_path / 'extra.pth'), tmp_path / 'out.pth', 'r3d')


def test_refuses_what_is_not_an_authors_state_dict(tool: ModuleType,
                                                   tmp_path) -> None:
    mmengine_style = tmp_path / 'mmengine.pth'
    torch.save(dict(meta={}, state_dict={}), mmengine_style)
    with pytest.raises(
            ValueError, match='already a checkpoint with a '
            '"state_dict" entry'):
        tool.load_authors_state_dict(str(mmengine_style))
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint at all')
    with pytest.raises(ValueError, match='is not a PyTorch checkpoint'):
        tool.load_authors_state_dict(str(garbage))
    mixed = {
        'module.fc8.weight': torch.ones(4, 512),
        'fc8.bias': torch.ones(4)
    }
    with pytest.raises(ValueError, match='some keys start with "module."'):
        tool.convert_state_dict(mixed, 'c3d', 'mixed.pth')


@pytest.mark.slow
def test_command_line(tool: ModuleType, tmp_path, python, monkeypatch) -> None:
    source = tmp_path / 'r21d_authors.pth'
    torch.save(build_authors_prp('r21d').state_dict(), source)
    out = tmp_path / 'out' / 'prp_r21d.pth'
    result = run_command([
        python, REPO / 'tools' / 'convert_authors_checkpoint.py', source, out,
        '--arch', 'r21d'
    ],
                         cwd=tmp_path)
    assert f'to {out}' in result.stdout
    assert_load_weights_only([out], tmp_path)
    # the refusal through the same main() in this process: a SystemExit
    # with a message is printed to stderr with exit status 1
    refused = tmp_path / 'refused.pth'
    monkeypatch.setattr(sys, 'argv', [
        'convert_authors_checkpoint.py',
        str(source),
        str(refused), '--arch', 'c3d'
    ])
    with pytest.raises(SystemExit) as error:
        tool.main()
    assert isinstance(error.value.code, str)
    assert error.value.code.startswith('convert_authors_checkpoint: ')
    assert 'pass --arch r21d' in error.value.code
    assert not refused.exists()
