"""tools/gpu_check.py: its quick CPU run, its refusals, its layout in docs.

The quick run (``--device cpu --quick``) runs every row of the CUDA table
at a toy size, the two DDP runs through ``tools/dist_train.sh`` included;
only what it prints is checked, never its times.
"""

import pytest
import torch

from helpers import REPO, load_tool

gpu_check = load_tool('gpu_check')

COLUMNS = list(gpu_check.HEADER)


def table_rows(out: str) -> list:
    """The cells of the printed markdown table, header and rule included."""
    lines = [line for line in out.splitlines() if line.startswith('| ')]
    return [[cell.strip() for cell in line.strip('|').split('|')]
            for line in lines]


@pytest.mark.slow
def test_quick_cpu_run_fills_every_row(capsys) -> None:
    threads = torch.get_num_threads()
    assert gpu_check.main(['--device', 'cpu', '--quick']) == 0
    assert torch.get_num_threads() == threads  # restored after its 1
    out = capsys.readouterr().out
    assert out.startswith('GPU check on CPU (cpu, torch ')
    assert '1 torch threads' in out.splitlines()[0]
    rows = table_rows(out)
    assert rows[0] == COLUMNS
    body = rows[2:]
    assert [tuple(row[:3]) for row in body] == gpu_check.planned_rows()
    cells = {tuple(row[:3]): dict(zip(COLUMNS[3:], row[3:])) for row in body}
    for (check, backbone, variant), row in cells.items():
        assert 'FAILED' not in row['verdict'], (check, backbone, row)
        if check == 'train step':
            assert row['result'].startswith('PRP ') and 'MiB' in row['result']
            assert 'supervised' in row['compared with']
            # the authors released C3D, R3D and R(2+1)D models, not X3D
            has_authors = backbone != 'X3D-S'
            assert ("authors' layers" in row['compared with']) == has_authors
            assert ('PRP/authors time' in row['verdict']) == has_authors
            if variant.startswith('AMP'):  # no GPU: float32
                assert row['verdict'].endswith('(AMP fell back to fp32: '
                                               'no GPU)')
        elif check == 'decoder fusion':
            assert row['result'].startswith('fused ')
            assert row['compared with'].startswith('unfused ')
            assert 'fusion' in row['verdict'] and 'on cpu' in row['verdict']
        elif check == 'data loader':
            assert row['result'].endswith('samples/s (1 workers)')
            assert row['compared with'].startswith('step needs ')
        elif check == 'GPU busy share':
            assert row['result'].startswith('busy ')
            assert 'per iteration' in row['compared with']
        else:
            epoch = 1 if check == 'DDP train' else 2
            assert row == {
                'result': 'exit 0',
                'compared with': f'epoch_{epoch}.pth written',
                'verdict': 'ok'
            }


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
