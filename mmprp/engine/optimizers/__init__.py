"""Optimizer wrapper constructors of mmprp."""
from .amp_fallback_constructor import (AmpFallbackOptimWrapperConstructor,
                                       amp_device_available)

__all__ = ['AmpFallbackOptimWrapperConstructor', 'amp_device_available']
