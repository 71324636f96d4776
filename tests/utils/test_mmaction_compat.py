"""Tests of the repairs for the published mmaction2 1.2.0 package."""
import importlib.util
import subprocess
import sys

import pytest

from mmprp.utils.mmaction_compat import (ORIGINAL_IMPORT,
                                         patch_localizers_init, require_mmcv)

UPSTREAM_INIT = ('from .bmn import BMN\n' + ORIGINAL_IMPORT
                 + "__all__ = ['BMN', 'DRN']\n")


def test_patch_makes_drn_optional_and_is_idempotent(tmp_path) -> None:
    init_file = tmp_path / '__init__.py'
    init_file.write_text(UPSTREAM_INIT)
    assert patch_localizers_init(init_file) is True
    patched = init_file.read_text()
    assert 'except ImportError:\n    DRN = None' in patched
    assert patch_localizers_init(init_file) is False
    assert init_file.read_text() == patched
    compile(patched, str(init_file), 'exec')


def test_import_mmprp_makes_mmaction_models_importable() -> None:
    code = ('import mmprp, mmaction.models\n'
            'from mmaction.models.localizers.drn.drn import DRN\n'
            'try:\n    DRN()\nexcept ImportError as error:\n'
            '    print(error)\n')
    result = subprocess.run([sys.executable, '-c', code],
                            text=True,
                            capture_output=True,
                            check=True)
    assert '#2714' in result.stdout


def test_missing_mmcv_names_both_ways_to_install_it(monkeypatch) -> None:
    original = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, 'find_spec', lambda name, *args: None
        if name == 'mmcv' else original(name, *args))
    with pytest.raises(ImportError) as error:
        require_mmcv()
    assert 'mmprp[lite]' in str(error.value)
    assert 'full mmcv 2.1' in str(error.value)
