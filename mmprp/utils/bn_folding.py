"""Fold BatchNorm layers into the convolutions in front of them.

MMCV's ``ConvModule`` names its parts ``<layer>.conv`` and ``<layer>.bn``
and, in its default order (conv -> norm -> act, the order of every MMAction2
and mmprp backbone), normalises the conv's output. In evaluation mode BN is
an affine map per channel, so conv followed by BN equals one conv with
scaled weights and a bias:

    s = gamma / sqrt(running_var + eps)
    weight' = weight * s (per output channel)
    bias' = (bias - running_mean) * s + beta    (bias = 0 without one)

The folded state dict loads into the same backbone built without norm
layers (``norm_cfg=None``, whose convs have biases), e.g. MMAction2's stock
``C3D``: keys ``conv1a.conv.weight`` and ``conv1a.conv.bias``.
"""
from collections import OrderedDict
from typing import Dict, List, Mapping

import torch
from torch import Tensor

BN_SUFFIXES = ('weight', 'bias', 'running_mean', 'running_var',
               'num_batches_tracked')
RUNNING_STATS = ('running_mean', 'running_var')


def batch_norm_layers(state_dict: Mapping[str, Tensor]) -> List[str]:
    """Names of the BatchNorm layers of a state dict, in its key order.

    A BatchNorm layer is a prefix holding both ``running_mean`` and
    ``running_var``.

    Args:
        state_dict (Mapping[str, Tensor]): A model's state dict.

    Returns:
        list[str]: Layer names such as ``'conv1a.bn'``.
    """
    layers = []
    for key in state_dict:
        layer, _, name = key.rpartition('.')
        if (name == RUNNING_STATS[0]
                and f'{layer}.{RUNNING_STATS[1]}' in state_dict):
            layers.append(layer)
    return layers


def batch_norm_keys(state_dict: Mapping[str, Tensor]) -> List[str]:
    """Every key of the state dict's BatchNorm layers, in its key order.

    Args:
        state_dict (Mapping[str, Tensor]): A model's state dict.

    Returns:
        list[str]: Keys such as ``'conv1a.bn.weight'``.
    """
    layers = set(batch_norm_layers(state_dict))
    return [
        key for key in state_dict if key.rpartition('.')[0] in layers
        and key.rpartition('.')[2] in BN_SUFFIXES
    ]


def fold_batch_norms(state_dict: Mapping[str, Tensor],
                     eps: float = 1e-5) -> 'OrderedDict[str, Tensor]':
    """Fold every ``<layer>.bn`` into the ``<layer>.conv`` in front of it.

    Each BatchNorm layer (see :func:`batch_norm_layers`) must be the ``bn``
    of a ``ConvModule``: named ``<layer>.bn`` beside a ``<layer>.conv.weight``
    whose output channels (dim 0) equal the BN's features. Its
    ``<layer>.bn.*`` tensors are dropped and ``<layer>.conv.weight`` and
    ``<layer>.conv.bias`` (added after the weight where the conv had none)
    hold the folded values; every other tensor is kept as it is. The maths
    runs in float64 and each result takes the dtype of the conv's weight.

    Only conv -> BN is folded: a BN in front of its conv (ConvModule's
    ``order=('norm', 'conv', 'act')``) is refused where its features differ
    from the conv's output channels; none of the shipped backbones has one.
    Layers that are not a ``ConvModule`` pair, such as the BN inside
    R(2+1)D's factorised convolutions (``conv.bn_s``) or a ``bn`` with no
    ``conv`` beside it (``ConvModule`` wrapping a ``FactorisedConv3d``:
    ``conv.conv_s``/``conv.conv_t``), are refused too, never skipped.

    Args:
        state_dict (Mapping[str, Tensor]): A backbone's state dict, e.g. the
            output of :func:`extract_backbone_state_dict`.
        eps (float): The BatchNorm layers' ``eps`` (a state dict does not
            hold it). Defaults to 1e-5, PyTorch's default and the value of
            every shipped config.

    Returns:
        OrderedDict[str, Tensor]: The state dict without BatchNorm layers.

    Raises:
        ValueError: If the state dict has no BatchNorm layer, or naming
            every layer that cannot be folded and why.
    """
    layers = batch_norm_layers(state_dict)
    if not layers:
        raise ValueError('there is no BatchNorm layer to fold (no key ends '
                         'with running_mean beside a running_var)')
    problems = [
        problem for problem in (_why_not_foldable(state_dict, layer)
                                for layer in layers) if problem
    ]
    if problems:
        shown = '; '.join(problems[:5])
        more = f'; ... {len(problems) - 5} more' if len(problems) > 5 else ''
        raise ValueError(
            f'cannot fold {len(problems)} of the {len(layers)} BatchNorm '
            f'layers: {shown}{more}. Folding needs MMCV ConvModule pairs '
            f'(<layer>.conv -> <layer>.bn)')
    folded = {}
    for layer in layers:
        folded.update(_fold_one(state_dict, layer[:-len('bn')], eps))
    dropped = set(batch_norm_keys(state_dict))
    result = OrderedDict()
    for key, value in state_dict.items():
        if key in dropped:
            continue
        result[key] = folded.get(key, value)
        if key in folded and key.endswith('.weight'):
            bias = key[:-len('weight')] + 'bias'
            result[bias] = folded[bias]
    return result


def _why_not_foldable(state_dict: Mapping[str, Tensor], layer: str) -> str:
    """Why a BatchNorm layer cannot be folded, or ``''`` if it can.

    Args:
        state_dict (Mapping[str, Tensor]): The state dict.
        layer (str): The BatchNorm layer's name.

    Returns:
        str: The reason, naming the layer.
    """
    module, _, name = layer.rpartition('.')
    conv_weight = f'{module}.conv.weight' if module else 'conv.weight'
    if name != 'bn':
        return (f'{layer} is not the "bn" of a ConvModule (no '
                f'<layer>.conv -> <layer>.bn pair)')
    if conv_weight not in state_dict:
        return f'no convolution {conv_weight!r} precedes {layer}'
    features = state_dict[f'{layer}.running_mean'].numel()
    channels = state_dict[conv_weight].shape[0]
    if features != channels:
        return (f'{layer} has {features} features but {conv_weight} has '
                f'{channels} output channels (is the BN in front of the '
                f'conv?)')
    return ''


def _fold_one(state_dict: Mapping[str, Tensor], prefix: str,
              eps: float) -> Dict[str, Tensor]:
    """The folded weight and bias of one ConvModule.

    Args:
        state_dict (Mapping[str, Tensor]): The state dict.
        prefix (str): The ConvModule's name with a trailing dot (or ``''``).
        eps (float): The BatchNorm's ``eps``.

    Returns:
        dict[str, Tensor]: ``<prefix>conv.weight`` and ``<prefix>conv.bias``.
    """
    weight = state_dict[f'{prefix}conv.weight']
    channels = weight.shape[0]
    as_double = dict(dtype=torch.float64, device=weight.device)
    zeros, ones = (torch.zeros(channels,
                               **as_double), torch.ones(channels, **as_double))
    gamma = state_dict.get(f'{prefix}bn.weight', ones).to(**as_double)
    beta = state_dict.get(f'{prefix}bn.bias', zeros).to(**as_double)
    bias = state_dict.get(f'{prefix}conv.bias', zeros).to(**as_double)
    mean = state_dict[f'{prefix}bn.running_mean'].to(**as_double)
    var = state_dict[f'{prefix}bn.running_var'].to(**as_double)
    scale = gamma / torch.sqrt(var + eps)
    shape = (channels, ) + (1, ) * (weight.dim() - 1)
    return {
        f'{prefix}conv.weight':
        (weight.to(**as_double) * scale.reshape(shape)).to(
            weight.dtype).contiguous(),
        f'{prefix}conv.bias': ((bias - mean) * scale + beta).to(weight.dtype)
    }
