"""Encoders for PRP."""
from .c3d_encoder import C3DEncoder

__all__ = ['C3DEncoder']
