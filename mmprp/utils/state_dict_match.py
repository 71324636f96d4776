"""How much of a model a checkpoint's state dict fills."""
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

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
        names (list[str]): The part's tensor names in the model's order
            (without ``num_batches_tracked``).
        unused (list[str]): The state dict's names under the part's prefix
            that the model does not have (without ``num_batches_tracked``).
    """

    total: int
    missing: List[str] = field(default_factory=list)
    wrong_shape: List[str] = field(default_factory=list)
    names: List[str] = field(default_factory=list)
    unused: List[str] = field(default_factory=list)

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
                parts.append(f'{kind}: {_first(names, limit)}')
        detail = f' ({"; ".join(parts)})' if parts else ''
        return f'{self.matched} of {self.total} tensors{detail}'

    def load_problems(self, min_fraction: float = 0.75) -> List[str]:
        """What makes this a wrong load, by the rule below; none if right.

        A state dict fits the part when

        1. every tensor it gives the part has the model's shape;
        2. every tensor it holds under the part's prefix has a place in the
           part (nothing it holds is dropped, e.g. the BN tensors of a BN
           encoder given to a backbone without BN);
        3. the tensors it lacks are whole layers, none partly filled (a
           conv with its weight but not its bias, a BN without its
           statistics), and these new layers all come after, in the model's
           order, every layer it fills: new layers on top, as MMAction2's
           stock C3D's fc6/fc7 on a PRP C3D encoder;
        4. at least ``min_fraction`` of the part's tensors are filled.

        ``num_batches_tracked`` (BN's step counter) is never counted.

        Args:
            min_fraction (float): Smallest share of the part's tensors that
                must be filled. Defaults to 0.75 (MMAction2's stock C3D gets
                16 of its 20 tensors from a BN-folded PRP C3D and 40 of 44
                with BN: all but fc6/fc7).

        Returns:
            list[str]: One sentence per broken condition, naming counts and
            the first names.
        """
        problems = []
        if self.wrong_shape:
            problems.append(f'{len(self.wrong_shape)} tensors have another '
                            f'shape ({_first(self.wrong_shape)})')
        if self.unused:
            problems.append(f'{len(self.unused)} of the checkpoint\'s '
                            f'tensors have no place in the model '
                            f'({_first(self.unused)})')
        partly, absent_below = self._incomplete_layers()
        if partly:
            problems.append(f'{len(partly)} layers are only partly in the '
                            f'checkpoint ({_first(partly)})')
        if absent_below:
            problems.append(
                f'{len(absent_below)} layers missing from the checkpoint '
                f'come before layers it fills (only new layers on top may be '
                f'missing): {_first(absent_below)}')
        if self.matched < min_fraction * self.total:
            problems.append(f'only {self.matched} of {self.total} tensors are '
                            f'filled, fewer than {min_fraction:.0%}')
        return problems

    def _incomplete_layers(self) -> Tuple[List[str], List[str]]:
        """Layers partly filled, and whole layers missing below a held one.

        Layers are the modules of the tensor names, in the model's order.

        Returns:
            tuple[list[str], list[str]]: The two lists of layer names.
        """
        missing = set(self.missing)
        layers: Dict[str, List[str]] = {}
        for name in self.names:
            layers.setdefault(_layer(name), []).append(name)
        held = [i for i, name in enumerate(self.names) if name not in missing]
        last_held = held[-1] if held else -1
        partly, absent_below = [], []
        for layer, names in layers.items():
            lacking = sum(name in missing for name in names)
            if 0 < lacking < len(names):
                partly.append(layer)
            elif lacking and self.names.index(names[0]) < last_held:
                absent_below.append(layer)
        return partly, absent_below


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
    match = StateDictMatch(
        total=len(own),
        names=list(own),
        unused=[
            name for name in state_dict if name.startswith(prefix)
            and not name.endswith(UNCOUNTED_SUFFIX) and name not in own
        ])
    for name, tensor in own.items():
        if name not in state_dict:
            match.missing.append(name)
        elif state_dict[name].shape != tensor.shape:
            match.wrong_shape.append(
                f'{name}: model {tuple(tensor.shape)} vs checkpoint '
                f'{tuple(state_dict[name].shape)}')
    return match


def _layer(name: str) -> str:
    """The module of a tensor name: ``'a.conv.bias'`` -> ``'a.conv'``."""
    return name.rpartition('.')[0]


def _first(names: Sequence[str], limit: int = 3) -> str:
    """The first names, and how many more: ``'a, b, c, ... 4 more'``."""
    more = len(names) - limit
    return ', '.join(
        names[:limit]) + (f', ... {more} more' if more > 0 else '')


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
