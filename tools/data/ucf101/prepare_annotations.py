"""Write the UCF101 annotation lists of MMAction2 and PRP pretraining.

Example, from the repository root (these are the defaults; see README.md in
this folder)::

    python tools/data/ucf101/prepare_annotations.py \\
        --split-dir data/ucf101/ucfTrainTestlist \\
        --video-dir data/ucf101/videos --out-dir data/ucf101 --num-val 800
"""
import sys
from pathlib import Path

# run as a script: make the repository's `tools` package importable
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tools.data.splits.prepare import UCF101, main

if __name__ == '__main__':
    main(UCF101)
