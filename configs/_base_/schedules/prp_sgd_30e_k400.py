# the paper's (§4.1, the authors' code) optimiser (SGD, momentum 0.9, wd 5e-4,
# 10x LR on the rate classifier's linear layer) for Kinetics-400 at 8 GPUs x 16
# clips = 128.
#
# Linear scaling rule (Goyal et al., 2017): the paper's lr 0.01 for batch 8
# becomes 0.01 * 128 / 8 = 0.16 for batch 128. With another total batch,
# `tools/train.py ... --auto-scale-lr` (or auto_scale_lr.enable=True)
# multiplies the lr by (GPUs x batch per GPU) / 128, e.g. 0.08 on 4 GPUs.
#
# 30 epochs of ~240k videos (7.2M clips, ~2.8x the 300 UCF101 epochs of the
# paper) with a 2-epoch linear warm-up (large-batch linear scaling needs one)
# and a cosine decay: a plateau rule with a 50-epoch patience does not fit 30
# epochs. Validation every epoch keeps the paper's best-checkpoint selection;
# checkpoints every epoch because an epoch is long.
_base_ = ['./prp_sgd_300e.py']
max_epochs = 30
warmup_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=0.16))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
default_hooks = dict(checkpoint=dict(interval=1))
auto_scale_lr = dict(enable=False, base_batch_size=128)
