"""tools/gpu_check.py: its refusal without CUDA, its layout in the docs, and
its ``--device cpu --quick`` run (every row filled, exit 0)."""
import os
import subprocess
import sys

import pytest

from helpers import REPO
from tools import gpu_check


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


@pytest.mark.slow
def test_quick_cpu_run_fills_every_row() -> None:
    # about 7 minutes on 2 busy cores (X3-D at full width dominates)
    result = subprocess.run(
        [sys.executable, 'tools/gpu_check.py', '--device', 'cpu', '--quick'],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdin=subprocess.DEVNULL,
        text=True,
        capture_output=True,
        timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith('GPU check on CPU (cpu, torch ')
    rows = [line.split(' | ') for line in lines[3:]]
    assert [tuple(cell.strip('| ') for cell in row[:3])
            for row in rows] == gpu_check.planned_rows()
    for row in rows:
        assert all(cell.strip('| ') for cell in row), row
        assert 'FAILED' not in row[-1]
    assert rows[-1][3:] == ['exit 0', 'epoch_2.pth written', 'ok |']
