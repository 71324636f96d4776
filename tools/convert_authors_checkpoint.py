"""Convert the authors' released PRP models into mmengine checkpoints.

The authors of PRP (github.com/yuanyao366/PRP, README "Model zoo") published
C3D, R3D and R(2+1)D models pretrained on UCF101 split 1. Each file is the
``state_dict()`` of their ``SSCN_OneClip`` saved under ``nn.DataParallel``
(keys ``module.base_network.*``, ``module.conv6_cls.*``, ``module.fc8.*``,
``module.conv6_rec.*``, ``module.up1`` ... ``up3.*``, ``module.up4_1.*``,
``module.outc.*``; keys without ``module.`` are accepted too). This writes
the full PRP model of ``configs/prp/prp_<arch>_ucf101.py`` (``backbone``,
``rate_head``, ``decoder``) as ``dict(meta=..., state_dict=...)``, for
``load_from``, the finetuning and retrieval configs and the visualisation
tools::

    python tools/convert_authors_checkpoint.py SRC DST --arch {c3d,r3d,r21d}

Their C3D and head convolutions in front of a BN have a bias, ours do not:
each bias ``b`` is folded into that BN's running mean (``mu - b``), exact in
eval mode; in training BN subtracts the batch mean, which cancels the bias.
A file that is not such a state dict, or of another architecture, is
refused with the keys at fault.
"""
import argparse
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Mapping

import torch
from mmaction.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn

import mmprp  # noqa: F401  (registers the models, safe checkpoint loading)
from mmprp.apis import load_config
from mmprp.utils.state_dict_match import UNCOUNTED_SUFFIX, match_state_dict

ARCHS = ('c3d', 'r3d', 'r21d')
REPO = Path(__file__).resolve().parents[1]
DATA_PARALLEL_PREFIX = 'module.'
# the authors' C3D conv names, in order, and ours
C3D_CONVS = (('conv1', 'conv1a'), ('conv2', 'conv2a'), ('conv3_1', 'conv3a'),
             ('conv3_2', 'conv3b'), ('conv4_1', 'conv4a'),
             ('conv4_2', 'conv4b'), ('conv5_1', 'conv5a'), ('conv5_2',
                                                            'conv5b'))
# a key only each architecture's encoder has: names it in error messages
SIGNATURE_KEYS = dict(
    c3d='base_network.conv1.conv3d.0.weight',
    r3d='base_network.conv1.temporal_spatial_conv.weight',
    r21d='base_network.conv1.spatial_conv.weight')


class Layout:
    """Where each of the authors' layers goes in our model.

    Attributes:
        modules (dict[str, str]): The authors' module name -> ours, for every
            module that holds tensors.
        folds (dict[str, str]): The authors' conv -> the BN right after it
            (their names), for the convs whose bias folds into that BN.
    """

    def __init__(self) -> None:
        self.modules: Dict[str, str] = {}
        self.folds: Dict[str, str] = {}

    def add(self, theirs: str, ours: str) -> None:
        """Map one module (its tensors keep their names)."""
        self.modules[theirs] = ours

    def add_conv_bn(self, theirs: str, ours: str) -> None:
        """Map the authors' ``conv3d`` block (Sequential of a conv with bias,
        BN, ReLU) onto our ``ConvModule`` (``conv`` without bias, ``bn``)."""
        self.add(f'{theirs}.0', f'{ours}.conv')
        self.add(f'{theirs}.1', f'{ours}.bn')
        self.folds[f'{theirs}.0'] = f'{theirs}.1'


def add_heads(layout: Layout) -> None:
    """The rate classifier and the decoder (the same for every encoder)."""
    layout.add_conv_bn('conv6_cls.conv3d', 'rate_head.conv')
    layout.add('fc8', 'rate_head.fc_rate')
    layout.add_conv_bn('conv6_rec.conv3d', 'decoder.conv_in')
    for index in range(3):
        block = f'decoder.up_blocks.{index}'
        layout.add(f'up{index + 1}.up3d', f'{block}.0')
        layout.add_conv_bn(f'up{index + 1}.conv3d.conv3d', f'{block}.1')
    layout.add('up4_1', 'decoder.deconv_out')
    layout.add_conv_bn('outc.conv3d', 'decoder.conv_out')


def add_resnet_conv(layout: Layout, arch: str, theirs: str, ours: str) -> None:
    """One ``SpatioTemporalConv`` of R3D (a Conv3d) or R(2+1)D (spatial
    conv, BN, temporal conv) onto ``ResNet3d``'s conv (``FactorisedConv3d``
    for R(2+1)D)."""
    if arch == 'r3d':
        layout.add(f'{theirs}.temporal_spatial_conv', ours)
        return
    layout.add(f'{theirs}.spatial_conv', f'{ours}.conv_s')
    layout.add(f'{theirs}.bn', f'{ours}.bn_s')
    layout.add(f'{theirs}.temporal_conv', f'{ours}.conv_t')


def add_resnet(layout: Layout, arch: str) -> None:
    """R3DNet / R2Plus1DNet((1, 1, 1, 1)) onto ``ResNet3d`` (one block per
    stage: their ``conv{2..5}.block1`` is our ``layer{1..4}.0``)."""
    add_resnet_conv(layout, arch, 'base_network.conv1', 'backbone.conv1.conv')
    layout.add('base_network.bn1', 'backbone.conv1.bn')
    for stage in range(1, 5):
        theirs = f'base_network.conv{stage + 1}.block1'
        ours = f'backbone.layer{stage}.0'
        convs = [('conv1', 'bn1', 'conv1'), ('conv2', 'bn2', 'conv2')]
        if stage > 1:
            convs.append(('downsampleconv', 'downsamplebn', 'downsample'))
        for conv, norm, module in convs:
            add_resnet_conv(layout, arch, f'{theirs}.{conv}',
                            f'{ours}.{module}.conv')
            layout.add(f'{theirs}.{norm}', f'{ours}.{module}.bn')


def authors_layout(arch: str) -> Layout:
    """The layout of the authors' ``SSCN_OneClip`` of one architecture.

    Args:
        arch (str): One of :data:`ARCHS`.

    Returns:
        Layout: Module names, theirs -> ours, and the biases to fold.
    """
    layout = Layout()
    if arch == 'c3d':
        for theirs, ours in C3D_CONVS:
            layout.add_conv_bn(f'base_network.{theirs}.conv3d',
                               f'backbone.{ours}')
    else:
        add_resnet(layout, arch)
    add_heads(layout)
    return layout


def strip_data_parallel(state_dict: Mapping[str, Tensor],
                        source: str) -> Dict[str, Tensor]:
    """Drop the ``module.`` prefix that ``nn.DataParallel`` adds.

    Args:
        state_dict (Mapping[str, Tensor]): The authors' state dict.
        source (str): The file, named in errors.

    Returns:
        dict[str, Tensor]: The keys without the prefix.

    Raises:
        ValueError: If only some keys have the prefix.
    """
    prefixed = [key.startswith(DATA_PARALLEL_PREFIX) for key in state_dict]
    if not any(prefixed):
        return dict(state_dict)
    if not all(prefixed):
        plain = [
            key for key in state_dict
            if not key.startswith(DATA_PARALLEL_PREFIX)
        ]
        raise ValueError(f'{source}: some keys start with "module." and some '
                         f'do not (e.g. {plain[:3]}); expected one saved '
                         'model')
    return {
        key[len(DATA_PARALLEL_PREFIX):]: value
        for key, value in state_dict.items()
    }


def describe(names: List[str], limit: int = 5) -> str:
    """The first ``limit`` names and how many more there are."""
    more = len(names) - limit
    tail = f', ... {more} more' if more > 0 else ''
    return ', '.join(names[:limit]) + tail


def looks_like(keys: Mapping[str, Tensor]) -> str:
    """What the state dict seems to be, for error messages."""
    archs = [arch for arch, key in SIGNATURE_KEYS.items() if key in keys]
    if archs:
        return (f'it looks like the authors\' {archs[0]} model: pass '
                f'--arch {archs[0]}')
    return 'it is not one of the authors\' PRP models'


def convert_state_dict(state_dict: Mapping[str, Tensor],
                       arch: str,
                       source: str = 'the state dict') -> Dict[str, Tensor]:
    """Rename the authors' tensors to ours and fold the conv biases.

    Args:
        state_dict (Mapping[str, Tensor]): The authors' ``SSCN_OneClip``
            state dict, with or without the ``module.`` prefix.
        arch (str): One of :data:`ARCHS`.
        source (str): The file, named in errors.

    Returns:
        dict[str, Tensor]: Our names (``backbone.*``, ``rate_head.*``,
        ``decoder.*``) -> tensors.

    Raises:
        ValueError: If a key has no place in our model (naming them and
            the architecture the file seems to be).
    """
    theirs = strip_data_parallel(state_dict, source)
    layout = authors_layout(arch)
    converted, unexpected = {}, []
    for key, tensor in theirs.items():
        module, _, name = key.rpartition('.')
        if module not in layout.modules:
            unexpected.append(key)
        elif not (module in layout.folds and name == 'bias'):
            converted[f'{layout.modules[module]}.{name}'] = tensor
    if unexpected:
        raise ValueError(
            f'{source} is not the authors\' PRP {arch} model: '
            f'{len(unexpected)} unexpected keys ({describe(unexpected)}); '
            f'{looks_like(theirs)}')
    for conv, norm in layout.folds.items():
        bias, mean = f'{conv}.bias', f'{layout.modules[norm]}.running_mean'
        if bias not in theirs or mean not in converted:
            continue  # nothing to fold; check_fits names a missing mean
        if theirs[bias].shape != converted[mean].shape:
            raise ValueError(
                f'{source}: {bias} has shape {tuple(theirs[bias].shape)} but '
                f'{norm}.running_mean {tuple(converted[mean].shape)}')
        converted[mean] = converted[mean] - theirs[bias]
    return converted


def check_fits(model: nn.Module, converted: Dict[str, Tensor], arch: str,
               source: str) -> None:
    """Fail unless the converted tensors fill the whole model.

    Args:
        model (nn.Module): Our PRP model.
        converted (dict[str, Tensor]): The output of
            :func:`convert_state_dict`.
        arch (str): The architecture, named in errors.
        source (str): The file, named in errors.

    Raises:
        ValueError: Naming the missing tensors, those of another shape and
            those our model does not have.
    """
    match = match_state_dict(model, converted)
    if match.matched < match.total:
        raise ValueError(f'{source} does not fill our PRP {arch} model: '
                         f'{match.describe(limit=5)}; check --arch')
    extra = sorted(set(converted) - set(model.state_dict()))
    if extra:
        raise ValueError(f'{source} has tensors our PRP {arch} model lacks: '
                         f'{describe(extra)}; check --arch')


def load_authors_state_dict(source: str) -> Dict[str, Tensor]:
    """Read one of the authors' files (weights only, on the CPU).

    Args:
        source (str): The file.

    Returns:
        dict[str, Tensor]: Its state dict.

    Raises:
        ValueError: If it holds anything but a flat name -> tensor dict.
    """
    try:
        loaded = CheckpointLoader.load_checkpoint(source, map_location='cpu')
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise ValueError(f'{source} is not a PyTorch checkpoint that holds '
                         f'only tensors: {error}') from error
    if not isinstance(loaded, Mapping):
        raise ValueError(f'{source} holds a {type(loaded).__name__}, not '
                         'the state dict of the authors\' PRP model')
    if 'state_dict' in loaded:
        raise ValueError(f'{source} is already a checkpoint with a '
                         f'"state_dict" entry (keys: {describe(list(loaded))})'
                         '; the authors\' files are bare state dicts')
    others = [
        key for key, value in loaded.items() if not isinstance(value, Tensor)
    ]
    if others:
        raise ValueError(f'{source}: entries that are not tensors '
                         f'({describe(others)}); expected the state dict of '
                         'the authors\' PRP model')
    return dict(loaded)


def convert_checkpoint(source: str, out_file: Path, arch: str) -> Path:
    """Convert one of the authors' files into our full PRP checkpoint.

    Args:
        source (str): The authors' file.
        out_file (Path): The mmengine checkpoint to write; folders are
            created.
        arch (str): One of :data:`ARCHS`.

    Returns:
        Path: ``out_file``.

    Raises:
        ValueError: If the file is not the authors' PRP model of ``arch``.
    """
    config = Path('configs') / 'prp' / f'prp_{arch}_ucf101.py'
    converted = convert_state_dict(
        load_authors_state_dict(source), arch, source)
    model = MODELS.build(load_config(REPO / config).model)
    check_fits(model, converted, arch, source)
    own = model.state_dict()
    # BN batch counters are never learned; keep ours where a file has none
    state_dict = OrderedDict((key, converted.get(key, own[key]) if key.
                              endswith(UNCOUNTED_SUFFIX) else converted[key])
                             for key in own)
    model.load_state_dict(state_dict, strict=True)
    meta = dict(
        arch=arch,
        config=str(config),
        converted_from=str(source),
        converter='tools/convert_authors_checkpoint.py')
    out_file.parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(meta=meta, state_dict=state_dict), out_file)
    return out_file


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('source', help="the authors' checkpoint file")
    parser.add_argument('out', type=Path, help='mmengine checkpoint to write')
    parser.add_argument(
        '--arch',
        required=True,
        choices=ARCHS,
        help='encoder of the file (c3d, r3d, r21d)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    try:
        convert_checkpoint(args.source, args.out, args.arch)
    except ValueError as error:
        raise SystemExit(f'convert_authors_checkpoint: {error}')
    print(f'wrote the PRP {args.arch} model of configs/prp/'
          f'prp_{args.arch}_ucf101.py to {args.out}')


if __name__ == '__main__':
    main()
