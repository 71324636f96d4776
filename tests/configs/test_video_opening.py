"""Every shipped config opens its videos by path (DecordInitByPath) and
decodes them with OpenCVForwardDecode, never decord's random access."""
from pathlib import Path
from typing import Iterator, List

import pytest
from mmengine import Config

from helpers import REPO

CONFIGS = sorted([
    *(REPO / 'configs').rglob('*.py'),
    *(REPO / 'demo' / 'configs').glob('*.py')
])


def pipelines(node: object) -> Iterator[List[dict]]:
    """Every list of transform configs anywhere in a config."""
    if isinstance(node, dict):
        if isinstance(node.get('pipeline'), list):
            yield node['pipeline']
        for value in node.values():
            yield from pipelines(value)
    elif isinstance(node, (list, tuple)):
        if node and all(
                isinstance(step, dict) and 'type' in step for step in node):
            yield list(node)
        for value in node:
            yield from pipelines(value)


def step_types(pipeline: List[dict]) -> List[str]:
    """The transform types of a pipeline, without a registry scope."""
    return [str(step['type']).split('.')[-1] for step in pipeline]


def test_configs_are_found() -> None:
    names = {path.relative_to(REPO).as_posix() for path in CONFIGS}
    assert {
        'configs/prp/prp_c3d_ucf101.py',
        'configs/finetune/finetune-stock_c3d_ucf101_split1.py',
        'configs/retrieval/retrieval_c3d_ucf101_split1.py',
        'demo/configs/prp_c3d_demo.py', 'configs/_base_/datasets/prp_ucf101.py'
    } <= names


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[str(path.relative_to(REPO)) for path in CONFIGS])
def test_videos_are_opened_by_path(path: Path) -> None:
    cfg = Config.fromfile(path).to_dict()
    found = [step_types(pipeline) for pipeline in pipelines(cfg)]
    for types in found:
        assert 'DecordInit' not in types, (
            f'{path}: a pipeline opens videos from memory with DecordInit '
            f'(decord crashes on truncated AVIs that way): {types}')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if loader in cfg:
            types = step_types(cfg[loader]['dataset']['pipeline'])
            assert types[0] == 'DecordInitByPath', (path, loader, types)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[str(path.relative_to(REPO)) for path in CONFIGS])
def test_videos_are_not_decoded_by_decord(path: Path) -> None:
    cfg = Config.fromfile(path).to_dict()
    for types in (step_types(pipeline) for pipeline in pipelines(cfg)):
        assert 'DecordDecode' not in types, (
            f'{path}: a pipeline decodes with DecordDecode, whose random '
            f'access returns wrong frames on MPEG-4 AVIs with B-frames; use '
            f'OpenCVForwardDecode: {types}')
