"""Two-process distributed PRP training through ``tools/dist_train.sh``.

mmengine's distributed engine (torchrun, ``MMDistributedDataParallel``,
the ``DefaultSampler`` split, here by its subclass ``SeededSampler``) runs
on two CPU processes with the gloo backend, a narrow C3D (the demo config,
weights channels-last) and synthetic videos.
A test-only hook (``rank_probe_hook.py``) writes, per rank, the videos of
every batch and fingerprints of the parameters; ``cpu_distributed.py`` lets
mmengine's launcher start without a GPU.
"""
import json
import os
import socket
import subprocess
import textwrap
from pathlib import Path
from typing import List

import pytest
from mmengine import Config

from helpers import REPO, assert_finite, data_options, read_scalars

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
WORLD_SIZE = 2
TEST_MODULES = textwrap.dedent("""\
    custom_imports = dict(
        imports=['mmprp', 'cpu_distributed', 'rank_probe_hook'],
        allow_failed_imports=False)
    # mmengine's own DDP settings, but no device ids (mmengine passes
    # LOCAL_RANK, which DDP refuses for a CPU module)
    model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                             device_ids=None, broadcast_buffers=False)
    """)
# The probe reads each training sample's file name from its metainfo.
KEEP_FILENAME = textwrap.dedent("""\
    def keep_filename(pipeline):
        return [dict(step, meta_keys=('img_shape', 'filename'))
                if step['type'] == 'PackPRPInputs' else step
                for step in pipeline]


    train_dataloader = dict(dataset=dict(
        pipeline=keep_filename(_base_.train_dataloader.dataset.pipeline)))
    """)


def free_port() -> int:
    """A TCP port that is free on this machine now.

    Returns:
        int: The port.
    """
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def write_config(path: Path,
                 base: Path,
                 hooks: List[str],
                 extra: str = '') -> Path:
    """Write a config inheriting ``base`` with the test-only modules.

    Args:
        path (Path): Where to write the config.
        base (Path): The config to inherit.
        hooks (list[str]): Hook types added to the base's custom hooks.
        extra (str): More config lines.

    Returns:
        Path: ``path``.
    """
    base_hooks = '_base_.custom_hooks + ' if Config.fromfile(base).get(
        'custom_hooks') else ''
    new_hooks = [dict(type=hook) for hook in hooks]
    path.write_text(f'_base_ = [{str(base)!r}]\n{TEST_MODULES}'
                    f'custom_hooks = {base_hooks}{new_hooks!r}\n{extra}')
    return path


def dist_train(config: Path, work_dir: Path, options: List[str], repo: Path,
               monkeypatch: pytest.MonkeyPatch,
               python: str) -> subprocess.CompletedProcess:
    """Run ``tools/dist_train.sh CONFIG 2`` on CPUs with the gloo backend.

    Args:
        config (Path): The config.
        work_dir (Path): The work dir.
        options (list[str]): More ``--cfg-options`` values.
        repo (Path): The repository root.
        monkeypatch (pytest.MonkeyPatch): Sets the launcher's environment.
        python (str): The interpreter (``PYTHON`` of the script).

    Returns:
        subprocess.CompletedProcess: The finished launcher.
    """
    # CPU processes on any machine: mmengine puts the model on the GPU if
    # it sees one, and one GPU cannot host two ranks
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '-1')
    monkeypatch.setenv('PYTHON', python)
    monkeypatch.setenv('PORT', str(free_port()))
    monkeypatch.setenv(
        'PYTHONPATH',
        os.pathsep.join(
            filter(None, [str(HERE), os.environ.get('PYTHONPATH')])))
    command = [
        'bash', repo / 'tools' / 'dist_train.sh', config, WORLD_SIZE,
        '--work-dir', work_dir, '--cfg-options',
        'env_cfg.dist_cfg.backend=gloo', *options
    ]
    return subprocess.run([str(part) for part in command],
                          cwd=repo,
                          stdin=subprocess.DEVNULL,
                          text=True,
                          capture_output=True,
                          timeout=600)


def read_probes(work_dir: Path) -> List[dict]:
    """The records :class:`RankProbeHook` wrote, by rank.

    Args:
        work_dir (Path): The work dir of the run.

    Returns:
        list[dict]: One record per rank.
    """
    return [
        json.loads((work_dir / f'rank_probe_{rank}.json').read_text())
        for rank in range(WORLD_SIZE)
    ]


def test_ranks_shard_the_data_and_end_with_identical_weights(
        tmp_path, synthetic_ucf101, monkeypatch, python) -> None:
    repo = REPO
    # channels-last weights too (the configs' ChannelsLast3dHook), converted
    # after DDP wrapped the model
    config = write_config(tmp_path / 'dist_demo.py',
                          repo / 'demo' / 'configs' / 'prp_c3d_demo.py',
                          ['RankProbeHook'], KEEP_FILENAME)
    work_dir = tmp_path / 'work'
    options = data_options(synthetic_ucf101) + [
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1'
    ]
    result = dist_train(config, work_dir, options, repo, monkeypatch, python)
    assert result.returncode == 0, (
        result.stdout[-3000:] + result.stderr[-3000:])
    probes = read_probes(work_dir)
    assert [(p['rank'], p['world_size']) for p in probes] == [(0, 2), (1, 2)]
    # SeededSampler (a DefaultSampler) under DDP: disjoint halves of the 8
    # training videos
    train_list = synthetic_ucf101.ann_files[1][0].read_text().splitlines()
    videos = {Path(line.split()[0]).name for line in train_list}
    seen = [{name for batch in p['batches'] for name in batch} for p in probes]
    assert [len(p['batches']) for p in probes] == [2, 2]
    assert not seen[0] & seen[1]
    assert seen[0] | seen[1] == videos
    # rank 0's weights are broadcast; averaged gradients keep them equal
    assert probes[0]['initial'] == probes[1]['initial']
    assert probes[0]['final'] == probes[1]['final']
    assert probes[0]['final'] != probes[0]['initial']
    assert probes[0]['norm_layers'] == ['BatchNorm3d']
    assert probes[0]['channels_last_3d'] and probes[1]['channels_last_3d']
    records = read_scalars(work_dir)
    assert_finite(records, ['loss', 'loss_rate', 'loss_recon', 'pretext/loss'])


def test_sync_bn_config_converts_batch_norm_under_the_launcher(
        tmp_path, synthetic_ucf101, monkeypatch, python) -> None:
    repo = REPO
    config = write_config(
        tmp_path / 'dist_syncbn.py',
        repo / 'configs' / 'prp' / 'prp_c3d_ucf101_syncbn.py', [])
    result = dist_train(config, tmp_path / 'work',
                        data_options(synthetic_ucf101), repo, monkeypatch,
                        python)
    # mmengine converted BN before wrapping the model; torch's DDP accepts
    # SyncBatchNorm on GPU modules only, so a CPU run stops there.
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'SyncBatchNorm layers only work with GPU modules' in output
