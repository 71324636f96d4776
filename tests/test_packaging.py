"""mmprp installs as a wheel and runs under ``mim`` from any directory.

Builds the wheel, installs ``mmprp[lite,mim]`` into a fresh virtual
environment (the CI pins as constraints, so the packages come from pip's
cache), then from an empty directory: ``pip check``, ``mim search mmprp``,
``--help`` of every shipped tool and ``mim train mmprp prp_c3d_ucf101.py``
for one tiny epoch.
"""
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import List, Set

import pytest

from helpers import REPO, run_command

HELP_DRIVER = REPO / 'tests' / 'tool_help_driver.py'
TOP_LEVEL_RUN_FOLDERS = {'.git', '.venv', 'build', 'work_dirs', 'data'}
LEFT_OUT_EVERYWHERE = shutil.ignore_patterns('*.egg-info', '__pycache__')

pytestmark = pytest.mark.slow

NARROW_MODEL = [
    'model.backbone.base_channels=4', 'model.rate_head.in_channels=32',
    'model.decoder.in_channels=32', 'model.decoder.channels=[8,8,8,8]'
]


def _not_shipped(folder: str, names: List[str]) -> Set[str]:
    """The names that the wheel's source copy leaves out of ``folder``.

    Run folders are left out at the top only: ``tools/data/`` ships.
    """
    left_out = set(LEFT_OUT_EVERYWHERE(folder, names))
    if Path(folder) == REPO:
        left_out |= set(names) & TOP_LEVEL_RUN_FOLDERS
    return left_out


@pytest.fixture(scope='module')
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mmprp wheel built from a copy of this checkout.

    The copy keeps setuptools' in-tree ``build/`` folder, which can hold
    files of earlier builds, out of both the checkout and the wheel.
    """
    out = tmp_path_factory.mktemp('wheel')
    source = out / 'source'
    shutil.copytree(REPO, source, ignore=_not_shipped)
    run_command([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps',
        '--no-build-isolation', '--quiet', '-w', out, source
    ],
                cwd=out)
    return next(out.glob('mmprp-*.whl'))


@pytest.fixture(scope='module')
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtual environment with ``mmprp[lite,mim]`` installed."""
    root = tmp_path_factory.mktemp('venv')
    run_command([sys.executable, '-m', 'venv', root / 'venv'], cwd=root)
    bin_dir = root / 'venv' / 'bin'
    run_command([
        bin_dir / 'python', '-m', 'pip', 'install', '--quiet',
        '--disable-pip-version-check', '-c', REPO / 'requirements' / 'ci.txt',
        f'{wheel}[lite,mim]'
    ],
                cwd=root)
    return bin_dir


def test_wheel_ships_configs_tools_and_model_index(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ('mmprp/.mim/model-index.yml',
                 'mmprp/.mim/configs/prp/metafile.yml',
                 'mmprp/.mim/configs/prp/prp_c3d_ucf101.py',
                 'mmprp/.mim/tools/train.py', 'mmprp/.mim/tools/test.py',
                 'mmprp/.mim/tools/data/prepare_annotations.py'):
        assert path in names, path
    assert not [name for name in names if '__pycache__' in name]


def test_installed_wheel_passes_pip_check(venv: Path, tmp_path) -> None:
    assert 'No broken requirements' in run_command(
        [venv / 'python', '-m', 'pip', 'check'], cwd=tmp_path).stdout


def test_mim_search_lists_the_pretraining_configs(venv: Path,
                                                  tmp_path) -> None:
    output = run_command([venv / 'mim', 'search', 'mmprp'],
                         cwd=tmp_path).stdout
    for name in ('prp_c3d_ucf101', 'prp_r3d_ucf101', 'prp_r21d_ucf101',
                 'prp_x3d-s_ucf101', 'prp_slowonly-r50_ucf101',
                 'prp_i3d-r50_ucf101'):
        assert f'config id: {name}\n' in output


def test_every_shipped_tool_answers_help(
        venv: Path, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv('PYTHONPATH', raising=False)  # the wheel's mmprp
    site = next(venv.parent.glob('lib/python*/site-packages'))
    tools = sorted((site / 'mmprp' / '.mim' / 'tools').rglob('*.py'))
    assert len(tools) == len(list((REPO / 'tools').rglob('*.py')))
    helps = json.loads(
        run_command([venv / 'python', HELP_DRIVER, *tools],
                    cwd=tmp_path).stdout.splitlines()[-1])
    assert Path(helps.pop('mmprp')).is_relative_to(site)
    for tool, (code, out, err) in helps.items():
        assert code == 0 and out.startswith('usage: '), (tool, out, err)


def test_mim_train_from_an_empty_directory(venv: Path, tmp_path,
                                           synthetic_ucf101) -> None:
    train_list, val_list = synthetic_ucf101.ann_files[1]
    options = NARROW_MODEL + ['train_cfg.max_epochs=1']
    for loader, ann_file in (('train', train_list), ('val', val_list)):
        options += [
            f'{loader}_dataloader.dataset.ann_file={ann_file}',
            f'{loader}_dataloader.dataset.data_prefix.video='
            f'{synthetic_ucf101.video_dir}',
            f'{loader}_dataloader.num_workers=0',
            f'{loader}_dataloader.persistent_workers=False',
            f'{loader}_dataloader.batch_size=2',
            f'{loader}_dataloader.dataset.indices=2',
        ]
    empty = tmp_path / 'empty'
    empty.mkdir()
    run_command([
        venv / 'mim', 'train', 'mmprp', 'prp_c3d_ucf101.py', '--work-dir',
        'work', '--cfg-options', *options
    ],
                cwd=empty)
    assert (empty / 'work' / 'epoch_1.pth').is_file()
