"""Every PRP config parses, builds, and states its protocol once."""
import re
from pathlib import Path

import pytest
from mmaction.registry import MODELS, TRANSFORMS
from mmengine import Config

from helpers import REPO

PRP_CONFIGS = sorted((REPO / 'configs' / 'prp').rglob('*.py'))
PAPER_SETTINGS = {
    # ablation config: (rates, rate head?, recon_rate or None, attention)
    'prp_c3d_ucf101_dp_s12.py': ((1, 2), True, None, None),
    'prp_c3d_ucf101_dp_s124.py': ((1, 2, 4), True, None, None),
    'prp_c3d_ucf101_dp_s1248.py': ((1, 2, 4, 8), True, None, None),
    'prp_c3d_ucf101_dp_s124816.py': ((1, 2, 4, 8, 16), True, None, None),
    'prp_c3d_ucf101_gp_r1_plain_mse.py': ((1, 2, 4, 8), False, 1, None),
    'prp_c3d_ucf101_gp_r1.py': ((1, 2, 4, 8), False, 1, 'sparse'),
    'prp_c3d_ucf101_gp_r2.py': ((1, 2, 4, 8), False, 2, 'sparse'),
    'prp_c3d_ucf101_gp_r4.py': ((1, 2, 4, 8), False, 4, 'sparse'),
    'prp_c3d_ucf101_dgp_s1248_r2.py': ((1, 2, 4, 8), True, 2, 'sparse'),
}


def samplers(cfg: Config) -> list:
    return [
        step for loader in ('train', 'val', 'test')
        for step in cfg[f'{loader}_dataloader'].dataset.pipeline
        if step['type'] == 'PlaybackRateSampler'
    ]


def test_all_encoders_and_datasets_present() -> None:
    names = {path.name for path in PRP_CONFIGS}
    for encoder in ('c3d', 'r3d', 'r21d'):
        for dataset in ('ucf101', 'hmdb51'):
            assert f'prp_{encoder}_{dataset}.py' in names
    for encoder in ('x3d-s', 'slowonly-r50', 'i3d-r50'):
        assert f'prp_{encoder}_ucf101.py' in names
    assert set(PAPER_SETTINGS) <= names


@pytest.mark.parametrize('path', PRP_CONFIGS, ids=lambda path: path.name)
def test_config_is_consistent_and_builds(path: Path) -> None:
    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(
        imports=['mmprp'], allow_failed_imports=False)
    assert cfg.default_scope == 'mmaction'
    hooks = [hook['type'] for hook in cfg.custom_hooks]
    assert {'BadVideoReportHook', 'CheckpointMatchHook'} <= set(hooks)
    assert cfg.train_dataloader.dataset.type in ('PRPVideoDataset',
                                                 'RepeatDataset')
    # samples depend on (seed, epoch, index) only: resumable with workers
    assert cfg.train_dataloader.sampler.type == 'SeededSampler'
    assert cfg.train_dataloader.persistent_workers
    train_sampler, val_sampler, test_sampler = samplers(cfg)
    assert not train_sampler.get('test_mode', False)
    assert val_sampler['test_mode'] and test_sampler['test_mode']
    # the protocol is stated once: the model and every dataset take cfg.prp
    prp = cfg.prp
    assert cfg.model.prp == prp
    for loader in ('train', 'val', 'test'):
        assert cfg[f'{loader}_dataloader'].dataset.prp == prp
    for sampler in (train_sampler, val_sampler):
        assert not set(prp) & set(sampler)
        TRANSFORMS.build(dict(sampler, **prp))
    if not cfg.model.decoder:
        assert prp.attention is None
    for loader in ('train', 'val', 'test'):
        pack = cfg[f'{loader}_dataloader'].dataset.pipeline[-1]
        assert pack['type'] == 'PackPRPInputs'
    if cfg.model.get('input_size'):
        # the size the model plans its heads for is the pipeline's clip
        crop, = [
            step['crop_size'] for step in cfg.train_dataloader.dataset.pipeline
            if step['type'] == 'CenterCrop'
        ]
        assert tuple(cfg.model.input_size) == (prp.clip_len, crop, crop)
    model = MODELS.build(cfg.model)
    assert model.backbone is not None
    assert model.data_preprocessor.protocol.attention == prp.attention
    if cfg.model.rate_head:
        assert model.rate_head.num_classes == len(prp.rates)
    if cfg.model.decoder:
        assert model.decoder.recon_rate == prp.recon_rate


@pytest.mark.parametrize('name,setting', PAPER_SETTINGS.items())
def test_ablation_rows_match_the_paper(name: str, setting: tuple) -> None:
    rates, has_rate_head, recon_rate, attention = setting
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'ablation' / name)
    assert tuple(cfg.prp.rates) == rates
    assert bool(cfg.model.rate_head) == has_rate_head
    if recon_rate is None:
        assert cfg.model.decoder is None
    else:
        assert cfg.prp.recon_rate == recon_rate
        assert cfg.prp.attention == attention
    # a single loss gets weight 1 (lambda_d = 0.1 only balances two losses)
    if not has_rate_head:
        assert cfg.model.decoder.loss.loss_weight == 1.0
    elif recon_rate is None:
        assert cfg.model.rate_head.loss_cls.loss_weight == 1.0
    else:
        assert cfg.model.rate_head.loss_cls.loss_weight == 0.1


@pytest.mark.parametrize('encoder', ['c3d', 'r3d', 'r21d'])
def test_pretraining_uses_the_authors_initialisation(encoder: str) -> None:
    cfg = Config.fromfile(REPO / 'configs' / 'prp'
                          / f'prp_{encoder}_ucf101.py')
    assert cfg.model.init_cfg == dict(type='TorchLegacyInit')
    if encoder != 'c3d':
        # the same residual-block init for R3D and R(2+1)D, as the authors'
        assert cfg.model.backbone.zero_init_residual is False


def test_main_config_follows_the_spec() -> None:
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.01, 0.9, 5e-4)
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys == {
        'rate_head.fc_rate': dict(lr_mult=10.)
    }
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.train_dataloader.batch_size == 8
    scheduler, = cfg.param_scheduler
    assert (scheduler.type, scheduler.monitor, scheduler.factor,
            scheduler.patience) == ('ReduceOnPlateauLR', 'pretext/loss', 0.1,
                                    50)
    checkpoint = cfg.default_hooks.checkpoint
    assert (checkpoint.save_best, checkpoint.rule) == ('pretext/loss', 'less')
    assert cfg.model.rate_head.loss_cls.loss_weight == 0.1
    assert cfg.model.decoder.loss.loss_weight == 1.0
    steps = [step['type'] for step in cfg.train_pipeline]
    assert steps == [
        'OpenCVInitByPath', 'PlaybackRateSampler', 'OpenCVForwardDecode',
        'CenterCrop', 'FormatShape', 'PackPRPInputs'
    ]
    decode = cfg.train_pipeline[2]
    assert (decode['scale'], decode['keep_ratio']) == ((171, 128), False)


def test_logs_show_this_epochs_validation_loss() -> None:
    cfg = Config.fromfile(REPO / 'configs' / 'prp' / 'prp_c3d_ucf101.py')
    pattern = re.compile(cfg.log_processor.mean_pattern)
    for smoothed in ('loss', 'loss_rate', 'loss_recon', 'time', 'data_time'):
        assert pattern.search(smoothed)
    for current in ('pretext/loss', 'pretext/loss_rate', 'pretext/rate_acc'):
        assert not pattern.search(current)


@pytest.mark.parametrize('name,parent,setting', [
    ('prp_c3d_ucf101_gp_r4.py', 'prp_c3d_ucf101_gp_r2.py', 'recon_rate'),
    ('prp_c3d_ucf101_gp_r1_plain_mse.py', 'prp_c3d_ucf101_gp_r1.py',
     'attention'),
    ('prp_c3d_ucf101_dp_s12.py', 'prp_c3d_ucf101_dp_s1248.py', 'rates'),
])
def test_an_ablation_changes_one_protocol_value(name: str, parent: str,
                                                setting: str) -> None:
    folder = REPO / 'configs' / 'prp' / 'ablation'
    child, base = (
        Config.fromfile(folder / n).to_dict() for n in (name, parent))
    changed = {
        key
        for key in base['prp'] if base['prp'][key] != child['prp'][key]
    }
    assert changed == {setting}
    for cfg in (child, base):
        cfg['model'].pop('prp')
        for loader in ('train', 'val', 'test'):
            cfg[f'{loader}_dataloader']['dataset'].pop('prp')
        cfg.pop('prp')
    assert child == base
