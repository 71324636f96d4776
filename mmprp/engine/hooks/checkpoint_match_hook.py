"""Fail fast when ``load_from`` names a checkpoint of another encoder."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader

from ...utils.state_dict_match import match_state_dict


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Check once per run that ``load_from`` fits the model's backbone.

    mmengine loads ``load_from`` non-strictly, so a checkpoint of another
    encoder (say R3D for a C3D config) only logs warnings and the run goes on
    from random weights. Before a training, validation or test run starts
    (``before_run``; the checkpoint is read once), this hook stops it instead
    when less than ``min_fraction`` of the backbone's tensors (BN's
    ``num_batches_tracked`` not counted) are in the checkpoint with the
    right shape. Resuming (``--resume``) is not checked.

    Args:
        min_fraction (float): Smallest acceptable share of backbone tensors
            found in the checkpoint. Defaults to 0.5 (a PRP C3D checkpoint
            gives the stock C3D 40 of its 44 tensors: all but fc6/fc7).
    """

    priority = 'VERY_HIGH'

    def __init__(self, min_fraction: float = 0.5) -> None:
        self.min_fraction = min_fraction

    def before_run(self, runner) -> None:
        """Check ``load_from`` (also the CHECKPOINT of tools/test.py).

        Raises:
            RuntimeError: If the checkpoint does not fit the backbone.
        """
        load_from = runner._load_from
        if load_from is None or runner._resume:
            return
        checkpoint = CheckpointLoader.load_checkpoint(load_from, 'cpu')
        state_dict = checkpoint.get('state_dict', checkpoint)
        model = getattr(runner.model, 'module', runner.model)
        match = match_state_dict(model, state_dict, 'backbone.')
        if match.total and match.matched < self.min_fraction * match.total:
            found = sorted({
                key.rsplit('.', 2)[0]
                for key in state_dict if key.startswith('backbone.')
            })[:3]
            raise RuntimeError(
                f'load_from={load_from} does not fit this model\'s backbone '
                f'({type(model.backbone).__name__}): {match.describe()} are '
                f'in the checkpoint with the right shape (the checkpoint has '
                f'e.g. {found}). Use a checkpoint pretrained with the same '
                f'encoder config.')
