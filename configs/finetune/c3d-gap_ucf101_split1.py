# The paper's C3D classifier: global average pooling of the conv5b map and
# one linear layer (no pool5/fc6/fc7), on MMAction2's stock C3D UCF101
# recipe. The PRP encoder loads completely: --cfg-options load_from=PRP_CKPT.
_base_ = ['mmaction::recognition/c3d/c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py', '../_base_/models/encoders/c3d.py']
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
model = dict(
    backbone=dict(_base_.encoder, _delete_=True),
    cls_head=dict(in_channels=512, spatial_type='avg'),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))
load_from = None
