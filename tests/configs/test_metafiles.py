"""model-index.yml and its metafiles describe the shipped configs."""
from pathlib import Path

import yaml

from helpers import REPO


def test_every_metafile_config_exists_and_every_prp_config_is_listed() -> None:
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    listed = set()
    for metafile in index['Import']:
        models = yaml.safe_load((REPO / metafile).read_text())['Models']
        for model in models:
            assert (REPO / model['Config']).is_file(), model['Config']
            assert Path(model['Config']).stem == model['Name']
            listed.add(model['Config'])
    shipped = {
        str(path.relative_to(REPO))
        for path in (REPO / 'configs' / 'prp').glob('*.py')
    }
    assert shipped == listed


def test_config_file_names_are_unique_for_mim() -> None:
    """``mim train mmprp NAME.py`` finds a config by its file name alone."""
    names = [path.name for path in (REPO / 'configs').rglob('*.py')]
    assert sorted(set(names)) == sorted(names)
