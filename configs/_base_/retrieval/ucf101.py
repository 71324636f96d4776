# Nearest-neighbour video retrieval without finetuning (paper §4.4, the VCOP
# protocol): 10 clips x 16 frames per video, frames resized to 128x171 and
# centre-cropped to 112, [0, 1] scaling as in pretraining; each clip's
# encoder map is max-pooled (1, 2, 2) and flattened, clip features averaged
# per video; every test video queries the train videos of the split by
# cosine similarity; top-k accuracy for k = 1, 5, 10, 20, 50.
# Run: tools/test.py configs/retrieval/<encoder>_<dataset>_split<N>.py CKPT
default_scope = 'mmaction'
custom_imports = dict(imports=['mmprp'], allow_failed_imports=False)

model = dict(
    type='VideoFeatureExtractor',
    pool_size=(1, 2, 2),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[0., 0., 0.],
        std=[255., 255., 255.],
        format_shape='NCTHW'))

data_root = 'data/ucf101/videos'
split = 1
ann_file_gallery = f'data/ucf101/ucf101_train_split_{split}_videos.txt'
ann_file_query = f'data/ucf101/ucf101_val_split_{split}_videos.txt'
# OpenCVInitByPath: opens each local video once, with OpenCV (decord
# crashes on truncated AVIs opened from memory); truncated files raise.
# OpenCVForwardDecode: DecordDecode's frames from that capture, but right on
# MPEG-4 AVIs with B-frames (decord's random access returns wrong frames),
# each frame resized as soon as it is decoded (Resize's pixels);
# tools/reproduce_paper.py --from-authors sets its backend='pillow': the
# authors' (and VCOP's) PIL resampling.
test_pipeline = [
    dict(type='OpenCVInitByPath', io_backend='disk'),
    dict(
        type='SampleFrames',
        clip_len=16,
        frame_interval=1,
        num_clips=10,
        test_mode=True),
    dict(type='OpenCVForwardDecode', scale=(171, 128), keep_ratio=False),
    dict(type='CenterCrop', crop_size=112),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', algorithm_keys=('is_query', ))
]
test_dataloader = dict(
    batch_size=4,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='RetrievalVideoDataset',
        ann_file=ann_file_gallery,
        query_ann_file=ann_file_query,
        data_prefix=dict(video=data_root),
        pipeline=test_pipeline,
        test_mode=True))
test_evaluator = dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50))
test_cfg = dict(type='TestLoop')

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False))
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
log_level = 'INFO'
load_from = None
resume = False
# stop early if the checkpoint holds another encoder's weights
custom_hooks = [dict(type='CheckpointMatchHook')]
