"""Stop training at the first non-finite loss."""
import logging
import math
from typing import Dict, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import print_log

POLICIES = ('raise', 'warn')


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop (or warn) when a training iteration logs a NaN or infinite loss.

    mmengine trains on after a NaN loss: the weights become NaN, the log
    shows ``loss: nan`` and the run ends with exit status 0. After every
    training iteration this hook reads the values the model's ``train_step``
    returned (the total ``loss`` and each term, e.g. ``loss_rate``,
    ``loss_recon``, ``loss_cls``) and, if any is NaN or infinite, raises
    ``FloatingPointError`` naming the iteration, the epoch and every such
    term with its value (``on_non_finite='raise'``, the default), or logs
    the same as a warning and trains on (``'warn'``). It runs before the
    checkpoint and logger hooks of that iteration.

    Args:
        on_non_finite (str): ``'raise'`` or ``'warn'``. Defaults to
            ``'raise'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, on_non_finite: str = 'raise') -> None:
        if on_non_finite not in POLICIES:
            raise ValueError(f'NonFiniteLossHook: on_non_finite must be one '
                             f'of {POLICIES}, got {on_non_finite!r}')
        self.on_non_finite = on_non_finite

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        """Check the values of the iteration's ``train_step``.

        Args:
            runner (Runner): The runner.
            batch_idx (int): The batch's index in the epoch.
            data_batch: The batch (unused).
            outputs (dict, optional): ``train_step``'s log values.

        Raises:
            FloatingPointError: If a value is not finite and the policy is
                ``'raise'``.
        """
        bad = {
            name: value
            for name, value in (outputs or {}).items() if not _is_finite(value)
        }
        if not bad:
            return
        terms = ', '.join(f'{name}={_as_text(value)}'
                          for name, value in bad.items())
        message = (f'non-finite loss at iteration {runner.iter + 1} (epoch '
                   f'{runner.epoch + 1}, batch {batch_idx + 1}): {terms}')
        if self.on_non_finite == 'raise':
            raise FloatingPointError(
                f'{message}. Training stopped; lower the learning rate or '
                f'check the data, or set NonFiniteLossHook\'s '
                f"on_non_finite='warn' to train on")
        print_log(message, logger='current', level=logging.WARNING)


def _is_finite(value) -> bool:
    """Whether a logged value (tensor or number) is all finite."""
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    return True


def _as_text(value) -> str:
    """A logged value as text: ``'nan'``, ``'inf'``, ``'[nan, 1.0]'``."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return str(value.item() if value.numel() == 1 else value.tolist())
    return str(value)
