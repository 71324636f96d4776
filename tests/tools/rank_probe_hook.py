"""Test-only hook: what each process of a distributed run saw and ended with.

Loaded with ``custom_imports=dict(imports=[..., 'rank_probe_hook'])`` (its
folder on ``PYTHONPATH``) and ``custom_hooks=[dict(type='RankProbeHook')]``.
Every rank writes ``rank_probe_<rank>.json`` into the work dir: the world
size, the normalisation layer types of the (unwrapped) model, the video file
names of each training batch (the data pipeline must keep ``filename`` in
``PackActionInputs(meta_keys=...)``), SHA-256 fingerprints of the model
parameters before and after training and whether the 5-D parameters ended
channels-last.
"""
import hashlib
import json
from pathlib import Path
from typing import Optional

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP (or other mmengine) wrapper.

    Args:
        model (nn.Module): The runner's model.

    Returns:
        nn.Module: The wrapped module, or ``model`` itself.
    """
    return model.module if is_model_wrapper(model) else model


def parameter_fingerprint(model: nn.Module) -> str:
    """SHA-256 of every parameter's name and float values, in order.

    Args:
        model (nn.Module): The model.

    Returns:
        str: Hex digest; equal digests mean bitwise-equal parameters.
    """
    digest = hashlib.sha256()
    for name, param in model.named_parameters():
        digest.update(name.encode())
        digest.update(param.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


@HOOKS.register_module()
class RankProbeHook(Hook):
    """Record per-rank batches and parameter fingerprints as JSON."""

    priority = 'LOWEST'

    def before_run(self, runner: Runner) -> None:
        """Start the record with the rank and the model's norm layers.

        Args:
            runner (Runner): The runner.
        """
        model = unwrap(runner.model)
        self.record = dict(
            rank=runner.rank,
            world_size=runner.world_size,
            norm_layers=sorted({
                type(module).__name__
                for module in model.modules()
                if isinstance(module, _BatchNorm)
            }),
            batches=[])

    def before_train(self, runner: Runner) -> None:
        """Fingerprint the parameters training starts from.

        Args:
            runner (Runner): The runner.
        """
        self.record['initial'] = parameter_fingerprint(unwrap(runner.model))

    def after_train_iter(self,
                         runner: Runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        """Record the video file names of the batch.

        Args:
            runner (Runner): The runner.
            batch_idx (int): Index of the batch in the epoch.
            data_batch (dict, optional): The collated batch.
            outputs (dict, optional): The losses.
        """
        self.record['batches'].append([
            Path(sample.metainfo['filename']).name
            for sample in data_batch['data_samples']
        ])

    def after_run(self, runner: Runner) -> None:
        """Fingerprint the final parameters and write the JSON file.

        Args:
            runner (Runner): The runner.
        """
        model = unwrap(runner.model)
        self.record['final'] = parameter_fingerprint(model)
        self.record['channels_last_3d'] = all(
            param.is_contiguous(memory_format=torch.channels_last_3d)
            for param in model.parameters() if param.dim() == 5)
        path = Path(runner.work_dir) / f'rank_probe_{runner.rank}.json'
        path.write_text(json.dumps(self.record, indent=1))
