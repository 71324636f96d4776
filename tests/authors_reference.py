"""Test helpers for the authors' checkpoints.

The authors' models themselves are in ``benchmarks/authors_model.py``.

Random parameters and the ``nn.DataParallel`` key names of the authors'
released files, for the parity tests of
``tools/convert_authors_checkpoint.py``.
"""
from pathlib import Path

import torch
from torch import Tensor, nn


@torch.no_grad()
def randomise_(model: nn.Module, seed: int) -> nn.Module:
    """Draw every parameter and BN statistic at random, in place.

    Conv and linear weights keep a fan-in scale; biases (including the conv
    biases in front of BN) are N(0, 0.5); BN weights U(0.5, 1.5), biases
    N(0, 0.1), running means N(0, 0.5), variances U(0.5, 2) and the batch
    counters random integers.

    Args:
        model (nn.Module): The model.
        seed (int): Seed of the draw.

    Returns:
        nn.Module: ``model``.
    """
    generator = torch.Generator().manual_seed(seed)

    def draw(tensor: Tensor, low: float, high: float) -> None:
        tensor.copy_(
            torch.rand(tensor.shape, generator=generator) * (high - low) + low)

    def normal(tensor: Tensor, std: float) -> None:
        tensor.copy_(torch.randn(tensor.shape, generator=generator) * std)

    for module in model.modules():
        if isinstance(module, nn.BatchNorm3d):
            draw(module.weight, 0.5, 1.5)
            normal(module.bias, 0.1)
            normal(module.running_mean, 0.5)
            draw(module.running_var, 0.5, 2.0)
            module.num_batches_tracked.fill_(
                int(torch.randint(1, 1000, (1, ), generator=generator)))
        elif isinstance(module, (nn.Conv3d, nn.ConvTranspose3d, nn.Linear)):
            bound = (3.0 / module.weight[0].numel())**0.5
            draw(module.weight, -bound, bound)
            if module.bias is not None:
                normal(module.bias, 0.5)
    return model


def save_like_authors(model: nn.Module, path: Path) -> Path:
    """Save ``state_dict()`` under ``nn.DataParallel``: keys ``module.*``.

    Args:
        model (nn.Module): The model.
        path (Path): File to write.

    Returns:
        Path: ``path``.
    """
    torch.save(nn.DataParallel(model).state_dict(), path)
    return path
