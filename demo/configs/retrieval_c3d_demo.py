# The evaluation stage of `make demo` (demo/__main__.py): video retrieval (VCOP
# protocol, _base_/retrieval/ucf101.py) and a linear probe on the same
# features, for the demo's narrow C3D on the synthetic dataset's split 1:
# 5 clips x 16 frames per video (instead of 10) at 48x48, every test video
# queries the train videos that pretraining learnt from (the split's train
# list less the groups held out for the retrieval monitor); the probe fits a
# softmax classifier on those videos' features and classifies the test
# videos. The frames are decoded at
# short side 48 and centre-cropped to 48, as in pretraining: the override
# names the step that resizes in the base pipeline (OpenCVForwardDecode),
# tests/demo/test_runs.py checks the decoded size.
_base_ = ['../../configs/_base_/retrieval/ucf101.py']

data_root = 'work_dirs/demo/data'
model = dict(backbone=dict(type='C3DEncoder', base_channels=8))
demo_steps = dict(
    SampleFrames=dict(num_clips=5),
    OpenCVForwardDecode=dict(scale=(-1, 48), keep_ratio=True),
    CenterCrop=dict(crop_size=48))
test_pipeline = [
    dict(step, **demo_steps.get(step['type'], {}))
    for step in _base_.test_pipeline
]
test_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        ann_file=f'{data_root}/ucf101_prp_train_split_1_videos.txt',
        query_ann_file=f'{data_root}/ucf101_val_split_1_videos.txt',
        data_prefix=dict(video=f'{data_root}/videos'),
        pipeline=test_pipeline))
test_evaluator = [
    dict(type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50)),
    dict(type='LinearProbeMetric'),
]
