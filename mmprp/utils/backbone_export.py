"""Backbone-only checkpoints from PRP pretraining checkpoints."""
from collections import OrderedDict
from typing import Dict

from torch import Tensor


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
