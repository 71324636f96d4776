# PRP pretraining of MMAction2's stock X3D-S on UCF101 split 1: the paper's
# method and recipe (discriminative + generative perception, rates (1, 2, 4,
# 8), r = 2, sparse motion attention, 16x112x112 clips, batch 8, 300 epochs,
# best checkpoint by validation loss) with the encoder swapped. The backbone's
# weights load into MMAction2's stock X3D-S recognizer:
# configs/finetune/finetune-stock_x3d-s_ucf101_split1.py.
_base_ = [
    '../_base_/models/prp_x3d-s.py', '../_base_/datasets/prp_ucf101.py',
    '../_base_/schedules/prp_sgd_300e.py'
]
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)
# the data's protocol (_base_/datasets/prp_ucf101.py) for the model too
model = dict(prp=_base_.prp)
