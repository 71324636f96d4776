"""No shipped config selects a checkpoint or adapts its LR on a test list.

A checkpoint hook with ``save_best``, any hook or LR scheduler with a
``monitor`` reads the validation metrics; the data behind them
(``val_dataloader``) must then not be an official test list. Test lists are
named by the data preparation tools' own pattern (MMAction2's convention:
``<dataset>_val_split_<N>_videos.txt`` is the official *test* list), which
:func:`test_the_pattern_names_the_official_test_lists` checks on real split
files.
"""
import re
from pathlib import Path
from typing import Iterator, List

import mmaction
import pytest
from mmengine import Config

from mmprp.datasets.preparation import read_ucf101_split
from mmprp.datasets.preparation.annotation_lists import (LIST_FILE, SUBSETS,
                                                         read_splits,
                                                         write_dataset_lists)
from helpers import REPO, SHIPPED_CONFIGS, shipped_config

CONFIGS = SHIPPED_CONFIGS
# the prepare tools' subset holding the official test list (MMAction2's name)
TEST_SUBSET = 'val'
TEST_LIST = re.compile(
    re.escape(LIST_FILE).replace(r'\{prefix\}', '[A-Za-z0-9]+').replace(
        r'\{subset\}', TEST_SUBSET).replace(r'\{split\}', r'\d+') + '$')


def selectors(cfg: dict) -> List[str]:
    """Everything in a config that acts on validation metrics.

    Args:
        cfg (dict): A config as a plain dict.

    Returns:
        list[str]: One description per hook or scheduler that selects
        checkpoints (``save_best``) or monitors a metric (``monitor``).
    """
    hooks = [(f'default_hooks.{name}', hook)
             for name, hook in (cfg.get('default_hooks') or {}).items()]
    hooks += [(f'custom_hooks[{index}]', hook)
              for index, hook in enumerate(cfg.get('custom_hooks') or [])]
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    hooks += [(f'param_scheduler[{index}]', scheduler)
              for index, scheduler in enumerate(schedulers)]
    return [
        f"{where} ({part.get('type')}: {key}={part[key]!r})"
        for where, part in hooks if part for key in ('save_best', 'monitor')
        if part.get(key)
    ]


def annotation_files(node: object) -> Iterator[str]:
    """Every ``*ann_file`` value under a (possibly wrapped) dataset config."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith('ann_file') and isinstance(value, str):
                yield value
            else:
                yield from annotation_files(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from annotation_files(value)


def selection_on_test_lists(cfg: dict) -> List[str]:
    """The selectors of ``cfg`` fed by an official test list, if any."""
    test_lists = [
        path for path in annotation_files(cfg.get('val_dataloader'))
        if TEST_LIST.match(Path(path).name)
    ]
    return [
        f'{selector} on {path}' for selector in selectors(cfg)
        for path in test_lists
    ]


def test_configs_are_found() -> None:
    names = {path.relative_to(REPO).as_posix() for path in CONFIGS}
    assert {
        'configs/finetune/finetune_c3d_ucf101_split1.py',
        'configs/finetune/finetune-stock_c3d_ucf101_split1.py',
        'configs/prp/prp_c3d_ucf101.py', 'demo/configs/prp_c3d_demo.py'
    } <= names
    assert len(CONFIGS) > 100


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[str(path.relative_to(REPO)) for path in CONFIGS])
def test_no_selection_on_a_test_list(path: Path) -> None:
    found = selection_on_test_lists(shipped_config(path))
    assert not found, f'{path} selects on the official test list: {found}'


def test_mmaction_stock_recipe_would_be_caught() -> None:
    """MMAction2's own C3D recipe keeps the best test accuracy."""
    stock = (
        Path(mmaction.__file__).parent / '.mim' / 'configs' / 'recognition'
        / 'c3d' / 'c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py')
    cfg = Config.fromfile(stock).to_dict()
    assert selection_on_test_lists(cfg) == [
        "default_hooks.checkpoint (CheckpointHook: save_best='auto') on "
        'data/ucf101/ucf101_val_split_1_videos.txt'
    ]


def test_monitors_and_wrapped_datasets_are_caught() -> None:
    cfg = dict(
        param_scheduler=[dict(type='ReduceOnPlateauLR', monitor='acc/top1')],
        custom_hooks=[dict(type='EarlyStoppingHook', monitor='cls/loss')],
        val_dataloader=dict(
            dataset=dict(
                type='RepeatDataset',
                times=2,
                dataset=dict(ann_file='lists/hmdb51_val_split_3_videos.txt'))))
    assert len(selection_on_test_lists(cfg)) == 2
    cfg['val_dataloader']['dataset']['dataset']['ann_file'] = (
        'lists/hmdb51_prp_val_split_3_videos.txt')
    assert selection_on_test_lists(cfg) == []


def test_the_pattern_names_the_official_test_lists(synthetic_ucf101,
                                                   tmp_path) -> None:
    """The preparation tools write the official test list under it."""
    assert TEST_SUBSET in SUBSETS
    splits = read_splits(read_ucf101_split, synthetic_ucf101.split_dir,
                         (1, 2, 3))
    written = write_dataset_lists(
        tmp_path, 'ucf101', splits, num_val=2, seed=0)
    matching = sorted(
        path.name for path in written if TEST_LIST.match(path.name))
    assert matching == [f'ucf101_val_split_{k}_videos.txt' for k in (1, 2, 3)]
    for split, (_, test) in splits.items():
        lines = (tmp_path / matching[split - 1]).read_text().splitlines()
        assert lines == [f'{video} {label}' for video, label in test]
