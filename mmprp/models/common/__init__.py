"""Layers shared by mmprp's models."""
from .factorised_conv3d import FactorisedConv3d

__all__ = ['FactorisedConv3d']
