# PRP pretraining data: unlabelled videos of the UCF101 split-1 train list,
# 800 of them held out for validation (tools/data/ucf101 writes both lists).
# PRPVideoDataset: MMAction2's VideoDataset with checked lists; unusable
# videos stop training (bad_videos='raise') or are skipped and counted
# (bad_videos='skip', reported every epoch by BadVideoReportHook).
dataset_type = 'PRPVideoDataset'
data_root = 'data/ucf101/videos'
split = 1
ann_file_train = f'data/ucf101/ucf101_prp_train_split_{split}_videos.txt'
ann_file_val = f'data/ucf101/ucf101_prp_val_split_{split}_videos.txt'

# PRP's protocol (paper §3.2, the authors' code): playback rates S, clip
# length, reconstruction rate r, motion attention. Stated once: the datasets
# give it to their PlaybackRateSampler, the model (configs/prp/*.py) takes
# it too (docs/pretraining.md, "The protocol").
prp = dict(rates=(1, 2, 4, 8), clip_len=16, recon_rate=2, attention='sparse')
sampler = dict(type='PlaybackRateSampler')
# OpenCVInitByPath: opens each local video once, by path, with OpenCV: the
# frame count the sampler needs, and the capture the decoder decodes from
# (no decord: it crashes the process on truncated AVIs opened from memory);
# truncated files raise an error naming them (bad_videos applies).
# OpenCVForwardDecode: the frames of DecordDecode + Resize(scale=(171, 128),
# keep_ratio=False): one checked seek, then forward; only the frames wanted
# are converted to RGB, each resized as soon as it is decoded; right on
# MPEG-4 AVIs with B-frames too, where decord's random access returns wrong
# frames (docs/upstream_defects.md, item 8); a file holding fewer frames
# than its header declares raises an error naming it. Local files only: for
# another io_backend, use DecordInit, DecordDecode and Resize.
file_client_args = dict(io_backend='disk')
train_pipeline = [
    dict(type='OpenCVInitByPath', **file_client_args),
    sampler,
    dict(type='OpenCVForwardDecode', scale=(171, 128), keep_ratio=False),
    # The authors' code centre-crops (the paper says random crop).
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    # PackActionInputs plus the sampler's index maps and rate label
    dict(type='PackPRPInputs')
]
val_pipeline = [
    step if step['type'] != 'PlaybackRateSampler' else dict(
        step, test_mode=True) for step in train_pipeline
]

train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    # DefaultSampler whose indices carry (seed, epoch): every sample's rate
    # and window depend only on (seed, epoch, index), so a resumed run (any
    # workers, persistent or not) sees what an uninterrupted run does.
    sampler=dict(type='SeededSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline,
        prp=prp,
        bad_videos='raise'))
val_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        pipeline=val_pipeline,
        prp=prp,
        test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='PretextLossMetric')
test_evaluator = val_evaluator
