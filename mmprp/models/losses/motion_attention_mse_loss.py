"""Motion-attention regularised MSE (m-MSE) over the real target frames."""
from typing import Optional

import torch.nn as nn
from mmaction.registry import MODELS
from torch import Tensor


def _check_same_shape(name: str, tensor: Tensor, expected: Tensor) -> None:
    """Raise if ``tensor`` does not have ``expected``'s shape.

    Args:
        name (str): Name of ``tensor`` in the error message.
        tensor (Tensor): The tensor to check.
        expected (Tensor): The reference tensor (the target).

    Raises:
        ValueError: On a shape mismatch, naming both shapes.
    """
    if tensor.shape != expected.shape:
        raise ValueError(f'{name} shape {tuple(tensor.shape)} does not match '
                         f'target shape {tuple(expected.shape)}')


@MODELS.register_module()
class MotionAttentionMSELoss(nn.Module):
    """m-MSE: attention-weighted squared error averaged over valid frames.

    Per sample: ``sum_{valid t} M * (target - pred)^2`` divided by
    ``C * num_valid_frames * H * W`` (a plain mean over the pixels of the
    real frames, not normalised by the sum of ``M``); then the mean over the
    batch (or each sample's, with ``reduction='none'``), times
    ``loss_weight``. A sample without valid frames contributes 0.

    Args:
        loss_weight (float): Factor applied to the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                pred: Tensor,
                target: Tensor,
                frame_valid: Tensor,
                attention: Optional[Tensor] = None,
                reduction: str = 'mean') -> Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Reconstruction, shape (N, C, T, H, W).
            target (Tensor): Ground-truth frames, shape (N, C, T, H, W).
            frame_valid (Tensor): Bool mask of real (not interpolated) target
                frames, shape (N, T).
            attention (Tensor, optional): Motion attention ``M``, shape
                (N, C, T, H, W). None means ``M = 1`` (plain MSE).
            reduction (str): ``'mean'`` over the batch or ``'none'``.
                Defaults to ``'mean'``.

        Returns:
            Tensor: Scalar loss, or (N,) per-sample losses for ``'none'``.

        Raises:
            ValueError: If the shapes of the inputs do not agree or
                ``reduction`` is neither ``'mean'`` nor ``'none'``.
        """
        _check_same_shape('pred', pred, target)
        if attention is not None:
            _check_same_shape('attention', attention, target)
        n, c, t, h, w = target.shape
        if frame_valid.shape != (n, t):
            raise ValueError(f'frame_valid shape {tuple(frame_valid.shape)} '
                             f'does not match (N, T)={(n, t)} of target '
                             f'shape {tuple(target.shape)}')
        error = (target - pred).square()
        if attention is not None:
            error = error * attention
        valid = frame_valid.bool()
        per_frame = error.sum(dim=(1, 3, 4))  # (N, T)
        per_sample = per_frame.masked_fill(~valid, 0.0).sum(dim=1)
        num_pixels = valid.sum(dim=1).clamp(min=1) * (c * h * w)
        losses = per_sample / num_pixels
        if reduction == 'none':
            return self.loss_weight * losses
        if reduction != 'mean':
            raise ValueError(f"reduction must be 'mean' or 'none', got "
                             f'{reduction!r}')
        return self.loss_weight * losses.mean()
