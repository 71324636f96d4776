"""Weight initialisers of mmprp."""
from .torch_legacy_init import TorchLegacyInit, legacy_bound

__all__ = ['TorchLegacyInit', 'legacy_bound']
