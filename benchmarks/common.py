"""Helpers shared by the benchmark scripts: configs, videos, output."""
import argparse
import copy
import functools
import json
import logging
import math
import os
import platform
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import decord
import mmaction
import mmengine
import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import mmprp  # noqa: F401  (registers the PRP modules)
from mmprp.datasets import pipeline_with_protocol
from mmprp.testing import NUM_SPLITS, generate_synthetic_ucf101

REPO_ROOT = Path(__file__).resolve().parents[1]
PRP_CONFIG = REPO_ROOT / 'configs' / 'prp' / 'prp_c3d_ucf101.py'


class Video(NamedTuple):
    """One synthetic video.

    Attributes:
        filename (str): Path of the file.
        total_frames (int): Number of frames.
    """

    filename: str
    total_frames: int


def load_config(path: Path = PRP_CONFIG) -> Config:
    """Load a config with MMAction2's registries as the default scope.

    A file is parsed once per process and modification time (of the file
    itself, not of its ``_base_`` files): parsing resolves every
    ``_base_`` and ``mmaction::`` file (about 0.3 s a config), and
    ``tools/gpu_check.py`` loads each config dozens of times.

    Args:
        path (Path): The config file. Defaults to the PRP C3D UCF101 config.

    Returns:
        Config: The loaded config, a copy free to change.
    """
    init_default_scope('mmaction')
    path = Path(path).resolve()
    return copy.deepcopy(_parsed_config(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=None)
def _parsed_config(path: Path, mtime_ns: int) -> Config:
    """``Config.fromfile(path)``, parsed once per ``mtime_ns``."""
    return Config.fromfile(str(path))


def build_pipeline(steps: Sequence[dict]) -> Compose:
    """Build a data pipeline from MMAction2's ``TRANSFORMS``.

    Args:
        steps (Sequence[dict]): Transform configs, e.g. a config's
            ``train_pipeline``.

    Returns:
        Compose: The pipeline, as a dataset would run it.
    """
    return Compose([TRANSFORMS.build(step) for step in steps])


def prp_train_pipeline(cfg: Config) -> List[dict]:
    """A PRP config's training pipeline, its sampler given the protocol.

    Args:
        cfg (Config): A PRP config (``train_pipeline``, and ``prp`` in the
            training dataset).

    Returns:
        list[dict]: The steps.
    """
    return pipeline_with_protocol(cfg.train_pipeline,
                                  cfg.train_dataloader.dataset.get('prp'))


def pipeline_step(pipeline: Sequence[dict], type_name: str) -> dict:
    """The config of one transform of a pipeline.

    Args:
        pipeline (Sequence[dict]): Transform configs.
        type_name (str): The transform's ``type``.

    Returns:
        dict: Its config (the first one of that type).
    """
    return next(step for step in pipeline if step['type'] == type_name)


def load_average() -> float:
    """The 1-minute load average of the machine (other processes included).

    Returns:
        float: ``os.getloadavg()[0]``.
    """
    return os.getloadavg()[0]


def pipeline_input(filename: str) -> Dict:
    """The dict ``VideoDataset`` hands to its pipeline for one video.

    Args:
        filename (str): The video file.

    Returns:
        dict: ``filename``, ``label`` (-1: unlabelled), ``start_index`` and
        ``modality``.
    """
    return dict(filename=filename, label=-1, start_index=0, modality='RGB')


def make_videos(out_dir: Path, num_videos: int, frame_size: Tuple[int, int],
                num_frames: Tuple[int, int], seed: int) -> List[Video]:
    """Write synthetic videos with :func:`generate_synthetic_ucf101`.

    Args:
        out_dir (Path): Where to write them.
        num_videos (int): How many videos to return; one video per group,
            ``NUM_SPLITS`` groups per class, as many classes as needed.
        frame_size (tuple[int, int]): ``(height, width)``.
        num_frames (tuple[int, int]): Inclusive ``(min, max)`` frame count.
        seed (int): Dataset seed.

    Returns:
        list[Video]: The videos, sorted by file name.
    """
    dataset = generate_synthetic_ucf101(
        out_dir,
        num_classes=math.ceil(num_videos / NUM_SPLITS),
        groups_per_class=NUM_SPLITS,
        clips_per_group=1,
        num_frames=num_frames,
        frame_size=frame_size,
        seed=seed,
        progress=False)
    return [
        Video(str(dataset.video_dir / name), count)
        for name, count in sorted(dataset.frame_counts.items())
    ][:num_videos]


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (the platform's otherwise).

    Returns:
        str: The model name.
    """
    cpuinfo = Path('/proc/cpuinfo')
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor()


def machine_facts() -> Dict[str, object]:
    """Where a benchmark ran: CPU, threads, GPU and package versions.

    Returns:
        dict: Facts for the JSON output.
    """
    return dict(
        nproc=os.cpu_count(),
        cpu_model=cpu_model(),
        torch_threads=torch.get_num_threads(),
        cuda_device=(torch.cuda.get_device_name()
                     if torch.cuda.is_available() else None),
        python=platform.python_version(),
        torch=torch.__version__,
        decord=decord.__version__,
        mmaction2=mmaction.__version__,
        mmengine=mmengine.__version__,
        numpy=np.__version__)


def quiet_notices() -> None:
    """Silence mmengine's notices (e.g. deprecation notices), which would
    clutter a benchmark's table.

    For the scripts' ``main`` only: it changes the process-wide logger.
    """
    MMLogger.get_current_instance().setLevel(logging.ERROR)


def base_parser(description: str, quick: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark has.

    Args:
        description (str): What the benchmark measures.
        quick (str): What ``--quick`` changes.

    Returns:
        argparse.ArgumentParser: With ``--quick``, ``--seed`` and ``--json``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--quick', action='store_true', help=quick)
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--json', type=Path, help='also write the results to this file')
    return parser


def format_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Right-aligned plain-text table.

    Args:
        header (Sequence[str]): Column titles.
        rows (Sequence[Sequence]): Cells; floats print with 2 decimals.

    Returns:
        str: The table, one line per row after the header.
    """
    cells = [list(header)] + [[
        f'{cell:.2f}' if isinstance(cell, float) else str(cell) for cell in row
    ] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return '\n'.join('  '.join(
        cell.rjust(width) for cell, width in zip(row, widths))
                     for row in cells)


def check_targets(results: Dict,
                  targets: Dict[str, Tuple[str, float]]) -> Dict[str, Dict]:
    """Whether the results meet the project's speed goals.

    Args:
        results (dict): A benchmark's results, with a number per target.
        targets (dict): Result key to ``('>=' or '<=', limit)``.

    Returns:
        dict: Result key to ``target`` (e.g. ``'>= 3.0'``) and ``met``.
    """
    meets = {'>=': float.__ge__, '<=': float.__le__}
    return {
        name:
        dict(
            target=f'{sign} {limit}',
            met=meets[sign](float(results[name]), limit))
        for name, (sign, limit) in targets.items()
    }


def target_lines(results: Dict) -> List[str]:
    """One summary line per target: the value, the target, met or not.

    Args:
        results (dict): A benchmark's results with ``targets`` as
            :func:`check_targets` makes them.

    Returns:
        list[str]: ``name = value  (target ...: met|MISSED)`` lines.
    """
    return [
        f'{name} = {results[name]:.3f}  (target {target["target"]}: '
        f'{"met" if target["met"] else "MISSED"})'
        for name, target in results['targets'].items()
    ]


def load_text(settings: Dict) -> str:
    """The load averages a benchmark recorded, for its title line.

    Args:
        settings (dict): With ``load_average``: ``[before, after]``.

    Returns:
        str: ``load average B -> A``.
    """
    before, after = settings['load_average']
    return f'load average {before:.1f} -> {after:.1f}'


def write_json(path: Optional[Path], results: Dict) -> None:
    """Write the results with the machine facts, when a path is given.

    Args:
        path (Path, optional): The JSON file; None writes nothing.
        results (dict): The benchmark's results.
    """
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(dict(results, machine=machine_facts()), indent=2) + '\n')
