"""Write the UCF101 annotation lists of MMAction2 and PRP pretraining.

Example, from the repository root (these are the defaults; see README.md in
this folder)::

    python tools/data/ucf101/prepare_ucf101_annotations.py \\
        --split-dir data/ucf101/ucfTrainTestlist \\
        --video-dir data/ucf101/videos --out-dir data/ucf101 --num-val 800
"""
from mmprp.datasets.preparation.annotation_lists import UCF101, main

if __name__ == '__main__':
    main(UCF101)
