"""Helpers shared by the tests: the repository root, end-to-end runs,
shipped configs, videos whose frames carry their index."""
import copy
import functools
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine import Config
from mmengine.model import BaseModel
from torch import nn

from mmprp.testing import SyntheticDataset

REPO = Path(__file__).resolve().parents[1]
#: Runs a script or ``-c`` code where mmprp cannot be imported.
WITHOUT_MMPRP = REPO / 'tests' / 'without_mmprp.py'
NEVER_IMPORTED = 'mmprp imported: False; refused imports: []'
#: ``--cfg-options`` for a PRP ResNet config (R3D-18, R(2+1)D-18) at 1/8
#: width: base 8, so a 64-channel encoder map.
NARROW_RESNET = [
    'model.backbone.base_channels=8', 'model.rate_head.in_channels=64',
    'model.decoder.in_channels=64', 'model.decoder.channels=[16,16,16,16]'
]
LOAD_WEIGHTS_ONLY = """\
import sys
import torch
for path in sys.argv[1:]:
    torch.load(path, map_location='cpu', weights_only=True)
    print('loaded', path)
assert 'mmprp' not in sys.modules
"""
SHIPPED_CONFIGS = sorted([
    *(REPO / 'configs').rglob('*.py'),
    *(REPO / 'demo' / 'configs').glob('*.py')
])


def load_tool(path: str) -> ModuleType:
    """Load a script of ``tools/`` by its path, to call its functions.

    The tools are scripts, not a package: each is loaded from its file.

    Args:
        path (str): The script's path under ``tools/``, without ``.py``
            (``'analysis_tools/plot_training_curves'``).

    Returns:
        ModuleType: The loaded script, its ``__main__`` block not run.
    """
    script = REPO / 'tools' / f'{path}.py'
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def _loaded_config(path: Path) -> dict:
    return Config.fromfile(path).to_dict()


def shipped_config(path: Path) -> dict:
    """A config file as a dict, read once per test session (loading all
    shipped configs takes many seconds).

    Args:
        path (Path): The config file.

    Returns:
        dict: A copy of the loaded config, free to change.
    """
    return copy.deepcopy(_loaded_config(path))


def data_options(dataset: SyntheticDataset,
                 loaders=('train', 'val'),
                 num_videos: Dict[str, int] = None,
                 batch_size: int = 2) -> List[str]:
    """``--cfg-options`` that point a config at the synthetic dataset.

    Args:
        dataset (SyntheticDataset): The synthetic UCF101.
        loaders (tuple[str]): Data loaders to retarget.
        num_videos (dict, optional): Videos kept per loader (``indices``).
        batch_size (int): Batch size of every loader.

    Returns:
        list[str]: ``key=value`` options.
    """
    train_list, val_list = dataset.ann_files[1]
    ann_files = dict(train=train_list, val=val_list, test=val_list)
    num_videos = num_videos or {}
    options = []
    for loader in loaders:
        prefix = f'{loader}_dataloader'
        options += [
            f'{prefix}.dataset.ann_file={ann_files[loader]}',
            f'{prefix}.dataset.data_prefix.video={dataset.video_dir}',
            f'{prefix}.num_workers=0', f'{prefix}.persistent_workers=False',
            f'{prefix}.batch_size={batch_size}'
        ]
        if loader in num_videos:
            options.append(f'{prefix}.dataset.indices={num_videos[loader]}')
    return options


def run_command(command: List[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a command without stdin, fail the test with its output on error."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    result = subprocess.run([str(part) for part in command],
                            cwd=cwd,
                            env=env,
                            stdin=subprocess.DEVNULL,
                            text=True,
                            capture_output=True,
                            timeout=600)
    assert result.returncode == 0, (
        f'{command} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}')
    return result


#: Forks ``tools/train.py`` runs from one process and kills them at chosen
#: events (see its docstring).
KILL_DRIVER = REPO / 'tests' / 'engine' / 'hooks' / 'kill_driver.py'


def run_kill_driver(folder: Path, config: Path,
                    runs: List[dict]) -> List[dict]:
    """Run ``kill_driver.py`` on ``runs`` of ``config`` in ``folder``.

    Args:
        folder (Path): Where its plan and results are written.
        config (Path): The config every run trains.
        runs (list[dict]): The runs (``work_dir``, ``resume``, ``kill_at``,
            optionally ``copy_from`` and ``events``).

    Returns:
        list[dict]: Its results, one per run; each run either killed or
        ended with exit code 0.
    """
    plan, results = folder / 'plan.json', folder / 'results.json'
    plan.write_text(json.dumps(dict(config=str(config), runs=runs)))
    path = [str(REPO), str(REPO / 'tests'), os.environ.get('PYTHONPATH')]
    process = subprocess.run(
        [sys.executable,
         str(KILL_DRIVER),
         str(plan), str(results)],
        cwd=folder,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, path))),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600)
    assert process.returncode == 0, process.stderr[-4000:]
    outcomes = json.loads(results.read_text())
    failed = [
        run for run, outcome in zip(runs, outcomes)
        if not outcome['killed'] and outcome['exit_code'] != 0
    ]
    assert not failed, (failed, process.stderr[-4000:])
    return outcomes


def run_without_mmprp(arguments: List,
                      cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -I tests/without_mmprp.py ARGUMENTS``.

    The process cannot import mmprp (nor sees ``PYTHONPATH``); the run must
    succeed without mmprp ever being imported or asked for.

    Args:
        arguments (list): A script and its arguments, or ``-c``, code and
            its arguments.
        cwd (Path): Its working folder.

    Returns:
        subprocess.CompletedProcess: The finished run.
    """
    result = run_command([sys.executable, '-I', WITHOUT_MMPRP, *arguments],
                         cwd=cwd)
    assert NEVER_IMPORTED in result.stdout, result.stdout[-2000:]
    return result


def assert_load_weights_only(paths: Sequence[Path], cwd: Path) -> None:
    """Each file loads with plain ``torch.load(path, weights_only=True)``,
    in a process where mmprp is absent (:func:`run_without_mmprp`)."""
    assert paths, 'no checkpoint to load'
    result = run_without_mmprp(['-c', LOAD_WEIGHTS_ONLY, *paths], cwd)
    assert result.stdout.count('loaded ') == len(paths), result.stdout


def read_scalars(work_dir: Path) -> List[dict]:
    """The json lines mmengine's LocalVisBackend logged in ``work_dir``."""
    files = sorted(work_dir.glob('*/vis_data/scalars.json'))
    assert files, f'no scalars.json under {work_dir}'
    return [json.loads(line) for line in files[-1].read_text().splitlines()]


def assert_finite(records: List[dict], keys: List[str]) -> None:
    """Every key occurs in ``records`` and each value is finite."""
    for key in keys:
        values = [record[key] for record in records if key in record]
        assert values, f'{key} never logged'
        assert all(math.isfinite(value) for value in values), (key, values)


def small_frames(pipeline: Sequence[dict], scale: Union[Tuple[int, int],
                                                        float],
                 crop_size: int) -> List[dict]:
    """A PRP pipeline that decodes smaller frames and crops them smaller.

    Args:
        pipeline (Sequence[dict]): A shipped PRP pipeline, decoding (and
            resizing) with ``OpenCVForwardDecode``, cropping with
            ``CenterCrop`` or ``RandomCrop``.
        scale (tuple[int, int] | float): The decoder's new ``scale``
            (``Resize``'s meaning, ``keep_ratio=True``).
        crop_size (int): The new crop size.

    Returns:
        list[dict]: Copies of the steps, those two changed.

    Raises:
        AssertionError: If the pipeline lacks either step (a test would
            otherwise run on full-size frames without noticing).
    """
    steps = [dict(step) for step in pipeline]
    types = [step['type'] for step in steps]
    assert 'OpenCVForwardDecode' in types, types
    crops = [
        step for step in steps if step['type'] in ('CenterCrop', 'RandomCrop')
    ]
    assert crops, types
    for step in steps:
        if step['type'] == 'OpenCVForwardDecode':
            step.update(scale=scale, keep_ratio=True)
    for step in crops:
        step['crop_size'] = crop_size
    return steps


# Frames that carry their index: CODE_BITS cells of a CODE_COLUMNS-wide grid
# filling the frame, each dark (bit 0) or light (bit 1), under a texture
# that moves from frame to frame (so that codecs predict motion).
CODE_BITS = 12
CODE_COLUMNS = 4
CODE_LEVELS = (45, 210)


def coded_frames(num_frames: int,
                 height: int = 48,
                 width: int = 64) -> np.ndarray:
    """Frames whose pixels hold their own index (:func:`frame_codes`).

    Args:
        num_frames (int): Frames, at most ``2 ** CODE_BITS``.
        height (int): Frame height (a multiple of the grid's 3 rows).
        width (int): Frame width (a multiple of its 4 columns).

    Returns:
        np.ndarray: ``(num_frames, height, width, 3)`` uint8.
    """
    rows = CODE_BITS // CODE_COLUMNS
    cell_h, cell_w = height // rows, width // CODE_COLUMNS
    texture = np.random.default_rng(0).integers(-20, 21,
                                                (2 * height, 2 * width, 3))
    frames = np.empty((num_frames, height, width, 3), np.uint8)
    for index in range(num_frames):
        bits = (index >> np.arange(CODE_BITS)) & 1
        grid = np.asarray(CODE_LEVELS)[bits].reshape(rows, CODE_COLUMNS)
        levels = grid.repeat(cell_h, 0).repeat(cell_w, 1)[..., None]
        shift = index % height
        moving = texture[shift:shift + height, shift:shift + width]
        frames[index] = np.clip(levels + moving, 0, 255)
    return frames


def _cell_centre(size: int, cells: int, cell: int) -> slice:
    """The middle 40 % of one of ``cells`` equal cells along ``size``."""
    return slice(
        int((cell + 0.3) * size / cells), int((cell + 0.7) * size / cells))


def frame_codes(imgs: Sequence[np.ndarray]) -> List[int]:
    """The index each frame of :func:`coded_frames` carries, read from the
    centre of each cell (any frame size, channel order or resize).

    Args:
        imgs (Sequence[np.ndarray]): ``(H, W, 3)`` frames.

    Returns:
        list[int]: One index per frame.
    """
    rows = CODE_BITS // CODE_COLUMNS
    threshold = sum(CODE_LEVELS) / 2
    codes = []
    for img in imgs:
        height, width = img.shape[:2]
        code = 0
        for bit in range(CODE_BITS):
            row, column = divmod(bit, CODE_COLUMNS)
            cell = img[_cell_centre(height, rows, row),
                       _cell_centre(width, CODE_COLUMNS, column)]
            code |= int(cell.mean() > threshold) << bit
        codes.append(code)
    return codes


def cut_copy(path: Path,
             out: Path,
             fraction: float,
             zero_riff_size: bool = False) -> Path:
    """A copy of the first ``fraction`` of a file's bytes.

    Args:
        path (Path): The file.
        out (Path): The copy to write.
        fraction (float): How much of it to keep.
        zero_riff_size (bool): Zero an AVI's RIFF size field, as streaming
            writers leave it: the container then cannot show the cut.
            Defaults to False.

    Returns:
        Path: ``out``.
    """
    data = bytearray(path.read_bytes()[:int(path.stat().st_size * fraction)])
    if zero_riff_size:
        data[4:8] = bytes(4)
    out.write_bytes(data)
    return out


# A process that takes the work-dir lock of training runs (the lock module
# alone: no heavy imports), says so, and holds it until its stdin closes.
LOCK_HOLDER = (
    'import runpy, sys\n'
    "lock = runpy.run_path(sys.argv[1])['WorkDirLock'](sys.argv[2])\n"
    "lock.acquire(print)\n"
    "print('held', flush=True)\n"
    'sys.stdin.read()\n')


def hold_lock(work_dir: Path) -> subprocess.Popen:
    """Start a process holding the training lock of ``work_dir``.

    It releases the lock and ends once its stdin is closed.

    Args:
        work_dir (Path): The work dir (it exists).

    Returns:
        subprocess.Popen: The process, the lock held.
    """
    process = subprocess.Popen([
        sys.executable, '-c', LOCK_HOLDER,
        str(REPO / 'mmprp' / 'utils' / 'work_dir_lock.py'),
        str(work_dir)
    ],
                               stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == 'held\n'
    return process


def randomise_batch_norms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Trained-looking BN statistics and affine values; eval mode."""
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            size = module.num_features
            module.running_mean.copy_(torch.rand(size, generator=generator))
            module.running_var.copy_(0.2 + 2
                                     * torch.rand(size, generator=generator))
            module.weight.data.copy_(0.5
                                     + torch.rand(size, generator=generator))
            module.bias.data.copy_(torch.randn(size, generator=generator))
    return model.eval()


def toy_loader() -> dict:
    """The data loader config of :class:`ToyModel` runs: 4 inputs of ones,
    2 a batch, in order."""
    return dict(
        dataset=[dict(inputs=torch.ones(2)) for _ in range(4)],
        sampler=dict(type='DefaultSampler', shuffle=False),
        collate_fn=dict(type='default_collate'),
        batch_size=2,
        num_workers=0)


class ToyModel(BaseModel):
    """One linear layer, loss: mean square of its output."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: torch.Tensor, mode: str = 'tensor'):
        outputs = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=outputs.pow(2).mean())
        return [outputs]


def prp_batch(sampler: object,
              rates: List[int],
              seed: int = 0,
              size: int = 32) -> Tuple[torch.Tensor, list, list]:
    """Videos whose frame i is a random image seeded by i, one per rate.

    Args:
        sampler (PlaybackRateSampler): Samples each video at the given rate.
        rates (list[int]): One video per rate, in this order.
        seed (int): Seed of the frames. Defaults to 0.
        size (int): Frame height and width. Defaults to 32.

    Returns:
        tuple: The padded batch (N, 1, 3, T, H, W) in [0, 1], the data
        samples (as PackPRPInputs makes them) and each sample's decoded
        frames.
    """
    from mmaction.structures import ActionDataSample
    from mmengine.model import stack_batch

    from mmprp.structures import PRP_SAMPLE_KEYS
    generator = torch.Generator().manual_seed(seed)
    video = torch.rand(300, 3, size, size, generator=generator)
    inputs, samples, frame_inds = [], [], []
    for rate in rates:
        sampler.keep_rate(sampler.rates.index(rate))
        results = sampler.transform(dict(total_frames=300))
        frame_inds.append(results['frame_inds'])
        inputs.append(video[results['frame_inds']].transpose(0, 1)[None])
        sample = ActionDataSample()
        for key in PRP_SAMPLE_KEYS:
            if key in results:
                sample.set_field(results[key], key)
        samples.append(sample)
    return stack_batch(inputs), samples, [video[i] for i in frame_inds]
