"""Fail fast when a checkpoint does not fit the model's backbone."""
from typing import Dict, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor, nn

from ...utils.state_dict_match import match_state_dict


@HOOKS.register_module()
class CheckpointMatchHook(Hook):
    """Check once per run that the backbone's checkpoint fits the backbone.

    mmengine loads ``load_from`` non-strictly, and MMAction2's backbones load
    ``model.backbone.pretrained`` non-strictly, so a checkpoint of another
    encoder only logs warnings and the run goes on from partly random
    weights. Before a training, validation or test run starts
    (``before_run``; the checkpoint is read once), this hook reads
    ``load_from`` (its ``backbone.*`` tensors) or, without ``load_from``,
    the backbone's own ``pretrained`` file (unless the backbone inflates 2-D
    weights, ``pretrained2d=True``), and stops the run unless the rule of
    :meth:`~mmprp.utils.state_dict_match.StateDictMatch.load_problems`
    holds:

    1. every backbone tensor the checkpoint gives has the model's shape;
    2. every backbone tensor the checkpoint holds has a place in the model
       (so the BN tensors of a PRP C3D are not dropped by a C3D without BN:
       export it with ``tools/export_backbone.py --fold-bn``);
    3. the backbone tensors it lacks are whole layers on top of every layer
       it fills (MMAction2's stock C3D's fc6/fc7), no layer partly filled;
    4. at least ``min_fraction`` of the backbone's tensors are filled.

    BN's ``num_batches_tracked`` is never counted. Passing loads: a PRP
    checkpoint of the same encoder (PRP configs, retrieval, the paper's and
    the stock finetune configs), a PRP C3D checkpoint into the stock C3D
    with BN (40 of its 44 tensors), a backbone-only export
    (``tools/export_backbone.py``) as ``pretrained`` of the same backbone,
    and a BN-folded export into MMAction2's C3D without BN (16 of 20).
    Resuming (``--resume``) is not checked.

    Args:
        min_fraction (float): Smallest share of the backbone's tensors the
            checkpoint must fill. Defaults to 0.75.
    """

    priority = 'VERY_HIGH'

    def __init__(self, min_fraction: float = 0.75) -> None:
        self.min_fraction = min_fraction

    def before_run(self, runner) -> None:
        """Check ``load_from`` (also the CHECKPOINT of tools/test.py).

        Raises:
            RuntimeError: If the checkpoint does not fit the backbone.
        """
        if runner._resume:
            return
        model = getattr(runner.model, 'module', runner.model)
        source = self._checkpoint_of(runner._load_from, model.backbone)
        if source is None:
            return
        name, path, prefix = source
        checkpoint = CheckpointLoader.load_checkpoint(path, 'cpu')
        state_dict: Dict[str, Tensor] = checkpoint.get('state_dict',
                                                       checkpoint)
        part = model if prefix else model.backbone
        match = match_state_dict(part, state_dict, prefix)
        problems = match.load_problems(self.min_fraction)
        if match.total and problems:
            raise RuntimeError(
                f'{name}={path} does not fit this model\'s backbone '
                f'({type(model.backbone).__name__}): {match.describe()} are '
                f'in the checkpoint with the right shape; '
                + '; '.join(problems) + '. Use a checkpoint pretrained with '
                'the same encoder config (a PRP C3D for a C3D without BN: '
                'tools/export_backbone.py --fold-bn, as '
                'model.backbone.pretrained).')

    @staticmethod
    def _checkpoint_of(load_from: Optional[str],
                       backbone: nn.Module) -> Optional[Tuple[str, str, str]]:
        """The checkpoint to check, its setting and its backbone prefix.

        Args:
            load_from (str, optional): The runner's ``load_from``.
            backbone (nn.Module): The model's backbone.

        Returns:
            tuple[str, str, str] | None: ``('load_from', path, 'backbone.')``,
            ``('model.backbone.pretrained', path, '')`` or None when the
            run loads neither.
        """
        if load_from is not None:
            return 'load_from', load_from, 'backbone.'
        pretrained = getattr(backbone, 'pretrained', None)
        inflates_2d = getattr(backbone, 'pretrained2d', False)
        if isinstance(pretrained, str) and not inflates_2d:
            return 'model.backbone.pretrained', pretrained, ''
        return None
