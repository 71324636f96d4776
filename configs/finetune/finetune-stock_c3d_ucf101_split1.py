# Finetune a PRP-pretrained C3D on UCF101 split 1 with MMAction2's stock C3D
# recipe (RandomCrop 112 + flip, 45 epochs SGD lr 1e-3, 10 clips x 16 frames
# at test, scores averaged, AccMetric). Changed only what must match PRP:
# BN in the C3D (as pretrained), no Sports-1M weights, [0, 1] input scaling.
# Load the PRP checkpoint with --cfg-options load_from=PRP_CHECKPOINT (its
# backbone.* weights load; fc6/fc7 and the head start from scratch). Without
# it this trains from random initialisation: the paper's baseline.
_base_ = ['../_base_/finetune/stock_c3d_ucf101.py']
model = dict(
    backbone=dict(pretrained=None, norm_cfg=dict(_delete_=True, type='BN3d')),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))
load_from = None
