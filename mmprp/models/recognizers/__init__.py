"""Recognizers of mmprp."""
from .selfsup_recognizer import SelfSupRecognizer

__all__ = ['SelfSupRecognizer']
