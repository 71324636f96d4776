"""The playback-rate classifier learns from motion on synthetic videos.

A narrow C3D encoder (base width 8, 16x56x56 clips) is trained on the
discriminative pretext task alone (rates 1 and 8, Adam) for 100 CPU
iterations; on videos of a second synthetic dataset (other seed: other
objects, backgrounds and phases) its rate accuracy must be clearly above
chance (1/2). The four-rate task needs a longer budget than a unit test.
"""
from pathlib import Path

from mmengine import Config
from mmengine.runner import Runner

from tools.data.synthetic_ucf101 import generate_synthetic_ucf101

REPO = Path(__file__).resolve().parents[3]
ITERATIONS = 100
RATES = (1, 8)


def small_dp_config(train_set, test_set, work_dir: Path) -> Config:
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    cfg.model.backbone.base_channels = 8
    cfg.model.rate_head.in_channels = 64
    cfg.model.rate_head.num_classes = len(RATES)
    cfg.model.rate_head.loss_cls.loss_weight = 1.0
    cfg.model.decoder = None
    sampler = dict(cfg.sampler, rates=RATES, attention=None)
    pipeline = [
        dict(type='DecordInit'), sampler,
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 64)),
        dict(type='CenterCrop', crop_size=56),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', algorithm_keys=cfg.prp_keys)
    ]
    for loader, dataset, shuffle in (('train', train_set, True),
                                     ('val', test_set, False)):
        video_list = dataset.root / 'all_videos.txt'
        video_list.write_text('\n'.join(
            f'{path} 0' for path in sorted(dataset.frame_counts)) + '\n')
        cfg[f'{loader}_dataloader'] = dict(
            batch_size=8, num_workers=0, persistent_workers=False,
            sampler=dict(type='DefaultSampler', shuffle=shuffle),
            dataset=dict(
                type='RepeatDataset', times=8 if loader == 'val' else 50,
                dataset=dict(type='VideoDataset', ann_file=str(video_list),
                             data_prefix=dict(video=str(dataset.video_dir)),
                             pipeline=pipeline)))
    # mmengine validates once, after the last iteration
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=ITERATIONS,
                         val_interval=ITERATIONS)
    cfg.param_scheduler = []
    cfg.optim_wrapper.optimizer = dict(type='Adam', lr=1e-3)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1,
                                        save_last=False)
    cfg.default_hooks.logger.interval = 20
    cfg.randomness = dict(seed=0)
    cfg.work_dir = str(work_dir)
    return cfg


def test_rate_accuracy_above_chance_on_held_out_videos(tmp_path) -> None:
    common = dict(num_classes=6, groups_per_class=3, clips_per_group=1,
                  num_frames=(140, 160), frame_size=(64, 86), progress=False)
    train_set = generate_synthetic_ucf101(tmp_path / 'train', seed=1,
                                          **common)
    test_set = generate_synthetic_ucf101(tmp_path / 'test', seed=2, **common)
    runner = Runner.from_cfg(
        small_dp_config(train_set, test_set, tmp_path / 'work'))
    runner.train()
    accuracy = runner.message_hub.get_scalar('val/pretext/rate_acc').current()
    assert accuracy >= 0.65
