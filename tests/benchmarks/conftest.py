"""Make the repository's ``benchmarks`` package importable in any pytest run.

``python -m pytest`` puts the working directory on ``sys.path``; a bare
``pytest`` does not, and the benchmarks are scripts, not part of ``mmprp``.
"""
import sys
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[2])
if REPO not in sys.path:
    sys.path.insert(0, REPO)
