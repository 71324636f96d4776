"""tools/gpu_check.py: its refusal without CUDA and its layout in the docs.

Its ``--device cpu --quick`` run takes about 7 minutes on two cores: not
in the suite until the quick mode is cheaper."""

import pytest

from helpers import REPO, load_tool

gpu_check = load_tool('gpu_check')


def test_refuses_without_a_cuda_device(monkeypatch, capsys) -> None:
    monkeypatch.setattr(gpu_check.torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit) as exited:
        gpu_check.main([])
    assert exited.value.code == 2
    assert 'no CUDA device is available' in capsys.readouterr().err


def test_cpu_needs_quick(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        gpu_check.main(['--device', 'cpu'])
    assert exited.value.code == 2
    assert '--device cpu needs --quick' in capsys.readouterr().err


def test_docs_hold_the_empty_table_of_every_row(capsys) -> None:
    assert gpu_check.main(['--layout']) == 0
    table = capsys.readouterr().out.strip()
    assert len(table.splitlines()) == 2 + len(gpu_check.planned_rows()) == 36
    assert table in (REPO / 'docs' / 'performance.md').read_text()
