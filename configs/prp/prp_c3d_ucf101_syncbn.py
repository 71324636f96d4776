# PRP C3D on UCF101 with synchronised BatchNorm for multi-GPU training:
# mmengine's Runner converts every BN layer to torch.nn.SyncBatchNorm when it
# runs distributed (`tools/dist_train.sh`), so BN statistics are computed
# over the whole batch (GPUs x 8 clips) instead of each GPU's 8 clips; a
# single-process run keeps plain BN. Any PRP config takes the same option:
# `--cfg-options sync_bn=torch`.
_base_ = ['./prp_c3d_ucf101.py']
sync_bn = 'torch'
