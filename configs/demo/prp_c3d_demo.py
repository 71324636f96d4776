# PRP on a 2-core CPU: the full method (DG-P, rates 1/2/4/8, r = 2, sparse
# motion attention) with a narrow C3D (base width 16 instead of 64: 1/16 of
# the multiply-adds) on 16x64x64 clips instead of 16x112x112, on the built-in
# synthetic dataset that `python tools/demo.py` writes to work_dirs/demo/data.
_base_ = ['../prp/prp_c3d_ucf101.py']

data_root = 'work_dirs/demo/data'
width = 16
model = dict(
    backbone=dict(base_channels=width),
    rate_head=dict(in_channels=8 * width),
    decoder=dict(in_channels=8 * width, channels=(128, 64, 32, 16)))


def demo_pipeline(pipeline):
    """The PRP pipeline with frames resized to 64 (short side), crop 64."""
    resize = dict(type='Resize', scale=(-1, 64))
    crop = dict(type='CenterCrop', crop_size=64)
    swaps = dict(Resize=resize, CenterCrop=crop)
    return [swaps.get(step['type'], step) for step in pipeline]


train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        ann_file=f'{data_root}/prp_train_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=demo_pipeline(_base_.train_pipeline)))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        ann_file=f'{data_root}/prp_val_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=demo_pipeline(_base_.val_pipeline)))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=20)
optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20, eta_min=1e-4, by_epoch=True)
]
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=5, max_keep_ckpts=1))
randomness = dict(seed=0)
