"""Finetuning and retrieval configs: every encoder x dataset x split."""
import itertools

import pytest
from mmaction.registry import MODELS
from mmengine import Config

from helpers import REPO

DATASETS = {'ucf101': 101, 'hmdb51': 51}
SPLITS = (1, 2, 3)
FINETUNE = ('c3d', 'c3d-gap', 'r3d', 'r21d')
# MMAction2's stock recipe of the backbone: (backbone type, test clip_len,
# epochs)
STOCK_BACKBONES = {
    'x3d-s': ('X3D', 13, 100),
    'slowonly-r50': ('ResNet3dSlowOnly', 4, 256),
    'i3d-r50': ('ResNet3d', 32, 100)
}
RETRIEVAL = ('c3d', 'r3d', 'r21d')
BACKBONES = {
    'c3d': 'C3D',
    'c3d-gap': 'C3DEncoder',
    'r3d': 'ResNet3d',
    'r21d': 'ResNet3d'
}  # with FactorisedConv3d convs

PAPER = ('c3d', 'r3d', 'r21d')
PREFIXES = {
    'finetune': 'finetune',
    'finetune-stock': 'finetune-stock',
    'retrieval': 'retrieval'
}


def load(kind: str, encoder: str, dataset: str, split: int) -> Config:
    folder = 'finetune' if kind.startswith('finetune') else kind
    name = f'{PREFIXES[kind]}_{encoder}_{dataset}_split{split}.py'
    return Config.fromfile(REPO / 'configs' / folder / name)


def assert_finetune_lists(cfg: Config,
                          dataset: str,
                          split: int,
                          clip_len: int = 16) -> None:
    """Train on the train list less the held-out videos, select on those,
    test on the official test list (MMAction2's `val` list) with 10 clips of
    ``clip_len`` frames per video."""
    prefix = f'data/{dataset}/{dataset}'
    assert cfg.train_dataloader.dataset.ann_file == (
        f'{prefix}_prp_train_split_{split}_videos.txt')
    assert cfg.val_dataloader.dataset.ann_file == (
        f'{prefix}_prp_val_split_{split}_videos.txt')
    assert cfg.test_dataloader.dataset.ann_file == (
        f'{prefix}_val_split_{split}_videos.txt')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        video = cfg[loader].dataset.data_prefix.video
        assert video == f'data/{dataset}/videos'
    checkpoint = cfg.default_hooks.checkpoint
    assert (checkpoint.save_best,
            checkpoint.rule) == (['cls/loss', 'acc/top1'], ['less', 'greater'])
    metrics = [metric['type'] for metric in cfg.val_evaluator]
    assert metrics == ['AccMetric', 'ClassificationLossMetric']
    assert cfg.test_evaluator.type == 'AccMetric'
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    assert (sampler.type, sampler.num_clips, sampler.clip_len,
            sampler.test_mode) == ('SampleFrames', 10, clip_len, True)
    assert cfg.model.cls_head.num_classes == DATASETS[dataset]
    assert cfg.model.data_preprocessor.std == [255., 255., 255.]
    assert cfg.load_from is None
    assert dict(type='CheckpointMatchHook') in cfg.custom_hooks


@pytest.mark.parametrize('encoder,dataset,split',
                         itertools.product(PAPER, DATASETS, SPLITS))
def test_paper_finetune_config(encoder: str, dataset: str, split: int) -> None:
    """The authors' recipe (ft_classfy.py / config.py of their code)."""
    cfg = load('finetune', encoder, dataset, split)
    assert_finetune_lists(cfg, dataset, split)
    assert cfg.custom_imports.imports == ['mmprp']
    model = cfg.model
    assert model.type == 'Recognizer3DWithInit'
    assert model.init_cfg == dict(type='TorchLegacyInit')
    assert model.backbone.type == BACKBONES['c3d-gap' if encoder ==
                                            'c3d' else encoder]
    head = model.cls_head
    assert (head.type, head.in_channels, head.spatial_type, head.dropout_ratio,
            head.average_clips) == ('I3DHead', 512, 'avg', 0., 'score')
    assert cfg.train_dataloader.batch_size == 8
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 1e-3, 0.9, 5e-4)
    assert 'clip_grad' not in cfg.optim_wrapper
    assert cfg.train_cfg.max_epochs == 160
    assert cfg.train_cfg.val_interval == 1
    scheduler, = cfg.param_scheduler
    assert (scheduler.type, scheduler.milestones,
            scheduler.gamma) == ('MultiStepLR', [100], 0.1)
    train_steps = [step['type'] for step in cfg.train_pipeline]
    assert train_steps == [
        'OpenCVInitByPath', 'SampleFrames', 'OpenCVForwardDecode',
        'RandomCrop', 'FormatShape', 'PackActionInputs'
    ]
    for pipeline in (cfg.train_pipeline, cfg.val_pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        decode = pipeline[2]
        assert (decode.scale, decode.keep_ratio) == ((171, 128), False)
        assert decode.get('backend', 'cv2') == 'cv2'
    assert cfg.train_pipeline[3].size == 112
    assert [step['type'] for step in cfg.test_dataloader.dataset.pipeline
            ][3] == 'CenterCrop'
    loss_metric = cfg.val_evaluator[1]
    assert loss_metric.scores == 'logit'
    assert cfg.val_dataloader.dataset.pipeline[1].num_clips == 1


@pytest.mark.parametrize('encoder', PAPER)
def test_paper_finetune_model_builds(encoder: str) -> None:
    cfg = load('finetune', encoder, 'hmdb51', 2)
    model = MODELS.build(cfg.model)
    assert model.cls_head.fc_cls.in_features == 512
    assert model.cls_head.dropout is None


@pytest.mark.parametrize('encoder,dataset,split',
                         itertools.product(FINETUNE, DATASETS, SPLITS))
def test_finetune_config(encoder: str, dataset: str, split: int) -> None:
    """MMAction2's stock C3D recipe, selecting on held-out videos."""
    cfg = load('finetune-stock', encoder, dataset, split)
    assert_finetune_lists(cfg, dataset, split)
    assert cfg.custom_imports.imports == ['mmprp']
    assert cfg.model.type == 'Recognizer3D'
    assert cfg.model.backbone.type == BACKBONES[encoder]
    assert cfg.model.backbone.get('pretrained') is None
    assert cfg.model.cls_head.average_clips == 'prob'
    assert cfg.val_evaluator[1].scores == 'prob'
    assert cfg.train_cfg.max_epochs == 45


@pytest.mark.parametrize('encoder,dataset,split',
                         itertools.product(STOCK_BACKBONES, DATASETS, SPLITS))
def test_stock_backbone_finetune_config(encoder: str, dataset: str,
                                        split: int) -> None:
    """MMAction2's stock recipe of X3D-S, SlowOnly-R50 and I3D-R50, with
    [0, 1] pixels as in PRP pretraining and selection on held-out videos."""
    backbone, clip_len, epochs = STOCK_BACKBONES[encoder]
    cfg = load('finetune-stock', encoder, dataset, split)
    assert_finetune_lists(cfg, dataset, split, clip_len)
    assert cfg.custom_imports.imports == ['mmprp']
    assert cfg.model.type == 'Recognizer3D'
    assert cfg.model.backbone.type == backbone
    assert cfg.model.backbone.get('pretrained') is None
    assert cfg.model.data_preprocessor.mean == [0., 0., 0.]
    assert cfg.model.cls_head.average_clips == 'prob'
    assert cfg.val_evaluator[1].scores == 'prob'
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.val_dataloader.dataset.pipeline[1].num_clips == 1


@pytest.mark.parametrize('encoder', STOCK_BACKBONES)
def test_stock_backbone_finetune_model_builds(encoder: str) -> None:
    model = MODELS.build(load('finetune-stock', encoder, 'hmdb51', 3).model)
    assert model.cls_head.num_classes == 51


def test_stock_c3d_keeps_bn_to_match_pretraining() -> None:
    cfg = load('finetune-stock', 'c3d', 'ucf101', 1)
    assert cfg.model.backbone.norm_cfg == dict(type='BN3d')
    assert cfg.model.cls_head.in_channels == 4096


@pytest.mark.parametrize('encoder,dataset,split',
                         itertools.product(RETRIEVAL, DATASETS, SPLITS))
def test_retrieval_config(encoder: str, dataset: str, split: int) -> None:
    cfg = load('retrieval', encoder, dataset, split)
    assert cfg.model.type == 'VideoFeatureExtractor'
    assert cfg.model.pool_size == (1, 2, 2)
    assert cfg.model.backbone.type == BACKBONES[encoder].replace(
        'C3D', 'C3DEncoder')
    dataset_cfg = cfg.test_dataloader.dataset
    prefix = f'data/{dataset}/{dataset}'
    assert dataset_cfg.type == 'RetrievalVideoDataset'
    assert dataset_cfg.ann_file == f'{prefix}_train_split_{split}_videos.txt'
    assert dataset_cfg.query_ann_file == (
        f'{prefix}_val_split_{split}_videos.txt')
    assert dataset_cfg.data_prefix.video == f'data/{dataset}/videos'
    assert dataset_cfg.pipeline[1].num_clips == 10
    decode = dataset_cfg.pipeline[2]
    assert (decode.type, decode.scale,
            decode.keep_ratio) == ('OpenCVForwardDecode', (171, 128), False)
    assert dataset_cfg.pipeline[3].type == 'CenterCrop'
    assert cfg.test_evaluator == dict(
        type='VideoRetrievalMetric', topk=(1, 5, 10, 20, 50))
    assert dict(type='CheckpointMatchHook') in cfg.custom_hooks
