"""model-index.yml and its metafiles describe the shipped configs."""
import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml
from mim.commands.search import convert2df
from modelindex import load

from helpers import REPO, shipped_config

PRP_README = REPO / 'configs' / 'prp' / 'README.md'


def metafiles() -> List[Path]:
    """The metafiles that ``model-index.yml`` imports."""
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    return [REPO / metafile for metafile in index['Import']]


def listed_models() -> Dict[str, dict]:
    """Every model entry of every metafile, by its ``Config`` path."""
    models = {}
    for metafile in metafiles():
        for model in yaml.safe_load(metafile.read_text())['Models']:
            assert model['Config'] not in models, model['Config']
            models[model['Config']] = model
    return models


def shipped_configs() -> List[str]:
    """Every config under ``configs/`` but ``_base_/``, repository-relative."""
    return sorted(
        path.relative_to(REPO).as_posix()
        for path in (REPO / 'configs').rglob('*.py')
        if '_base_' not in path.relative_to(REPO).parts)


def test_every_shipped_config_is_listed_and_every_listed_config_exists(
) -> None:
    models = listed_models()
    assert sorted(models) == shipped_configs()
    for config, model in models.items():
        assert (REPO / config).is_file(), config
        assert Path(config).stem == model['Name'], config


def test_one_metafile_per_config_folder_lists_that_folder() -> None:
    for metafile in metafiles():
        models = yaml.safe_load(metafile.read_text())['Models']
        folders = {(REPO / model['Config']).parent for model in models}
        assert folders == {metafile.parent}, metafile


@pytest.mark.parametrize('config', shipped_configs())
def test_metadata_matches_the_config(config: str) -> None:
    metadata = listed_models()[config]['Metadata']
    cfg = shipped_config(REPO / config)
    loader = cfg.get('train_dataloader') or cfg['test_dataloader']
    assert metadata['Batch Size'] == loader['batch_size']
    split = re.search(r'_split_(\d)_', loader['dataset']['ann_file'])
    assert metadata.get('Split') == (split and int(split.group(1)))
    if 'train_cfg' in cfg and 'max_epochs' in cfg['train_cfg']:
        assert metadata['Epochs'] == cfg['train_cfg']['max_epochs']
        gpus = cfg['auto_scale_lr']['base_batch_size'] // loader['batch_size']
        assert metadata['Training Resources'].split()[0] == str(gpus)
    else:
        assert 'Epochs' not in metadata


def test_prp_readme_and_every_collection_readme_exist() -> None:
    """A Collection's README is relative to its metafile, as modelindex
    resolves it."""
    assert PRP_README.is_file()
    for metafile in metafiles():
        for collection in yaml.safe_load(metafile.read_text())['Collections']:
            readme = (metafile.parent / collection['README']).resolve()
            assert readme == PRP_README, (metafile, collection['README'])


def test_modelindex_check_finds_nothing() -> None:
    assert load(str(REPO / 'model-index.yml')).check(silent=True) == []


def test_mim_search_table_has_every_config() -> None:
    """``mim search mmprp`` prints the rows of this table (``convert2df``
    of the installed ``.mim/model-index.yml``)."""
    table = convert2df(load(str(REPO / 'model-index.yml')))
    assert sorted(table['config']) == shipped_configs()
    assert sorted(table.index) == sorted(
        Path(config).stem for config in shipped_configs())


def test_config_file_names_are_unique_for_mim() -> None:
    """``mim train mmprp NAME.py`` finds a config by its file name alone."""
    names = [path.name for path in (REPO / 'configs').rglob('*.py')]
    assert sorted(set(names)) == sorted(names)
