"""Readable type and shapes of a model output, for error messages."""
from torch import Tensor


def describe_output(value: object) -> str:
    """Describe a backbone or neck output by its type and tensor shapes.

    Args:
        value (object): A tensor, a tuple/list of tensors, or anything else.

    Returns:
        str: E.g. ``'a 2-D tensor of shape (1, 768)'`` or ``'a tuple of
        (1, 64, 2, 4, 4), (1, 8, 8, 4, 4)'``.
    """
    if isinstance(value, Tensor):
        return f'a {value.ndim}-D tensor of shape {tuple(value.shape)}'
    if isinstance(value, (tuple, list)):
        return f'a {type(value).__name__} of ' + ', '.join(
            str(tuple(item.shape)) if isinstance(item, Tensor) else type(item).
            __name__ for item in value)
    return f'a {type(value).__name__}'
