"""Write the HMDB51 annotation lists of MMAction2 and PRP pretraining.

Example, from the repository root (these are the defaults; see README.md in
this folder)::

    python tools/data/hmdb51/prepare_hmdb51_annotations.py \\
        --split-dir data/hmdb51/testTrainMulti_7030_splits \\
        --video-dir data/hmdb51/videos --out-dir data/hmdb51 --num-val 400
"""
from mmprp.datasets.preparation.annotation_lists import HMDB51, main

if __name__ == '__main__':
    main(HMDB51)
