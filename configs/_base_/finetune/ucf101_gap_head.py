# Finetuning on UCF101 split 1 with MMAction2's stock C3D recipe (the only
# UCF101 recipe it ships: RandomCrop 112 + flip, 45 epochs SGD lr 1e-3,
# 10 clips x 16 frames at test, scores averaged, AccMetric) and the paper's
# classifier on a 512-channel encoder map: MMAction2's I3DHead (global
# average pool -> dropout -> linear). [0, 1] input scaling as in PRP
# pretraining. The leaf config sets `model.backbone` (the pretrained
# encoder). Load the PRP checkpoint with --cfg-options load_from=PRP_CKPT;
# without it the run is the random-initialisation baseline.
_base_ = ['./stock_c3d_ucf101.py']
model = dict(
    cls_head=dict(in_channels=512, spatial_type='avg'),
    data_preprocessor=dict(mean=[0., 0., 0.], std=[255., 255., 255.]))
load_from = None
