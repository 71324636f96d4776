"""Finetuning and retrieval configs: every encoder x dataset x split."""
import itertools
from pathlib import Path

import pytest
from mmengine import Config

REPO = Path(__file__).resolve().parents[2]
DATASETS = {'ucf101': 101, 'hmdb51': 51}
SPLITS = (1, 2, 3)
FINETUNE = ('c3d', 'c3d-gap', 'r3d', 'r21d')
RETRIEVAL = ('c3d', 'r3d', 'r21d')
BACKBONES = {'c3d': 'C3D', 'c3d-gap': 'C3DEncoder', 'r3d': 'ResNet3d',
             'r21d': 'ResNet3d'}  # with FactorisedConv3d convs


PREFIXES = {'finetune': 'finetune-stock', 'retrieval': 'retrieval'}


def load(kind: str, encoder: str, dataset: str, split: int) -> Config:
    return Config.fromfile(REPO / 'configs' / kind /
                           f'{PREFIXES[kind]}_{encoder}_{dataset}_split{split}.py')


@pytest.mark.parametrize('encoder,dataset,split',
                         itertools.product(FINETUNE, DATASETS, SPLITS))
def test_finetune_config(encoder: str, dataset: str, split: int) -> None:
    cfg = load('finetune', encoder, dataset, split)
    assert cfg.custom_imports.imports == ['mmprp']
    assert cfg.model.type == 'Recognizer3D'
    assert cfg.model.backbone.type == BACKBONES[encoder]
    assert cfg.model.backbone.get('pretrained') is None
    assert cfg.model.cls_head.num_classes == DATASETS[dataset]
    assert cfg.model.data_preprocessor.std == [255., 255., 255.]
    assert cfg.load_from is None
    assert dict(type='CheckpointMatchHook') in cfg.custom_hooks
    prefix = f'data/{dataset}/{dataset}'
    assert cfg.train_dataloader.dataset.ann_file == (
        f'{prefix}_train_split_{split}_videos.txt')
    for loader in ('val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.ann_file == (
            f'{prefix}_val_split_{split}_videos.txt')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_prefix.video == f'data/{dataset}/videos'
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    assert (sampler.type, sampler.num_clips, sampler.clip_len) == (
        'SampleFrames', 10, 16)
    assert cfg.model.cls_head.average_clips == 'prob'
    assert cfg.test_evaluator.type == 'AccMetric'


def test_stock_c3d_keeps_bn_to_match_pretraining() -> None:
    cfg = load('finetune', 'c3d', 'ucf101', 1)
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
    assert cfg.test_evaluator == dict(type='VideoRetrievalMetric',
                                      topk=(1, 5, 10, 20, 50))
    assert dict(type='CheckpointMatchHook') in cfg.custom_hooks
