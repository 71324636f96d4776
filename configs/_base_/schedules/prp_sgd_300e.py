# paper §4.1 and the authors' code: SGD lr 0.01, momentum 0.9, wd 5e-4, 10x LR
# on the rate classifier's linear layer, 300 epochs, LR x0.1 when the
# validation loss has not improved for 50 epochs; keep the
# lowest-validation-loss checkpoint. Inherits MMAction2's runtime
# (default_scope='mmaction', hooks, logging). SafeCheckpointHook: mmengine's
# CheckpointHook, but a kill during a save loses no checkpoint (the new one is
# in place before the old one goes). PlainCheckpointHook: every checkpoint
# holds plain data only (no HistoryBuffer, no numpy), so that MMAction2
# without mmprp loads it with torch's weights-only unpickler; --resume
# rebuilds the message hub from it.
_base_ = ['mmaction::_base_/default_runtime.py']

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=300, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'rate_head.fc_rate': dict(lr_mult=10.)}))
param_scheduler = [
    dict(
        type='ReduceOnPlateauLR',
        monitor='pretext/loss',
        rule='less',
        factor=0.1,
        patience=50,
        by_epoch=True)
]
default_hooks = dict(
    checkpoint=dict(
        type='SafeCheckpointHook',
        interval=10,
        max_keep_ckpts=3,
        save_best='pretext/loss',
        rule='less'),
    plain_checkpoint=dict(type='PlainCheckpointHook'))
# ChannelsLast3dHook: 5-D weights (hence activations) channels-last (NDHWC),
# the same math: on this project's 2-core CPU a C3D PRP step (batch 4) takes
# 0.77-0.79x the time of NCDHW, 9.1 s vs 11.8 s on one thread, 5.0 s vs
# 6.4 s on two (benchmarks/bench_train_step.py); cuDNN's fastest
# mixed-precision 3-D convolutions use the same layout.
custom_hooks = [
    dict(type='BadVideoReportHook'),
    dict(type='CheckpointMatchHook'),
    dict(type='ChannelsLast3dHook'),
]
# Batch 8 on one GPU in the paper; scale the LR linearly with the total batch.
auto_scale_lr = dict(enable=False, base_batch_size=8)
# mmengine's LogProcessor averages every logged key matching `mean_pattern`
# over `window_size` records; its default also caught the validation metric
# `pretext/loss`, so logs showed a mean over past epochs. Keep the smoothing
# for training losses and timings only.
log_processor = dict(
    mean_pattern=r'^(?!pretext/).*(loss|time|data_time|grad_norm).*')
