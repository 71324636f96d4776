"""PyTorch 0.4.1's default initialisation, the one the PRP authors ran."""
import math
from typing import Tuple

from mmengine.model.weight_init import BaseInit, update_init_info
from mmengine.registry import WEIGHT_INITIALIZERS
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

# Layers whose torch 0.4.1 defaults this initialiser reproduces.
KNOWN_LAYERS: Tuple[type, ...] = (_ConvNd, nn.Linear, _BatchNorm)


def legacy_bound(module: nn.Module) -> float:
    """The half-width of torch 0.4.1's uniform default for a conv or linear.

    ``1 / sqrt(n)`` with ``n = in_channels * prod(kernel_size)`` for every
    convolution, transposed ones included (0.4.1 counted ``in_channels``
    for both, without dividing by ``groups``), and ``n = in_features`` for a
    linear layer.

    Args:
        module (nn.Module): A convolution or a linear layer.

    Returns:
        float: The bound of ``U(-bound, bound)``.
    """
    if isinstance(module, nn.Linear):
        fan_in = module.in_features
    else:
        fan_in = module.in_channels * math.prod(module.kernel_size)
    return 1. / math.sqrt(fan_in)


def reset_like_torch_041(module: nn.Module) -> None:
    """Re-initialise one layer's own parameters as torch 0.4.1 did.

    Args:
        module (nn.Module): A convolution (any dimension, transposed or
            not), a linear layer or a batch norm.

    Raises:
        TypeError: If ``module`` is none of those.
    """
    if isinstance(module, (_ConvNd, nn.Linear)):
        bound = legacy_bound(module)
        nn.init.uniform_(module.weight, -bound, bound)
        if module.bias is not None:
            nn.init.uniform_(module.bias, -bound, bound)
    elif isinstance(module, _BatchNorm):
        module.reset_running_stats()
        if module.affine:
            nn.init.uniform_(module.weight, 0., 1.)
            nn.init.zeros_(module.bias)
    else:
        raise TypeError(
            f'TorchLegacyInit knows the torch 0.4.1 defaults of convolutions, '
            f'linear and batch-norm layers only, not {type(module).__name__}')


@WEIGHT_INITIALIZERS.register_module()
class TorchLegacyInit(BaseInit):
    """PyTorch 0.4.1's defaults for a whole model (the PRP authors' init).

    The authors built their models with torch 0.4.1 and kept its defaults:
    conv, transposed-conv and linear weights and biases drawn from
    ``U(-1/sqrt(n), 1/sqrt(n))`` (``n`` in :func:`legacy_bound`), batch-norm
    weights from ``U(0, 1)``, biases 0, running statistics reset. Modern
    torch draws BN weights as 1 and MMAction2's modules re-initialise
    themselves (Kaiming convs, ``zero_init_residual``, N(0, 0.01) heads).

    Give it as the ``init_cfg`` of the top-level model
    (``SelfSupRecognizer``, ``Recognizer3DWithInit``): mmengine applies a
    module's ``init_cfg`` *before* calling its children's own
    ``init_weights``, so this initialiser also marks every sub-module that
    has an ``init_weights`` as initialised (``is_init = True``); the model's
    ``init_weights`` then leaves them as drawn here. It is registered in
    mmengine's root ``WEIGHT_INITIALIZERS`` because ``mmengine.model.
    initialize`` builds initialisers from that registry: found there with
    or without ``default_scope='mmaction'``.

    Raises:
        TypeError: When called on a model holding parameters in a layer it
            does not know (its torch 0.4.1 default would be a guess).
    """

    def __init__(self) -> None:
        super().__init__()

    def __call__(self, module: nn.Module) -> None:
        """Initialise every layer of ``module`` and mark its sub-modules.

        Args:
            module (nn.Module): The model (or any module).
        """
        for name, layer in module.named_modules():
            if isinstance(layer, KNOWN_LAYERS):
                reset_like_torch_041(layer)
            elif any(True for _ in layer.parameters(recurse=False)):
                raise TypeError(
                    f'TorchLegacyInit: `{name}` ({type(layer).__name__}) has '
                    f'parameters but is not a convolution, linear or '
                    f'batch-norm layer; give it its own init_cfg instead')
            if layer is not module and hasattr(layer, 'init_weights'):
                layer.is_init = True
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return ('TorchLegacyInit: U(+-1/sqrt(fan_in)) convs and linears, '
                'BN weight U(0, 1), bias 0')
