# Finetune R3D-18 (as pretrained) on UCF101 split 1; the recipe is in
# _base_/finetune/ucf101_gap_head.py. PRP weights: --cfg-options load_from=...
_base_ = [
    '../_base_/finetune/ucf101_gap_head.py',
    '../_base_/models/encoders/r3d18.py'
]
model = dict(backbone=dict(_base_.encoder, _delete_=True))
