# PRP pretraining of the R3D-18 encoder on Kinetics-400 (train split; the val
# split for validation): the UCF101 method (DG-P, rates (1, 2, 4, 8), r = 2,
# sparse motion attention) at 8 GPUs x 16 clips, lr scaled linearly to 0.16,
# 30 epochs with warm-up and cosine decay, best checkpoint by validation loss.
_base_ = [
    '../_base_/models/prp_r3d.py', '../_base_/datasets/prp_k400.py',
    '../_base_/schedules/prp_sgd_30e_k400.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
# the data's protocol (_base_/datasets/prp_ucf101.py) for the model too
model = dict(prp=_base_.prp)
