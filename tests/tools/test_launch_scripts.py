"""The shell launchers: usage without arguments, the command they run."""
import os
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import REPO

SCRIPTS = {
    'dist_train.sh': 'CONFIG GPUS',
    'dist_test.sh': 'CONFIG CHECKPOINT GPUS',
    'slurm_train.sh': 'PARTITION JOB_NAME CONFIG',
    'slurm_test.sh': 'PARTITION JOB_NAME CONFIG CHECKPOINT',
}


def run_script(name: str, *args: str, env: dict = None):
    return subprocess.run(['bash', str(REPO / 'tools' / name), *args],
                          capture_output=True,
                          text=True,
                          env=env)


@pytest.mark.parametrize('name', sorted(SCRIPTS))
def test_without_arguments_prints_usage_and_fails(name: str) -> None:
    result = run_script(name)
    assert result.returncode == 2
    assert result.stderr.startswith('usage: ')
    assert SCRIPTS[name] in result.stderr
    assert result.stdout == ''


def fake_command(folder: Path, name: str) -> None:
    """An executable ``name`` that prints its arguments, one a line."""
    path = folder / name
    path.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize('name, args, script_args', [
    ('slurm_train.sh', ('part', 'job', 'cfg.py', '--resume'),
     ['train.py', 'cfg.py', '--launcher', 'slurm', '--resume']),
    ('slurm_test.sh', ('part', 'job', 'cfg.py', 'ckpt.pth', '--dump', 'x'),
     ['test.py', 'cfg.py', 'ckpt.pth', '--launcher', 'slurm', '--dump', 'x']),
])
def test_slurm_scripts_run_srun_with_the_tool(tmp_path, name, args,
                                              script_args) -> None:
    fake_command(tmp_path, 'srun')
    env = dict(
        os.environ,
        PATH=f'{tmp_path}{os.pathsep}{os.environ["PATH"]}',
        GPUS='16',
        SRUN_ARGS='--quotatype=auto --time=1')
    result = run_script(name, *args, env=env)
    assert result.returncode == 0, result.stderr
    argv = result.stdout.splitlines()
    assert argv[:6] == [
        '--partition=part', '--job-name=job', '--gres=gpu:8', '--ntasks=16',
        '--ntasks-per-node=8', '--cpus-per-task=5'
    ]
    assert argv[7:9] == ['--quotatype=auto', '--time=1']
    assert argv[9] == 'python' and argv[10] == '-u'
    assert Path(argv[11]).resolve() == REPO / 'tools' / script_args[0]
    assert argv[12:] == script_args[1:]
