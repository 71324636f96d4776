# Finetune a PRP-pretrained R3D-18 (encoders/r3d18.py, as pretrained) on
# UCF101 split 1. MMAction2 ships no UCF101 recipe for this network: the
# nearest stock config is its C3D UCF101 one (same clips, 10-clip test,
# AccMetric, schedule); MMAction2's I3DHead gives the paper's classifier
# (global average pool -> dropout -> linear). [0, 1] input scaling as PRP.
# Load the PRP checkpoint with --cfg-options load_from=PRP_CHECKPOINT;
# without it this is the random-initialisation baseline.
_base_ = ['mmaction::recognition/c3d/c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py', '../_base_/models/encoders/r3d18.py']
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
model = dict(
    backbone=dict(_base_.encoder, _delete_=True),
    cls_head=dict(in_channels=512, spatial_type='avg'),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))
load_from = None
