"""Backbone-only checkpoints from PRP pretraining checkpoints."""
from collections import OrderedDict
from typing import Dict, Mapping

from torch import Tensor

from .bn_folding import batch_norm_keys


def extract_backbone_state_dict(
        checkpoint: Dict,
        prefix: str = 'backbone.') -> 'OrderedDict[str, Tensor]':
    """Keep the encoder weights of a checkpoint, without their prefix.

    The result loads into an MMAction2 backbone on its own, e.g. through
    ``model.backbone.pretrained=<file>`` of a finetuning config.

    Args:
        checkpoint (dict): An mmengine checkpoint (with ``state_dict``) or a
            bare state dict.
        prefix (str): Prefix of the encoder's keys. Defaults to
            ``'backbone.'``.

    Returns:
        OrderedDict[str, Tensor]: The encoder's tensors keyed without
        ``prefix``.

    Raises:
        ValueError: If no key starts with ``prefix``.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    backbone = OrderedDict((key[len(prefix):], value)
                           for key, value in state_dict.items()
                           if key.startswith(prefix))
    if not backbone:
        found = sorted({key.split('.')[0] for key in state_dict})
        raise ValueError(f'no "{prefix}*" weights in the checkpoint; its '
                         f'top-level keys are {found}')
    return backbone


def no_bn_target_warning(backbone: Mapping[str, Tensor],
                         shown: int = 3) -> str:
    """What a backbone without BatchNorm would not load from this export.

    MMAction2's stock ``C3D`` (``norm_cfg=None``, as in its
    ``c3d_sports1m`` configs) loads ``model.backbone.pretrained``
    non-strictly: it takes the conv weights of a BN backbone, drops every BN
    tensor with a log line, and runs the convolutions without the
    normalisation they were trained with.

    Args:
        backbone (Mapping[str, Tensor]): The exported state dict.
        shown (int): Keys named before the count. Defaults to 3.

    Returns:
        str: A warning naming the first BN keys and their count, ``''`` for
        a backbone without BatchNorm layers.
    """
    keys = batch_norm_keys(backbone)
    if not keys:
        return ''
    more = f', ... ({len(keys)} in all)' if len(keys) > shown else ''
    return (f'warning: a backbone without BatchNorm (e.g. MMAction2\'s stock '
            f'C3D, norm_cfg=None) will not load the {len(keys)} BatchNorm '
            f'tensors of this export ({", ".join(keys[:shown])}{more}) and '
            f'would run the convolutions without the normalisation they '
            f'were trained with. Load it into a backbone with BN (e.g. '
            f'configs/finetune/finetune-stock_c3d_*: norm_cfg=BN3d), or '
            f'export with --fold-bn for one without')
