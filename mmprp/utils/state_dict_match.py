"""How much of a model a checkpoint's state dict fills."""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

from torch import Tensor, nn

# BN's step counter: never a learned value, and absent from some exports.
UNCOUNTED_SUFFIX = 'num_batches_tracked'


@dataclass
class StateDictMatch:
    """The tensors of a model part that a state dict fills.

    Attributes:
        total (int): Tensors of the part (without ``num_batches_tracked``).
        missing (list[str]): Names the state dict lacks.
        wrong_shape (list[str]): Names it has with another shape, each as
            ``'name: model (shape) vs checkpoint (shape)'``.
    """

    total: int
    missing: List[str] = field(default_factory=list)
    wrong_shape: List[str] = field(default_factory=list)

    @property
    def matched(self) -> int:
        """int: Tensors found with the model's shape."""
        return self.total - len(self.missing) - len(self.wrong_shape)

    def describe(self, limit: int = 3) -> str:
        """``'N of M tensors'`` and the first unmatched names of each kind.

        Args:
            limit (int): Names shown per kind. Defaults to 3.

        Returns:
            str: E.g. ``'0 of 48 tensors (missing: a, b, c, ... 45 more)'``.
        """
        parts = []
        for kind, names in (('missing', self.missing), ('other shape',
                                                        self.wrong_shape)):
            if names:
                shown = ', '.join(names[:limit])
                more = len(names) - limit
                parts.append(f'{kind}: {shown}'
                             + (f', ... {more} more' if more > 0 else ''))
        detail = f' ({"; ".join(parts)})' if parts else ''
        return f'{self.matched} of {self.total} tensors{detail}'


def match_state_dict(model: nn.Module,
                     state_dict: Dict[str, Tensor],
                     prefix: str = '') -> StateDictMatch:
    """Compare the model's tensors under ``prefix`` with a state dict.

    Args:
        model (nn.Module): The model (unwrapped).
        state_dict (dict[str, Tensor]): A checkpoint's state dict, keyed
            like ``model.state_dict()``.
        prefix (str): Only the model's names starting with it count, e.g.
            ``'backbone.'``. Defaults to all.

    Returns:
        StateDictMatch: What matched.
    """
    own = {
        name: tensor
        for name, tensor in model.state_dict().items()
        if name.startswith(prefix) and not name.endswith(UNCOUNTED_SUFFIX)
    }
    match = StateDictMatch(total=len(own))
    for name, tensor in own.items():
        if name not in state_dict:
            match.missing.append(name)
        elif state_dict[name].shape != tensor.shape:
            match.wrong_shape.append(
                f'{name}: model {tuple(tensor.shape)} vs checkpoint '
                f'{tuple(state_dict[name].shape)}')
    return match


def require_parts(model: nn.Module, state_dict: Dict[str, Tensor],
                  parts: Sequence[str], source: str) -> None:
    """Fail unless the state dict fills every tensor of the named parts.

    Args:
        model (nn.Module): The model (unwrapped).
        state_dict (dict[str, Tensor]): The checkpoint's state dict.
        parts (Sequence[str]): Attribute names of the model's parts, e.g.
            ``('backbone', 'decoder')``; parts the model lacks are skipped.
        source (str): The checkpoint, named in the error.

    Raises:
        ValueError: Naming each part that the state dict does not fill.
    """
    problems = []
    for part in parts:
        if getattr(model, part, None) is None:
            continue
        match = match_state_dict(model, state_dict, f'{part}.')
        if match.matched < match.total:
            problems.append(f'{part}: {match.describe()}')
    if problems:
        raise ValueError(f'{source} does not fit this {type(model).__name__}: '
                         + '; '.join(problems)
                         + '. Use a checkpoint of the same model '
                         'config.')
