"""Fail fast when ``load_from`` names a checkpoint of another encoder."""
from typing import Dict, List, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader
from torch import nn


def backbone_match(model: nn.Module, state_dict: Dict) -> Tuple[int, int,
                                                                List[str]]:
    """Count the backbone tensors of ``model`` that a state dict provides.

    A tensor matches when the state dict has its name (``backbone.*``) and
    shape.

    Args:
        model (nn.Module): The model (unwrapped).
        state_dict (dict): The checkpoint's state dict.

    Returns:
        tuple: (matched, total, some unmatched names).
    """
    own = {name: tensor for name, tensor in model.state_dict().items()
           if name.startswith('backbone.')}
    unmatched = [name for name, tensor in own.items()
                 if name not in state_dict
                 or state_dict[name].shape != tensor.shape]
    return len(own) - len(unmatched), len(own), unmatched[:3]


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Check that ``load_from`` fits the model's backbone before running.

    mmengine loads ``load_from`` non-strictly, so a checkpoint of another
    encoder (say R3D for a C3D config) only logs warnings and the run goes on
    from random weights. This hook stops it instead when less than
    ``min_fraction`` of the backbone's tensors are found in the checkpoint
    with the right shape. Resuming (``--resume``) is not checked.

    Args:
        min_fraction (float): Smallest acceptable share of backbone tensors
            found in the checkpoint. Defaults to 0.5 (a PRP C3D checkpoint
            gives the stock C3D 48 of its 52 tensors: all but fc6/fc7).
    """

    priority = 'VERY_HIGH'

    def __init__(self, min_fraction: float = 0.5) -> None:
        self.min_fraction = min_fraction

    def before_train(self, runner) -> None:
        """Check ``load_from`` before training."""
        self._check(runner)

    def before_test(self, runner) -> None:
        """Check ``load_from`` (the CHECKPOINT of tools/test.py)."""
        self._check(runner)

    def before_val(self, runner) -> None:
        """Check ``load_from`` before a stand-alone validation."""
        self._check(runner)

    def _check(self, runner) -> None:
        load_from = runner._load_from
        if load_from is None or runner._resume:
            return
        checkpoint = CheckpointLoader.load_checkpoint(load_from, 'cpu')
        state_dict = checkpoint.get('state_dict', checkpoint)
        model = getattr(runner.model, 'module', runner.model)
        matched, total, unmatched = backbone_match(model, state_dict)
        if total and matched < self.min_fraction * total:
            found = sorted({key.rsplit('.', 2)[0] for key in state_dict
                            if key.startswith('backbone.')})[:3]
            raise RuntimeError(
                f'load_from={load_from} does not fit this model\'s backbone '
                f'({type(model.backbone).__name__}): only {matched} of its '
                f'{total} tensors are in the checkpoint with the right shape '
                f'(missing e.g. {unmatched}; the checkpoint has e.g. '
                f'{found}). Use a checkpoint pretrained with the same '
                f'encoder config.')
