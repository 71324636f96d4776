"""Every shipped config opens each video once, by path, with OpenCV
(OpenCVInitByPath) and decodes it from that capture (OpenCVForwardDecode),
never with decord."""
from pathlib import Path
from typing import Iterator, List

import pytest

from helpers import REPO, SHIPPED_CONFIGS, shipped_config

# MMAction2's decord steps and mmprp's decord opener: none may be in a
# shipped pipeline (decord crashes on truncated AVIs read from memory, and
# its random access returns wrong frames on MPEG-4 AVIs with B-frames).
DECORD_STEPS = ('DecordInit', 'DecordInitByPath', 'DecordDecode')


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
    names = {path.relative_to(REPO).as_posix() for path in SHIPPED_CONFIGS}
    assert {
        'configs/prp/prp_c3d_ucf101.py',
        'configs/finetune/finetune-stock_c3d_ucf101_split1.py',
        'configs/retrieval/retrieval_c3d_ucf101_split1.py',
        'demo/configs/prp_c3d_demo.py', 'configs/_base_/datasets/prp_ucf101.py'
    } <= names


@pytest.mark.parametrize(
    'path',
    SHIPPED_CONFIGS,
    ids=[str(path.relative_to(REPO)) for path in SHIPPED_CONFIGS])
def test_videos_are_opened_once_with_opencv(path: Path) -> None:
    cfg = shipped_config(path)
    for types in (step_types(pipeline) for pipeline in pipelines(cfg)):
        used = [step for step in DECORD_STEPS if step in types]
        assert not used, (
            f'{path}: a pipeline uses decord ({used}): decord crashes on '
            f'truncated AVIs read from memory and its random access returns '
            f'wrong frames on MPEG-4 AVIs with B-frames; open with '
            f'OpenCVInitByPath and decode with OpenCVForwardDecode: {types}')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if loader in cfg:
            types = step_types(cfg[loader]['dataset']['pipeline'])
            assert types[0] == 'OpenCVInitByPath', (path, loader, types)
            assert types.count('OpenCVInitByPath') == 1, (path, loader)
            assert types.count('OpenCVForwardDecode') == 1, (path, loader)
