# The paper's finetuning (the authors' recipe: _base_/finetune/paper_ucf101.py)
# of the PRP C3D encoder (the conv5b map; no pool5/fc6/fc7) on UCF101 split 1:
# trained on the train list less 800 held-out videos, checkpoints selected
# on those, tested with 10 clips per video on the official test list.
# PRP weights: --cfg-options \
#   load_from=work_dirs/prp_c3d_ucf101/best_pretext_loss_epoch_N.pth
# (or a converted authors' checkpoint); without it: the random-init baseline.
_base_ = [
    '../_base_/finetune/paper_ucf101.py', '../_base_/models/encoders/c3d.py'
]
model = dict(backbone=_base_.encoder)
