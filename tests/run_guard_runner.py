"""A tiny mmengine Runner for the run-guard hooks' tests."""
import itertools
from pathlib import Path
from typing import List, Optional

import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

RUN_IDS = itertools.count()


class TwoTermModel(BaseModel):
    """One linear layer, two loss terms; ``loss_b`` is NaN from a call on.

    Args:
        nan_from_call (int, optional): The 1-based training step from which
            ``loss_b`` is NaN. Defaults to None (always finite).
    """

    def __init__(self, nan_from_call: Optional[int] = None) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.nan_from_call = nan_from_call
        self.calls = 0

    def forward(self, inputs: torch.Tensor, mode: str = 'tensor'):
        outputs = self.linear(inputs)
        if mode != 'loss':
            return [outputs]
        self.calls += 1
        loss_b = outputs.abs().mean()
        if self.nan_from_call and self.calls >= self.nan_from_call:
            loss_b = loss_b * float('nan')
        return dict(loss_a=outputs.pow(2).mean(), loss_b=loss_b)


def build_runner(work_dir: Path,
                 hooks: List,
                 num_samples: int = 8,
                 batch_size: int = 2,
                 drop_last: bool = False,
                 model: Optional[BaseModel] = None,
                 max_epochs: int = 1) -> Runner:
    """A runner training ``model`` on ``num_samples`` ones, no validation.

    Args:
        work_dir (Path): The run's folder.
        hooks (list): Custom hooks.
        num_samples (int): Samples of the dataset. Defaults to 8.
        batch_size (int): Batch size. Defaults to 2.
        drop_last (bool): The loader's ``drop_last``. Defaults to False.
        model (BaseModel, optional): Defaults to a finite
            :class:`TwoTermModel`.
        max_epochs (int): Epochs. Defaults to 1.

    Returns:
        Runner: The runner.
    """
    return Runner(
        model=model or TwoTermModel(),
        work_dir=str(work_dir),
        experiment_name=f'run_guard_{next(RUN_IDS)}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2)) for _ in range(num_samples)],
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            batch_size=batch_size,
            drop_last=drop_last,
            num_workers=0),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        custom_hooks=hooks,
        default_hooks=dict(checkpoint=None),
        default_scope='mmaction',
        log_level='ERROR')
