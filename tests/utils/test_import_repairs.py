"""MMPRP_NO_REPAIRS: which repairs ``import mmprp`` leaves out.

The opt-out runs in a subprocess (the variable is read at import). Without
the DRN placeholder, mmaction2 1.2.0 imports only where its localizers'
``__init__.py`` is patched, as ``make`` does when it creates ``.venv``.
"""
import sys

import pytest
from mmengine.runner.checkpoint import CheckpointLoader, load_from_local

from mmprp.utils import NO_REPAIRS, load_local_checkpoint, skipped_repairs
from mmprp.utils.mmaction_compat import DRN_MODULE, drn_is_missing
from helpers import run_command

BOTH = {'drn', 'checkpoint_loaders'}
REPORT_REPAIRS = """\
import sys
import mmprp
from mmaction.registry import MODELS
from mmengine.runner.checkpoint import CheckpointLoader
print(CheckpointLoader._schemes[''].__name__,
      CheckpointLoader._schemes['https://'].__name__,
      'mmaction.models.localizers.drn' in sys.modules,
      MODELS.get('PRPHead').__name__)
"""


@pytest.mark.parametrize('value, skipped', [
    ('', set()),
    ('1', BOTH),
    ('ALL', BOTH),
    ('drn', {'drn'}),
    (' checkpoint_loaders , drn ', BOTH),
])
def test_the_variable_names_the_repairs_to_skip(value: str,
                                                skipped: set) -> None:
    assert skipped_repairs({NO_REPAIRS: value}) == skipped


def test_an_unknown_repair_is_refused() -> None:
    with pytest.raises(
            ValueError,
            match=r"^MMPRP_NO_REPAIRS='drn,yes' names yes: give 1 \(all\) "
            r'or some of drn, checkpoint_loaders, comma-separated$'):
        skipped_repairs({NO_REPAIRS: 'drn,yes'})


def test_repairs_are_on_by_default() -> None:
    assert skipped_repairs({}) == set()
    assert CheckpointLoader._schemes[''] is load_local_checkpoint
    assert (DRN_MODULE in sys.modules) == drn_is_missing()


def test_opting_out_keeps_mmengine_and_mmaction_as_installed(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(NO_REPAIRS, '1')
    output = run_command([sys.executable, '-c', REPORT_REPAIRS],
                         cwd=tmp_path).stdout
    assert output.split() == [
        load_from_local.__name__, 'load_from_http', 'False', 'PRPHead'
    ]
