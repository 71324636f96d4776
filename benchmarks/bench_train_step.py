"""Time of one PRP training step vs MMAction2's supervised C3D step.

PRP: the model and ``optim_wrapper`` of ``configs/prp/prp_c3d_ucf101.py``
(``SelfSupRecognizer``: ``C3DEncoder``, ``PRPHead``, ``MotionAttentionDecoder``
with r = 2 and sparse attention; SGD lr 0.01, momentum 0.9, weight decay
5e-4, 10x LR on ``fc_rate``).

SUPERVISED: the model of
``configs/finetune/finetune-stock_c3d-gap_ucf101_split1.py``:
MMAction2's stock ``Recognizer3D`` with the same ``C3DEncoder`` (the conv
stack PRP trains) and MMAction2's ``I3DHead`` (global average pool, dropout,
a 101-way linear layer: the paper's finetuning classifier). MMAction2's own
``C3D`` backbone has the same conv layers plus fc6/fc7 (about 50 M more
parameters), which PRP never trains: they would slow the supervised step and
flatter PRP's ratio, so the same encoder is the fairer baseline. It uses the
PRP config's ``optim_wrapper`` too (the ``fc_rate`` key matches nothing
there), so both steps run the same SGD.

Batch: ``--batch-size`` samples loaded by the real PRP training pipeline
from synthetic videos, with rates cycling from the largest (8, 4, 2, 1, 8,
...: every rate equally often when the batch is a multiple of 4, the
costliest ones in a smaller batch), collated by ``pseudo_collate`` as
mmengine's data loader does. The supervised batch is the same samples'
16-frame input clips (the decoded frames at ``clip_inds``, still uint8) with
random class labels.

Step: ``model.train_step(data, optim_wrapper)``, what mmengine's training
loops run: data preprocessor (to the device, scaling to [0, 1], padding the
PRP frames to the batch maximum), forward, losses, backward, SGD step. The
two models alternate (the order swaps every step) so that load changes hit
both; each step is timed with ``time.perf_counter`` (with
``torch.cuda.synchronize`` before and after on CUDA). Reported: the median
over ``--steps`` timed steps after ``--warmup`` untimed ones.

Parts of the PRP step: during the same timed steps,
``SelfSupRecognizer.prepare_views`` (gathering the clip and target,
interpolation, motion attention), ``PRPHead.loss_by_feat`` and the forward
of the m-MSE loss module are wrapped (instance attributes, removed after) to
add up their wall time (synchronising on CUDA around each).
``overhead_share`` = median of those parts per step / median PRP step. The
losses' backward is inside ``backward`` and not counted.

Memory: the peak during each model's steps. CUDA:
``torch.cuda.max_memory_allocated`` after ``reset_peak_memory_stats``. CPU:
the process's peak resident set size (Linux ``VmHWM``, reset through
``/proc/self/clear_refs`` before each step). Both count everything alive in
the process (both models, their optimizer states, the batches), so the
difference between the two peaks is what the PRP step needs beyond the
supervised one.

``torch`` keeps its default number of threads.

Defaults: batch 4, 3 timed steps after 1 warm-up. The config's batch 8 took
6 to 20 minutes for 1 + 3 step pairs on a shared 2-core CPU, depending on
the other processes' load, so the default batch is halved; ``--batch-size 8``
restores it. On a shared CPU the ratio moves with the other processes' load
(the two steps suffer from it differently), so compare runs made at a low
load average (the title line gives it).

Usage (from the repository root)::

    python -m benchmarks.bench_train_step --quick --json out.json
    python -m benchmarks.bench_train_step --device cuda
"""
import contextlib
import statistics
import tempfile
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper, build_optim_wrapper
from torch import nn

from benchmarks.common import (REPO_ROOT, base_parser, build_pipeline,
                               check_targets, format_table, load_average,
                               load_config, load_text, make_videos,
                               pipeline_input, pipeline_step, quiet_notices,
                               target_lines, write_json)

SUPERVISED_CONFIG = (
    REPO_ROOT / 'configs' / 'finetune'
    / 'finetune-stock_c3d-gap_ucf101_split1.py')
TARGETS = dict(step_ratio=('<=', 1.8), overhead_share=('<=', 0.05))
MIB = 2**20


def _synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


class PeakMemory:
    """Peak memory of the process around a step (see the module docstring).

    Args:
        device (torch.device): CUDA counts allocated tensor memory; the CPU
            counts the resident set size.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.kind = ('cuda max_memory_allocated'
                     if device.type == 'cuda' else 'process peak RSS (VmHWM)')

    def reset(self) -> None:
        """Restart the peak."""
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            Path('/proc/self/clear_refs').write_text('5')

    def peak(self) -> float:
        """The peak since the last :meth:`reset`, in MiB."""
        if self.device.type == 'cuda':
            return torch.cuda.max_memory_allocated(self.device) / MIB
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
        raise RuntimeError('/proc/self/status has no VmHWM')


@contextlib.contextmanager
def timed_calls(targets: Dict[str, Tuple[object, str]],
                device: torch.device) -> Iterator[Dict[str, float]]:
    """Add up the wall time of methods while the context is open.

    Args:
        targets (dict): Part name to ``(object, method name)``; the method
            is shadowed by a timing wrapper on the instance.
        device (torch.device): Synchronised around each call on CUDA.

    Yields:
        dict: Part name to seconds so far (the caller may reset entries).
    """
    seconds: Dict[str, float] = defaultdict(float)

    def timing(name: str, method: Callable) -> Callable:

        @wraps(method)
        def wrapper(*args, **kwargs):
            _synchronize(device)
            start = time.perf_counter()
            result = method(*args, **kwargs)
            _synchronize(device)
            seconds[name] += time.perf_counter() - start
            return result

        return wrapper

    for name, (owner, method) in targets.items():
        setattr(owner, method, timing(name, getattr(owner, method)))
    try:
        yield seconds
    finally:
        for owner, method in targets.values():
            delattr(owner, method)


def _sample_with_rate(pipeline: Callable, filenames: Sequence[str], rate: int,
                      seed: int) -> Tuple[Dict, int]:
    """Run the pipeline with successive seeds until it draws ``rate``.

    Returns:
        tuple: The packed sample and the next unused seed.
    """
    while True:
        np.random.seed(seed)
        packed = pipeline(pipeline_input(filenames[seed % len(filenames)]))
        seed += 1
        if packed['data_samples'].playback_rate == rate:
            return packed, seed


def build_batches(train_pipeline: Sequence[dict], batch_size: int,
                  num_classes: int, seed: int) -> Tuple[Dict, Dict, List[int]]:
    """Load a PRP batch with the real pipeline, and its supervised twin.

    Args:
        train_pipeline (Sequence[dict]): The PRP training pipeline.
        batch_size (int): Samples per batch.
        num_classes (int): Classes of the supervised labels.
        seed (int): Seed of the videos, draws and labels.

    Returns:
        tuple: The PRP batch and the supervised batch (``inputs`` and
        ``data_samples`` lists, as ``pseudo_collate`` makes them) and the
        rates of the samples.
    """
    rates = sorted(
        pipeline_step(train_pipeline, 'PlaybackRateSampler')['rates'],
        reverse=True)
    pipeline = build_pipeline(train_pipeline)
    batch_rates = [rates[i % len(rates)] for i in range(batch_size)]
    samples = []
    with tempfile.TemporaryDirectory() as work_dir:
        videos = make_videos(Path(work_dir), 3, (120, 160), (140, 180), seed)
        filenames = [video.filename for video in videos]
        next_seed = seed
        for rate in batch_rates:
            packed, next_seed = _sample_with_rate(pipeline, filenames, rate,
                                                  next_seed)
            samples.append(packed)
    labels = torch.randint(
        num_classes, (batch_size, ),
        generator=torch.Generator().manual_seed(seed)).tolist()
    supervised = [
        dict(
            inputs=packed['inputs']
            [:, :, torch.as_tensor(packed['data_samples'].clip_inds)],
            data_samples=ActionDataSample().set_gt_label(label))
        for packed, label in zip(samples, labels)
    ]
    return pseudo_collate(samples), pseudo_collate(supervised), batch_rates


def build_model(model_cfg: Dict, optim_cfg: Dict,
                device: torch.device) -> Tuple[nn.Module, OptimWrapper]:
    """Build, initialise and move a model; build its optimizer wrapper.

    Args:
        model_cfg (dict): The model config.
        optim_cfg (dict): The ``optim_wrapper`` config.
        device (torch.device): Where the model trains.

    Returns:
        tuple: The model in training mode and its optimizer wrapper.
    """
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device).train()
    return model, build_optim_wrapper(model, optim_cfg)


def load_configs(width: int) -> Tuple[Config, Config]:
    """The PRP and the supervised configs at C3D base width ``width``.

    Args:
        width (int): ``C3DEncoder.base_channels``; 64 is the configs' own
            C3D, smaller values give narrow models for smoke tests.

    Returns:
        tuple: The PRP config and the supervised config.
    """
    prp_cfg = load_config()
    prp_cfg.merge_from_dict({
        'model.backbone.base_channels':
        width,
        'model.rate_head.in_channels':
        8 * width,
        'model.decoder.in_channels':
        8 * width,
        'model.decoder.channels': (8 * width, 4 * width, 2 * width, width),
    })
    supervised_cfg = load_config(SUPERVISED_CONFIG)
    supervised_cfg.merge_from_dict({
        'model.backbone.base_channels': width,
        'model.cls_head.in_channels': 8 * width,
    })
    return prp_cfg, supervised_cfg


def _prp_parts(model: nn.Module) -> Dict[str, Tuple[object, str]]:
    """The overhead parts of a ``SelfSupRecognizer`` step."""
    return dict(
        prepare_views=(model, 'prepare_views'),
        loss_rate=(model.rate_head, 'loss_by_feat'),
        loss_recon=(model.decoder.loss_recon, 'forward'))


def _timed_step(model: nn.Module, optim_wrapper: OptimWrapper, data: Dict,
                memory: PeakMemory) -> Dict[str, float]:
    """One training step with its time and memory.

    Returns:
        dict: ``seconds`` and ``peak_mib``.
    """
    _synchronize(memory.device)
    memory.reset()
    start = time.perf_counter()
    model.train_step(data, optim_wrapper)
    _synchronize(memory.device)
    seconds = time.perf_counter() - start
    return dict(seconds=seconds, peak_mib=memory.peak())


def _summary(steps: List[Dict[str, float]]) -> Dict[str, object]:
    """Median step time and peak memory over the timed steps."""
    times = [step['seconds'] * 1000 for step in steps]
    return dict(
        step_ms=statistics.median(times),
        step_ms_all=times,
        peak_mib=max(step['peak_mib'] for step in steps))


def profile_step(model: nn.Module, optim_wrapper: OptimWrapper, data: Dict,
                 device: torch.device, rows: int) -> str:
    """The most expensive operators of one training step.

    Args:
        model (nn.Module): The model.
        optim_wrapper (OptimWrapper): Its optimizer wrapper.
        data (dict): Its batch.
        device (torch.device): Where it trains.
        rows (int): Operators to list.

    Returns:
        str: ``torch.profiler``'s table, grouped by operator and input
        shapes, sorted by self time on the device that does the work.
    """
    activities = [torch.profiler.ProfilerActivity.CPU]
    sort_by = 'self_cpu_time_total'
    if device.type == 'cuda':
        activities.append(torch.profiler.ProfilerActivity.CUDA)
        sort_by = 'self_device_time_total'
    with torch.profiler.profile(
            activities=activities, record_shapes=True) as profiler:
        model.train_step(data, optim_wrapper)
        _synchronize(device)
    return profiler.key_averages(group_by_input_shape=True).table(
        sort_by=sort_by,
        row_limit=rows,
        max_name_column_width=32,
        max_shapes_column_width=60)


def _time_steps(
    jobs: Dict[str, Tuple], device: torch.device, steps: int, warmup: int
) -> Tuple[Dict[str, List[Dict[str, float]]], List[Dict[str, float]]]:
    """Alternate the jobs' training steps; time the steps and PRP's parts.

    Args:
        jobs (dict): ``'prp'`` and ``'supervised'`` to ``(model,
            optim_wrapper, data)``.
        device (torch.device): Where they train.
        steps (int): Timed steps per job.
        warmup (int): Untimed steps per job first.

    Returns:
        tuple: Per job, the :func:`_timed_step` records of the timed steps;
        per timed step, the seconds of each PRP part.
    """
    memory = PeakMemory(device)
    records: Dict[str, List[Dict[str, float]]] = defaultdict(list)
    parts: List[Dict[str, float]] = []
    with timed_calls(_prp_parts(jobs['prp'][0]), device) as part_seconds:
        for index in range(warmup + steps):
            part_seconds.clear()
            order = list(jobs) if index % 2 == 0 else list(jobs)[::-1]
            step = {name: _timed_step(*jobs[name], memory) for name in order}
            if index >= warmup:
                for name, record in step.items():
                    records[name].append(record)
                parts.append(dict(part_seconds))
    return records, parts


def run_benchmark(batch_size: int = 4,
                  steps: int = 3,
                  warmup: int = 1,
                  device: str = 'cpu',
                  width: int = 64,
                  profile_rows: int = 0,
                  seed: int = 0) -> Dict[str, object]:
    """Time PRP's and the supervised model's training steps side by side.

    Args:
        batch_size (int): Samples per batch. Defaults to 4 (see the module
            docstring; the config's is 8).
        steps (int): Timed steps per model. Defaults to 3.
        warmup (int): Untimed steps per model first. Defaults to 1.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        width (int): C3D base width (see :func:`load_configs`). Defaults
            to 64, the configs' own.
        profile_rows (int): With a positive value, profile one more step of
            each model and keep that many operators. Defaults to 0.
        seed (int): Seed of the data and the weights. Defaults to 0.

    Returns:
        dict: ``settings``, ``prp`` and ``supervised`` (median step time,
        all step times, peak memory), ``prp_parts_ms`` (medians per part),
        ``step_ratio``, ``overhead_share``, ``targets`` and, when profiled,
        ``profiles`` (one table per model).
    """
    torch_device = torch.device(device)
    load_before = load_average()
    prp_cfg, supervised_cfg = load_configs(width)
    prp_data, supervised_data, batch_rates = build_batches(
        prp_cfg.train_pipeline, batch_size,
        supervised_cfg.model.cls_head.num_classes, seed)
    torch.manual_seed(seed)
    jobs = dict(
        prp=(*build_model(prp_cfg.model, prp_cfg.optim_wrapper, torch_device),
             prp_data),
        supervised=(*build_model(supervised_cfg.model, prp_cfg.optim_wrapper,
                                 torch_device), supervised_data))
    records, parts = _time_steps(jobs, torch_device, steps, warmup)
    results = dict(
        settings=dict(
            device=device,
            batch_size=batch_size,
            steps=steps,
            warmup=warmup,
            width=width,
            seed=seed,
            batch_rates=batch_rates,
            torch_threads=torch.get_num_threads(),
            memory=PeakMemory(torch_device).kind,
            load_average=[load_before, load_average()]),
        prp=_summary(records['prp']),
        supervised=_summary(records['supervised']),
        prp_parts_ms={
            name: statistics.median(part[name] * 1000 for part in parts)
            for name in parts[0]
        })
    overhead_ms = statistics.median(
        sum(part.values()) * 1000 for part in parts)
    results['step_ratio'] = (
        results['prp']['step_ms'] / results['supervised']['step_ms'])
    results['overhead_share'] = overhead_ms / results['prp']['step_ms']
    results['targets'] = check_targets(results, TARGETS)
    if profile_rows > 0:
        results['profiles'] = {
            name: profile_step(*job, torch_device, profile_rows)
            for name, job in jobs.items()
        }
    return results


def report(results: Dict[str, object]) -> str:
    """The result table, the summary lines and any profiles.

    Args:
        results (dict): As :func:`run_benchmark` returns.

    Returns:
        str: Printable text.
    """
    settings = results['settings']
    header = ('model', 'median step ms', 'min ms', 'max ms', 'peak MiB')
    rows = [(name, summary['step_ms'], min(summary['step_ms_all']),
             max(summary['step_ms_all']), summary['peak_mib'])
            for name, summary in (('PRP (C3D, DG-P, r=2)', results['prp']),
                                  ('supervised C3D', results['supervised']))]
    parts = ', '.join(f'{name} {ms:.1f} ms'
                      for name, ms in results['prp_parts_ms'].items())
    lines = [
        f'One training step on {settings["device"]}: batch '
        f'{settings["batch_size"]} of 3x16x112x112 clips (rates '
        f'{settings["batch_rates"]}), C3D width {settings["width"]}, median '
        f'of {settings["steps"]} steps after {settings["warmup"]} warm-up, '
        f'{settings["torch_threads"]} torch threads, '
        f'{load_text(settings)}; memory: {settings["memory"]}',
        format_table(header, rows),
        f'PRP step parts (medians): {parts}',
    ]
    lines += target_lines(results)
    for name, table in results.get('profiles', {}).items():
        lines += [f'profile of one {name} step:', table]
    return '\n'.join(lines)


def main() -> None:
    """Parse the command line, run, print and optionally write JSON."""
    quiet_notices()
    parser = base_parser(
        __doc__.splitlines()[0], quick='batch 2, 1 timed step after 1 warm-up')
    parser.add_argument(
        '--batch-size',
        type=int,
        help="default 4; 8 is the config's (1.5 to 5 min a step pair on 2 "
        'cores)')
    parser.add_argument('--steps', type=int, help='timed steps, default 3')
    parser.add_argument('--warmup', type=int, help='untimed steps, default 1')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument(
        '--width',
        type=int,
        default=64,
        help='C3D base width; 64 is the configs\' own (default)')
    parser.add_argument(
        '--profile',
        type=int,
        default=0,
        metavar='ROWS',
        help='profile one more step of each model, list ROWS operators')
    args = parser.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no CUDA device is available')
    settings = dict(batch_size=2, steps=1, warmup=1) if args.quick else {}
    settings.update({
        key: value
        for key, value in dict(
            batch_size=args.batch_size, steps=args.steps,
            warmup=args.warmup).items() if value is not None
    })
    results = run_benchmark(
        device=args.device,
        width=args.width,
        profile_rows=args.profile,
        seed=args.seed,
        **settings)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
