"""Find the layer of an encoder that cannot take a clip of some shape."""
from typing import Callable, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

# Layers with a sliding window, by the number of axes they slide over
WINDOW_LAYERS = {
    nn.Conv2d: 2,
    nn.MaxPool2d: 2,
    nn.AvgPool2d: 2,
    nn.Conv3d: 3,
    nn.MaxPool3d: 3,
    nn.AvgPool3d: 3
}
FRAMES_PROBLEM = 'frames'
TOO_SMALL_PROBLEM = 'too small'


class ShapeProblem(Exception):
    """A layer's input does not fit it; ``kind`` says how."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _window_axes(layer: nn.Module) -> Optional[int]:
    """Axes the window of ``layer`` slides over; None if it has none."""
    for kind, axes in WINDOW_LAYERS.items():
        if isinstance(layer, kind):
            return axes
    return None


def _triple(value: object, axes: int) -> Tuple[int, ...]:
    return tuple(value) if isinstance(value,
                                      (tuple, list)) else (value, ) * axes


def check_layer_input(layer: nn.Module, inputs: Tuple[Tensor, ...]) -> None:
    """Raise :class:`ShapeProblem` if ``layer`` cannot take ``inputs[0]``.

    Two checks: a 2-D layer given a 5-D clip (a backbone of frames fed
    clips), and a window (dilated kernel) larger than the padded input on
    some axis.

    Args:
        layer (nn.Module): A layer of a kind of :data:`WINDOW_LAYERS`.
        inputs (tuple[Tensor]): Its positional inputs.

    Raises:
        ShapeProblem: On either problem.
    """
    axes = _window_axes(layer)
    x = inputs[0]
    name = type(layer).__name__
    if axes == 2 and x.ndim == 5:
        raise ShapeProblem(
            FRAMES_PROBLEM, f'{name} (2-D) gets a 5-D input '
            f'{tuple(x.shape)}')
    kernel = _triple(layer.kernel_size, axes)
    padding = _triple(getattr(layer, 'padding', 0), axes)
    dilation = _triple(getattr(layer, 'dilation', 1), axes)
    stride = _triple(getattr(layer, 'stride', None) or kernel, axes)
    # a ceil-mode pooling also outputs windows starting in the input
    slack = stride if getattr(layer, 'ceil_mode', False) else (1, ) * axes
    sizes = tuple(x.shape[-axes:])
    for size, k, p, d, s in zip(sizes, kernel, padding, dilation, slack):
        if isinstance(p, int) and size + 2 * p + s - 1 < d * (k - 1) + 1:
            raise ShapeProblem(
                TOO_SMALL_PROBLEM, f'{name} with kernel {kernel} gets an '
                f'input of size {sizes}')


def find_shape_problem(module: nn.Module, encode: Callable[[Tensor], object],
                       shape: Tuple[int, ...]) -> Optional[ShapeProblem]:
    """Encode a zero input of ``shape`` while checking every window layer.

    Runs in eval mode without gradients (batch norms keep their statistics)
    and restores the training mode. The zero input lies on the device of
    ``module``'s parameters (on a GPU, a CPU input would fail at the first
    layer with a device error and hide the problem).

    Args:
        module (nn.Module): The module whose layers to check (the model).
        encode (callable): Runs the encoder on a tensor.
        shape (tuple[int, ...]): The input's shape; encoded at batch 1.

    Returns:
        ShapeProblem | None: The first layer's problem, or None when every
        check passes (whatever else ``encode`` then raises).
    """
    hooks = [
        layer.register_forward_pre_hook(check_layer_input)
        for layer in module.modules() if _window_axes(layer)
    ]
    device = next(module.parameters(), torch.empty(0)).device
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            encode(torch.zeros(1, *shape[1:], device=device))
    except ShapeProblem as problem:
        return problem
    except RuntimeError:
        return None
    finally:
        module.train(training)
        for hook in hooks:
            hook.remove()
    return None
