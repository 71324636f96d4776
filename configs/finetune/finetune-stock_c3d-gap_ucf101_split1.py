# Finetune the paper's C3D classifier: the PRP C3D encoder (conv5b map, no
# pool5/fc6/fc7) on UCF101 split 1; the recipe is in
# _base_/finetune/ucf101_gap_head.py. PRP weights: --cfg-options load_from=...
_base_ = [
    '../_base_/finetune/ucf101_gap_head.py', '../_base_/models/encoders/c3d.py'
]
model = dict(backbone=dict(_base_.encoder, _delete_=True))
