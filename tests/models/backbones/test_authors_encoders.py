"""The R3D-18 and R(2+1)D-18 encoder configs against the authors' models.

The authors' R2Plus1DNet((1, 1, 1, 1)) and R3DNet((1, 1, 1, 1)) (rebuilt
in ``benchmarks/authors_model.py``): a 3x7x7 stride-(1, 2, 2) stem, no stem
pooling, one basic block per stage, stride 2 in T, H and W at stages 3-5,
(2+1)D middle widths from each conv's own kernel, BN eps 1e-5.
"""
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import torch
from mmaction.registry import MODELS
from mmengine import Config
from mmengine.registry import init_default_scope
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import mmprp  # noqa: F401
from mmprp.models.common import FactorisedConv3d
from benchmarks.authors_model import ConvBNReLU, build_authors_prp
from helpers import REPO

ENCODERS = REPO / 'configs' / '_base_' / 'models' / 'encoders'
# the authors' R(2+1)D PRP model, counted with their code
AUTHORS_R21D_PRP_PARAMETERS = 35_963_844
# (module, in, middle, out, kernel, stride) of every factorised conv
R21D_CONVS = [
    ('conv1', 3, 83, 64, (3, 7, 7), (1, 2, 2)),
    ('layer1.0.conv1', 64, 144, 64, (3, 3, 3), (1, 1, 1)),
    ('layer1.0.conv2', 64, 144, 64, (3, 3, 3), (1, 1, 1)),
    ('layer2.0.conv1', 64, 230, 128, (3, 3, 3), (2, 2, 2)),
    ('layer2.0.conv2', 128, 288, 128, (3, 3, 3), (1, 1, 1)),
    ('layer2.0.downsample', 64, 42, 128, (1, 1, 1), (2, 2, 2)),
    ('layer3.0.conv1', 128, 460, 256, (3, 3, 3), (2, 2, 2)),
    ('layer3.0.conv2', 256, 576, 256, (3, 3, 3), (1, 1, 1)),
    ('layer3.0.downsample', 128, 85, 256, (1, 1, 1), (2, 2, 2)),
    ('layer4.0.conv1', 256, 921, 512, (3, 3, 3), (2, 2, 2)),
    ('layer4.0.conv2', 512, 1152, 512, (3, 3, 3), (1, 1, 1)),
    ('layer4.0.downsample', 256, 170, 512, (1, 1, 1), (2, 2, 2)),
]
# input of each stage and the output map for a 3x16x112x112 clip
STAGE_INPUTS = {
    'layer1': (64, 16, 56, 56),
    'layer2': (64, 16, 56, 56),
    'layer3': (128, 8, 28, 28),
    'layer4': (256, 4, 14, 14)
}


def build_encoder(name: str) -> nn.Module:
    init_default_scope('mmaction')
    return MODELS.build(Config.fromfile(ENCODERS / f'{name}.py').encoder)


def on_meta(model: nn.Module) -> nn.Module:
    """The model on the meta device: shapes and MACs without arithmetic."""
    model = model.to('meta')
    model.eval()  # ResNet3d.train returns None
    return model


@pytest.fixture(scope='module')
def r21d() -> nn.Module:
    return build_encoder('r21d18')


def test_r21d_factorised_convs_match_the_authors(r21d: nn.Module) -> None:
    convs = [(name[:-len('.conv')], module.in_channels, module.mid_channels,
              module.out_channels, module.kernel_size, module.stride)
             for name, module in r21d.named_modules()
             if isinstance(module, FactorisedConv3d)]
    assert convs == R21D_CONVS


def test_r21d_norms_and_biases(r21d: nn.Module) -> None:
    norms = [m for m in r21d.modules() if isinstance(m, nn.BatchNorm3d)]
    assert len(norms) == 2 * len(R21D_CONVS)
    assert all(m.eps == 1e-5 and m.momentum == 0.1 for m in norms)
    assert all(m.bias is None for m in r21d.modules()
               if isinstance(m, nn.Conv3d))


def test_r21d_runs_stage_2_at_56x56_and_ends_at_512x2x7x7(
        r21d: nn.Module) -> None:
    model = on_meta(build_encoder('r21d18'))
    seen: Dict[str, Tuple[int, ...]] = {}
    for name in STAGE_INPUTS:
        getattr(model, name).register_forward_pre_hook(
            lambda module, args, name=name: seen.update(
                {name: tuple(args[0].shape[1:])}))
    out = model(torch.empty(1, 3, 16, 112, 112, device='meta'))
    assert seen == STAGE_INPUTS
    assert out.shape == (1, 512, 2, 7, 7)


def test_r21d_output_on_a_small_clip(r21d: nn.Module) -> None:
    r21d.eval()
    with torch.no_grad():
        out = r21d(torch.rand(2, 3, 8, 32, 32))
    assert out.shape == (2, 512, 1, 2, 2)


@pytest.mark.parametrize('name,giga_macs', [('r21d18', 21.4), ('r3d18', 19.9)])
def test_macs_per_clip(name: str, giga_macs: float) -> None:
    model = on_meta(build_encoder(name))
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, 3, 16, 112, 112, device='meta'))
    assert counter.get_total_flops() / 2e9 == pytest.approx(
        giga_macs, abs=0.05)


def dropped_biases(authors: nn.Module) -> int:
    """Biases of the authors' convs in front of BN (folded by converting)."""
    return sum(block.conv3d[0].bias.numel() for block in authors.modules()
               if isinstance(block, ConvBNReLU))


@pytest.mark.parametrize('arch', ['c3d', 'r3d', 'r21d'])
def test_prp_model_parameters_match_the_authors(arch: str) -> None:
    init_default_scope('mmaction')
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / f'prp_{arch}_ucf101.py')
    ours = sum(p.numel() for p in MODELS.build(cfg.model).parameters())
    authors = build_authors_prp(arch)
    theirs = sum(p.numel() for p in authors.parameters())
    # our conv -> BN layers have no bias; everything else is the same
    assert ours + dropped_biases(authors) == theirs
    assert abs(ours - theirs) / theirs < 5e-4
    if arch == 'r21d':
        assert theirs == AUTHORS_R21D_PRP_PARAMETERS
        assert ours == 35_962_369


def r21d_configs() -> List[Path]:
    return sorted(
        path for path in (REPO / 'configs').rglob('*r21d*.py')
        if '_base_' not in path.parts)


def test_every_r21d_config_uses_the_authors_encoder() -> None:
    paths = r21d_configs()
    assert len(paths) >= 15  # prp, finetune and retrieval configs
    for path in paths:
        backbone = Config.fromfile(path).model.backbone
        assert backbone.type == 'ResNet3d', path
        assert backbone.conv_cfg == dict(type='FactorisedConv3d'), path
        assert backbone.with_pool1 is False, path
        assert backbone.stage_blocks == (1, 1, 1, 1), path
        assert backbone.spatial_strides == (1, 2, 2, 2), path
