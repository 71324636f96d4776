"""tools/reproduce_paper.py --from-authors: the authors' resampling in every
job's resolved config (the plan only; nothing runs)."""
import argparse
from pathlib import Path
from typing import Dict, List

import pytest
from mmengine import Config
from mmengine.config import DictAction

from helpers import load_tool

reproduce_paper = load_tool('reproduce_paper')


def resolved_configs(argv: List[str]) -> Dict[str, Config]:
    """Each job's config with its command's ``--cfg-options`` merged, as
    tools/train.py and tools/test.py merge them; by job name."""
    plan = reproduce_paper.Plan(reproduce_paper.parse_args(argv))
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    configs = {}
    for job in plan.jobs:
        command = job.command()
        if '--cfg-options' not in command:
            continue
        options = command[command.index('--cfg-options'):]
        cfg = Config.fromfile(
            next(
                part for part in command
                if part.endswith('.py') and '/configs/' in part))
        cfg.merge_from_dict(parser.parse_args(options).cfg_options)
        configs[job.name] = cfg
    return configs


def decode_backends(cfg: Config) -> List[str]:
    """The resize backend of every loader's decode step."""
    return [
        step.get('backend', 'cv2') for loader in reproduce_paper.LOADERS
        for step in (
            cfg.get(loader) or {}).get('dataset', {}).get('pipeline', [])
        if step['type'] == reproduce_paper.DECODE_STEP
    ]


@pytest.mark.parametrize('from_authors', [True, False])
def test_from_authors_resizes_every_loader_with_pil(
        tmp_path: Path, from_authors: bool) -> None:
    authors = tmp_path / 'authors'
    authors.mkdir()
    (authors / 'c3d.pth').write_bytes(b'')
    argv = [
        str(tmp_path / 'work'), '--tables', '3', '4', '5', '--archs', 'c3d',
        '--splits', '1', '--dry-run'
    ]
    if from_authors:
        argv += ['--from-authors', str(authors)]
    configs = resolved_configs(argv)
    # finetune, test and retrieval on both datasets from PRP and from random
    # init (and our pretraining)
    assert len(configs) == 12 + (not from_authors)
    expected = 'pillow' if from_authors else 'cv2'
    for name, cfg in configs.items():
        backends = decode_backends(cfg)
        assert backends and set(backends) == {expected}, name
        assert not any(step['type'] == 'Resize'
                       for loader in reproduce_paper.LOADERS
                       for step in (cfg.get(loader) or {}).get(
                           'dataset', {}).get('pipeline', [])), name


def test_a_config_resizing_elsewhere_is_refused(tmp_path: Path) -> None:
    config = tmp_path / 'resize_step.py'
    config.write_text(
        "test_dataloader = dict(dataset=dict(pipeline=[\n"
        "    dict(type='OpenCVForwardDecode'),\n"
        "    dict(type='Resize', scale=(171, 128), keep_ratio=False)]))\n")
    with pytest.raises(ValueError, match='resize_step.py: test_dataloader'):
        reproduce_paper.authors_pixels_options(config)
