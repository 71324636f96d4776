"""One PRP training step per backbone: vs supervised, vs the authors' layers.

For every config given (default: every shipped ``configs/prp/prp_*_ucf101.py``)
three training steps run in turn on the same batch:

PRP: the model, ``optim_wrapper`` and memory format of the config, as
``tools/train.py`` trains it: its ``SelfSupRecognizer`` (encoder,
``PRPHead``, ``MotionAttentionDecoder``), its SGD, and its 5-D weights
stored channels-last when the config's ``custom_hooks`` hold
``ChannelsLast3dHook`` (what the hook does before training).

SUPERVISED: MMAction2's ``Recognizer3D`` with the same backbone config and
MMAction2's ``I3DHead`` (global average pool, dropout 0.5, a 101-way linear
layer: the finetuning classifier), the PRP config's data preprocessor,
``optim_wrapper`` and memory format (the ``fc_rate`` key matches nothing
there), so both steps run the same SGD on the same layout. Its
``in_channels`` is the channel count of the PRP encoder's map.

AUTHORS: for configs whose file name names an encoder the authors released
(``prp_c3d_*``, ``prp_r3d_*``, ``prp_r21d_*``) and r = 2, their PRP model
rebuilt in plain PyTorch from their layer list
(:mod:`benchmarks.authors_model`: convs with bias, BN, non-inplace ReLU,
the same decoder, NCDHW as their code runs it), trained the way their loop
does: ``zero_grad``, forward, ``loss_weight`` x cross-entropy of the rate
logits plus the m-MSE of the reconstruction (mmprp's
``MotionAttentionMSELoss``, the same math), backward, ``torch.optim.SGD``
with the config's lr, momentum, weight decay and 10x lr on ``fc8``. Their
clip, target, validity mask and attention were built by their data loader
workers, so they are built once here, outside the timed step (ours builds
them inside its step, in ``prepare_views``).

Batch: ``--batch-size`` samples loaded by the real PRP training pipeline
from synthetic videos, rates cycling from the largest (8, 4, 2, 1, 8, ...),
collated by ``pseudo_collate`` as mmengine's data loader does. The
supervised batch is the same samples' 16-frame input clips with random
class labels.

Step: ``train_step(data, optim_wrapper)``, what mmengine's training loops
run (data preprocessor, forward, losses, backward, SGD step). The models
alternate (the order reverses every step) so that load changes hit all;
each step is timed with ``time.perf_counter`` (with ``torch.cuda.synchronize``
before and after on CUDA). Reported: the median over ``--steps`` timed
steps after ``--warmup`` untimed ones.

FLOPs: ``torch.utils.flop_counter.FlopCounterMode`` counts the first
warm-up step of each model (forward and backward of convolutions,
transposed convolutions and matrix products; BN, pooling and element-wise
operations are not counted); ``gflops_per_s`` = those FLOPs / median step.

Parts of the PRP step, timed during the same timed steps by wrapping the
methods on the instances (removed after): ``prepare_views`` (the clip,
target and motion attention), ``loss_rate`` (``PRPHead.loss_by_feat``),
``loss_recon`` (the m-MSE loss module's forward) and ``decoder`` (the
decoder's forward, plus its backward: from the arrival of the
reconstruction's gradient to that of the gradient of the decoder's input).
``overhead_share`` = median(prepare_views + losses) / median PRP step;
``decoder_share`` = median decoder time / median PRP step.

Memory: the peak during each step. CUDA: ``torch.cuda.max_memory_allocated``
after ``reset_peak_memory_stats``. CPU: the process's peak resident set
size (Linux ``VmHWM``, reset through ``/proc/self/clear_refs`` after glibc's
``malloc_trim`` has returned the freed heap to the system). Both count
everything alive in the process (all models, their optimizer states, the
batches), the same for every step, so differences between peaks are
differences between the steps' own needs.

Defaults: batch 4, 3 timed steps after 1 warm-up, torch's default number of
threads (``--threads`` sets it). On a shared CPU the ratios move with the
other processes' load, so compare runs made at a low load average (the
title line gives it).

Switches: ``--amp`` trains our models with the ``optim_wrapper`` settings
of ``configs/prp/prp_c3d_ucf101_amp.py`` (mmengine's ``AmpOptimWrapper``,
bfloat16 autocast; float32 where no GPU can build it) and the authors'
model under the same ``torch.autocast``; ``--channels-last on|off``
overrides the configs' memory format of our models (the authors' stays
NCDHW). ``tools/gpu_check.py`` runs every combination on a GPU.

Usage (from the repository root)::

    python -m benchmarks.bench_train_step --quick --json out.json
    python -m benchmarks.bench_train_step --threads 1 \
        --configs configs/prp/prp_c3d_ucf101.py
    python -m benchmarks.bench_train_step --device cuda --amp \
        --channels-last off
"""
import contextlib
import ctypes
import ctypes.util
import statistics
import tempfile
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import AmpOptimWrapper, OptimWrapper, build_optim_wrapper
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from mmprp.engine.hooks import to_channels_last_3d
from mmprp.models.losses import MotionAttentionMSELoss
from benchmarks.authors_model import AUTHORS_ARCHS, build_authors_prp
from benchmarks.common import (REPO_ROOT, base_parser, build_pipeline,
                               check_targets, format_table, load_average,
                               load_config, load_text, make_videos,
                               pipeline_input, pipeline_step,
                               prp_train_pipeline, quiet_notices, target_lines,
                               write_json)

CONFIG_DIR = REPO_ROOT / 'configs' / 'prp'
CONFIG_GLOB = 'prp_*_ucf101.py'
#: The config whose ``optim_wrapper`` gives the AMP settings (``--amp``).
AMP_CONFIG = CONFIG_DIR / 'prp_c3d_ucf101_amp.py'
AMP_KEYS = ('type', 'dtype', 'loss_scale', 'constructor')
SUPERVISED_CLASSES = 101
TARGETS = dict(step_ratio=('<=', 2.0), overhead_share=('<=', 0.05))
AUTHORS_TARGETS = dict(
    authors_time_ratio=('<=', 0.75), authors_peak_ratio=('<=', 1.0))
MIB = 2**20


def shipped_configs() -> List[Path]:
    """The shipped PRP UCF101 configs, one per backbone."""
    return sorted(CONFIG_DIR.glob(CONFIG_GLOB))


def synchronize(device: torch.device) -> None:
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
        self.kind = ('cuda max_memory_allocated' if device.type == 'cuda' else
                     'process peak RSS (VmHWM) after malloc_trim')
        self._libc = (None if device.type == 'cuda' else ctypes.CDLL(
            ctypes.util.find_library('c')))

    def reset(self) -> None:
        """Restart the peak."""
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            self._libc.malloc_trim(0)
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
            synchronize(device)
            start = time.perf_counter()
            result = method(*args, **kwargs)
            synchronize(device)
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


@contextlib.contextmanager
def timed_module(module: nn.Module, name: str, seconds: Dict[str, float],
                 device: torch.device) -> Iterator[None]:
    """Add the forward and backward time of ``module`` to ``seconds[name]``.

    The forward is timed around the call; the backward from the arrival of
    the output's gradient to that of the input's: the input enters through
    a view of its own, whose gradient is the module's part alone.

    Args:
        module (nn.Module): A module with one tensor input and output.
        name (str): The key of ``seconds``.
        seconds (dict): Where the seconds add up.
        device (torch.device): Synchronised around each part on CUDA.
    """
    forward = module.forward
    backward_start: List[float] = []

    def mark_start(grad: Tensor) -> None:
        synchronize(device)
        backward_start.append(time.perf_counter())

    def mark_end(grad: Tensor) -> None:
        synchronize(device)
        seconds[name] += time.perf_counter() - backward_start.pop()

    @wraps(forward)
    def wrapper(x: Tensor, *args, **kwargs) -> Tensor:
        synchronize(device)
        start = time.perf_counter()
        x = x.view_as(x)
        if x.requires_grad:
            x.register_hook(mark_end)
        output = forward(x, *args, **kwargs)
        if output.requires_grad:
            output.register_hook(mark_start)
        synchronize(device)
        seconds[name] += time.perf_counter() - start
        return output

    module.forward = wrapper
    try:
        yield
    finally:
        del module.forward


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
                  seed: int) -> Tuple[Dict, Dict, List[int]]:
    """Load a PRP batch with the real pipeline, and its supervised twin.

    Args:
        train_pipeline (Sequence[dict]): The PRP training pipeline.
        batch_size (int): Samples per batch.
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
        SUPERVISED_CLASSES, (batch_size, ),
        generator=torch.Generator().manual_seed(seed)).tolist()
    supervised = [
        dict(
            inputs=packed['inputs']
            [:, :, torch.as_tensor(packed['data_samples'].clip_inds)],
            data_samples=ActionDataSample().set_gt_label(label))
        for packed, label in zip(samples, labels)
    ]
    return pseudo_collate(samples), pseudo_collate(supervised), batch_rates


def uses_channels_last(cfg: Config) -> bool:
    """Whether the config trains with ``ChannelsLast3dHook``."""
    return any(hook['type'] == 'ChannelsLast3dHook'
               for hook in cfg.get('custom_hooks', []))


def build_model(model_cfg: Dict, optim_cfg: Dict, device: torch.device,
                channels_last: bool) -> Tuple[nn.Module, OptimWrapper]:
    """Build, initialise and move a model; build its optimizer wrapper.

    Args:
        model_cfg (dict): The model config.
        optim_cfg (dict): The ``optim_wrapper`` config.
        device (torch.device): Where the model trains.
        channels_last (bool): Store the 5-D weights channels-last, as
            ``ChannelsLast3dHook`` does.

    Returns:
        tuple: The model in training mode and its optimizer wrapper.
    """
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.to(device).train()
    if channels_last:
        to_channels_last_3d(model)
    return model, build_optim_wrapper(model, optim_cfg)


def load_prp_config(path: Path,
                    width: int,
                    cfg_options: Optional[Dict] = None) -> Config:
    """A PRP config, its C3D narrowed to base width ``width``.

    Args:
        path (Path): The config file.
        width (int): ``C3DEncoder.base_channels``; 64 is the configs' own,
            smaller values give narrow models for smoke tests.
        cfg_options (dict, optional): Keys merged into the config after
            that (``--cfg-options`` style, e.g. a narrower ResNet).

    Returns:
        Config: The config.

    Raises:
        ValueError: If ``width`` is not 64 and the config's backbone is not
            a ``C3DEncoder``.
    """
    cfg = load_config(path)
    if width != 64:
        _narrow_c3d(cfg, path, width)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _narrow_c3d(cfg: Config, path: Path, width: int) -> None:
    """Narrow the config's C3D to base width ``width``, in place.

    Raises:
        ValueError: If the config's backbone is not a ``C3DEncoder``.
    """
    if cfg.model.backbone.type != 'C3DEncoder':
        raise ValueError(
            f'--width {width}: only C3DEncoder configs can be narrowed; '
            f'{path} has a {cfg.model.backbone.type} backbone')
    cfg.merge_from_dict({
        'model.backbone.base_channels':
        width,
        'model.rate_head.in_channels':
        8 * width,
        'model.decoder.in_channels':
        8 * width,
        'model.decoder.channels': (8 * width, 4 * width, 2 * width, width),
    })


def amp_optim_cfg(optim_cfg: Dict) -> Dict:
    """``optim_cfg`` with the AMP settings of :data:`AMP_CONFIG`.

    Args:
        optim_cfg (dict): An ``optim_wrapper`` config.

    Returns:
        dict: The same optimizer and parameter-wise settings in mmengine's
        ``AmpOptimWrapper`` (its ``AmpFallbackOptimWrapperConstructor``
        builds a float32 ``OptimWrapper`` where there is no GPU).
    """
    amp = load_config(AMP_CONFIG).optim_wrapper
    return dict(optim_cfg, **{key: amp[key] for key in AMP_KEYS})


def supervised_model_cfg(prp_cfg: Config, in_channels: int) -> Dict:
    """``Recognizer3D`` with the PRP config's backbone and an ``I3DHead``.

    Args:
        prp_cfg (Config): The PRP config.
        in_channels (int): Channels of the backbone's output map.

    Returns:
        dict: The model config.
    """
    return dict(
        type='Recognizer3D',
        backbone=prp_cfg.model.backbone,
        cls_head=dict(
            type='I3DHead',
            num_classes=SUPERVISED_CLASSES,
            in_channels=in_channels),
        data_preprocessor=prp_cfg.model.data_preprocessor)


def authors_arch(path: Path, prp_cfg: Config) -> Optional[str]:
    """The authors' encoder a config trains (``prp_<arch>_...``), if any.

    Returns:
        str | None: One of ``AUTHORS_ARCHS``, or None when the authors
        released no such model or the config's r is not their 2.
    """
    arch = path.stem.split('_')[1]
    decoder = prp_cfg.model.get('decoder')
    if arch not in AUTHORS_ARCHS or decoder is None or decoder.get(
            'recon_rate', 2) != 2:
        return None
    return arch


class AuthorsPRP(nn.Module):
    """The authors' PRP model with their training step (module docstring).

    Args:
        arch (str): One of ``AUTHORS_ARCHS``.
        width (int): Channels of the encoder's first layer.
        prp_cfg (Config): The PRP config whose loss weights it uses.
        autocast_dtype (torch.dtype, optional): Run forward and losses under
            ``torch.autocast`` with this dtype (the AMP rows: the same
            autocast as our ``AmpOptimWrapper``; their code has none). None:
            float32, as their code runs.
    """

    def __init__(self,
                 arch: str,
                 width: int,
                 prp_cfg: Config,
                 autocast_dtype: Optional[torch.dtype] = None) -> None:
        super().__init__()
        self.autocast_dtype = autocast_dtype
        self.model = build_authors_prp(arch, width)
        self.rate_weight = prp_cfg.model.rate_head.loss_cls.loss_weight
        self.loss_recon = MotionAttentionMSELoss(
            prp_cfg.model.decoder.loss.loss_weight)

    def build_optimizer(self, optim_cfg: Dict) -> torch.optim.SGD:
        """Their SGD: the config's settings, 10x lr on ``fc8``."""
        settings = {
            key: optim_cfg.optimizer[key]
            for key in ('lr', 'momentum', 'weight_decay')
        }
        rate_layer = list(self.model.fc8.parameters())
        others = [
            param for name, param in self.model.named_parameters()
            if not name.startswith('fc8.')
        ]
        return torch.optim.SGD([
            dict(params=others),
            dict(params=rate_layer, lr=10 * settings['lr'])
        ], **settings)

    def train_step(self, views: Dict[str, Tensor],
                   optimizer: torch.optim.SGD) -> Dict[str, Tensor]:
        """One step of their training loop on prepared views.

        Args:
            views (dict): ``clip``, ``target``, ``target_valid``,
                ``attention`` and ``rate_label``, as
                ``PRPDataPreprocessor.prepare_views`` returns them.
            optimizer (torch.optim.SGD): From :meth:`build_optimizer`.

        Returns:
            dict: ``loss``.
        """
        optimizer.zero_grad()
        device_type = views['clip'].device.type
        with torch.autocast(
                device_type,
                dtype=self.autocast_dtype,
                enabled=self.autocast_dtype is not None):
            reconstruction, logits = self.model(views['clip'])
            loss = self.rate_weight * F.cross_entropy(
                logits, views['rate_label']) + self.loss_recon(
                    reconstruction, views['target'], views['target_valid'],
                    views['attention'])
        loss.backward()
        optimizer.step()
        return dict(loss=loss.detach())


@torch.no_grad()
def authors_views(model: nn.Module, data: Dict) -> Dict[str, Tensor]:
    """The views our PRP model builds for ``data``, in NCDHW layout."""
    batch = model.data_preprocessor(data, True)
    samples = batch['data_samples']
    target, valid, attention = model.decoder.target_views(samples)
    views = dict(
        clip=batch['inputs'],
        target=target,
        target_valid=valid,
        attention=attention,
        rate_label=torch.as_tensor([int(s.rate_label) for s in samples]))
    return {key: value.contiguous() for key, value in views.items()}


def _prp_parts(model: nn.Module) -> Dict[str, Tuple[object, str]]:
    """The overhead parts of a ``SelfSupRecognizer`` step."""
    return dict(
        prepare_views=(model.data_preprocessor, 'prepare_views'),
        loss_rate=(model.rate_head, 'loss_by_feat'),
        loss_recon=(model.decoder.loss_recon, 'forward'))


def _timed_step(model: nn.Module,
                optimizer: object,
                data: Dict,
                memory: PeakMemory,
                count_flops: bool = False) -> Dict[str, float]:
    """One training step with its time, memory and, if asked, FLOPs.

    Returns:
        dict: ``seconds``, ``peak_mib`` and, with ``count_flops``, ``flops``.
    """
    counter = FlopCounterMode(display=False) if count_flops else None
    synchronize(memory.device)
    memory.reset()
    start = time.perf_counter()
    with counter or contextlib.nullcontext():
        model.train_step(data, optimizer)
    synchronize(memory.device)
    record = dict(seconds=time.perf_counter() - start, peak_mib=memory.peak())
    if counter is not None:
        record['flops'] = float(counter.get_total_flops())
    return record


def _summary(steps: List[Dict[str, float]], flops: float) -> Dict[str, object]:
    """Median step time, peak memory and FLOP rate over the timed steps."""
    times = [step['seconds'] * 1000 for step in steps]
    median_ms = statistics.median(times)
    return dict(
        step_ms=median_ms,
        step_ms_all=times,
        peak_mib=max(step['peak_mib'] for step in steps),
        gflop=flops / 1e9,
        gflops_per_s=flops / 1e6 / median_ms)


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
        synchronize(device)
    return profiler.key_averages(group_by_input_shape=True).table(
        sort_by=sort_by,
        row_limit=rows,
        max_name_column_width=32,
        max_shapes_column_width=60)


def _time_steps(
    jobs: Dict[str, Tuple], device: torch.device, steps: int, warmup: int
) -> Tuple[Dict[str, List[Dict[str, float]]], Dict[str, float], List[Dict[
        str, float]]]:
    """Alternate the jobs' training steps; time them and PRP's parts.

    Args:
        jobs (dict): ``'prp'``, ``'supervised'`` and maybe ``'authors'`` to
            ``(model, optimizer, data)``.
        device (torch.device): Where they train.
        steps (int): Timed steps per job.
        warmup (int): Untimed steps per job first (at least 1: the first
            one counts the FLOPs).

    Returns:
        tuple: Per job, the :func:`_timed_step` records of the timed steps
        and the FLOPs of a step; per timed step, the seconds of each PRP
        part.
    """
    memory = PeakMemory(device)
    records: Dict[str, List[Dict[str, float]]] = defaultdict(list)
    flops: Dict[str, float] = {}
    parts: List[Dict[str, float]] = []
    prp = jobs['prp'][0]
    with timed_calls(_prp_parts(prp), device) as part_seconds, \
            timed_module(prp.decoder, 'decoder', part_seconds, device):
        for index in range(warmup + steps):
            part_seconds.clear()
            order = list(jobs) if index % 2 == 0 else list(jobs)[::-1]
            step = {
                name: _timed_step(*jobs[name], memory, index == 0)
                for name in order
            }
            if index == 0:
                flops = {name: rec['flops'] for name, rec in step.items()}
            if index >= warmup:
                for name, record in step.items():
                    records[name].append(record)
                parts.append(dict(part_seconds))
    return records, flops, parts


def build_jobs(
    path: Path,
    batch_size: int,
    device: torch.device,
    width: int,
    seed: int,
    amp: bool = False,
    channels_last: Optional[bool] = None,
    cfg_options: Optional[Dict] = None
) -> Tuple[Dict[str, Tuple], Dict[str, object]]:
    """The models, optimizers and batches of one config's comparison.

    Args:
        path (Path): The PRP config.
        batch_size (int): Samples per batch.
        device (torch.device): Where they train.
        width (int): C3D base width (see :func:`load_prp_config`).
        seed (int): Seed of the data and the weights.
        amp (bool): Train our models with the AMP settings of
            :data:`AMP_CONFIG` (:func:`amp_optim_cfg`) and the authors'
            under the same autocast, where an ``AmpOptimWrapper`` can be
            built (a GPU); elsewhere all stay float32. Defaults to False.
        channels_last (bool, optional): Store our models' 5-D weights
            channels-last or not; None: as the config does
            (:func:`uses_channels_last`). The authors' model stays NCDHW.
        cfg_options (dict, optional): Merged into the config (see
            :func:`load_prp_config`).

    Returns:
        tuple: ``prp``, ``supervised`` and (when the authors released such
        a model) ``authors`` to ``(model, optimizer, data)``; the settings
        of the comparison (``backbone``, ``channels_last``, ``amp``: whether
        the steps really run under AMP, ``authors``, ``batch_rates``).
    """
    cfg = load_prp_config(path, width, cfg_options)
    if channels_last is None:
        channels_last = uses_channels_last(cfg)
    optim_cfg = amp_optim_cfg(cfg.optim_wrapper) if amp else cfg.optim_wrapper
    prp_data, supervised_data, batch_rates = build_batches(
        prp_train_pipeline(cfg), batch_size, seed)
    torch.manual_seed(seed)
    prp, prp_optim = build_model(cfg.model, optim_cfg, device, channels_last)
    # mmengine's AmpOptimWrapper autocasts to float16 where no dtype is set
    autocast_dtype = ((prp_optim.cast_dtype or torch.float16) if isinstance(
        prp_optim, AmpOptimWrapper) else None)
    views = authors_views(prp, prp_data)
    with torch.no_grad():
        in_channels = prp.extract_feat(views['clip'][:1]).shape[1]
    jobs = dict(
        prp=(prp, prp_optim, prp_data),
        supervised=(*build_model(
            supervised_model_cfg(cfg, in_channels), optim_cfg, device,
            channels_last), supervised_data))
    arch = authors_arch(path, cfg)
    if arch is not None:
        # the authors' conv1 width: their encoder map has 8x its channels
        authors = AuthorsPRP(arch, cfg.model.rate_head.in_channels // 8, cfg,
                             autocast_dtype).to(device).train()
        jobs['authors'] = (authors, authors.build_optimizer(cfg.optim_wrapper),
                           views)
    return jobs, dict(
        backbone=cfg.model.backbone.type,
        channels_last=channels_last,
        amp=autocast_dtype is not None,
        authors=arch,
        batch_rates=batch_rates)


def _ratios(results: Dict[str, object]) -> None:
    """Add the step ratios and shares to one config's results, in place."""
    prp = results['prp']
    results['step_ratio'] = prp['step_ms'] / results['supervised']['step_ms']
    parts = results.pop('parts')
    results['prp_parts_ms'] = {
        name: statistics.median(part[name] * 1000 for part in parts)
        for name in parts[0]
    }
    overhead_ms = statistics.median(
        sum(seconds
            for name, seconds in part.items() if name != 'decoder') * 1000
        for part in parts)
    results['overhead_share'] = overhead_ms / prp['step_ms']
    results['decoder_share'] = (
        results['prp_parts_ms']['decoder'] / prp['step_ms'])
    targets = dict(TARGETS)
    if 'authors' in results:
        authors = results['authors']
        results['authors_time_ratio'] = prp['step_ms'] / authors['step_ms']
        results['authors_peak_ratio'] = prp['peak_mib'] / authors['peak_mib']
        results['authors_flops_ratio'] = (
            prp['gflops_per_s'] / authors['gflops_per_s'])
        targets.update(AUTHORS_TARGETS)
    results['targets'] = check_targets(results, targets)


def _shown_path(path: Path) -> str:
    """``path`` relative to the repository when it lies inside it."""
    inside = path.is_relative_to(REPO_ROOT)
    return str(path.relative_to(REPO_ROOT) if inside else path)


def run_config(path: Path,
               batch_size: int,
               steps: int,
               warmup: int,
               device: torch.device,
               width: int,
               profile_rows: int,
               seed: int,
               amp: bool = False,
               channels_last: Optional[bool] = None,
               cfg_options: Optional[Dict] = None) -> Dict[str, object]:
    """Time one config's PRP step, supervised step and authors' step.

    ``amp``, ``channels_last`` and ``cfg_options``: see :func:`build_jobs`.

    Returns:
        dict: ``settings``; ``prp``, ``supervised`` and maybe ``authors``
        (median step time, all step times, peak memory, GFLOP per step,
        GFLOP/s); ``prp_parts_ms``; ``step_ratio``, ``overhead_share``,
        ``decoder_share``; with the authors' model ``authors_time_ratio``,
        ``authors_peak_ratio`` (ours / theirs) and ``authors_flops_ratio``
        (our FLOP rate / theirs); ``targets``; when profiled, ``profiles``.
    """
    jobs, settings = build_jobs(path, batch_size, device, width, seed, amp,
                                channels_last, cfg_options)
    records, flops, parts = _time_steps(jobs, device, steps, warmup)
    results = dict(
        settings=dict(settings, config=_shown_path(path)),
        **{name: _summary(records[name], flops[name])
           for name in jobs},
        parts=parts)
    _ratios(results)
    if profile_rows > 0:
        results['profiles'] = {
            name: profile_step(*job, device, profile_rows)
            for name, job in jobs.items()
        }
    return results


def run_benchmark(configs: Optional[Sequence[Path]] = None,
                  batch_size: int = 4,
                  steps: int = 3,
                  warmup: int = 1,
                  device: str = 'cpu',
                  width: int = 64,
                  threads: Optional[int] = None,
                  profile_rows: int = 0,
                  seed: int = 0,
                  amp: bool = False,
                  channels_last: Optional[bool] = None) -> Dict[str, object]:
    """Time the training steps of every config's models side by side.

    Args:
        configs (Sequence[Path], optional): PRP configs. Defaults to
            :func:`shipped_configs`.
        batch_size (int): Samples per batch. Defaults to 4 (the configs'
            is 8).
        steps (int): Timed steps per model. Defaults to 3.
        warmup (int): Untimed steps per model first, at least 1. Defaults
            to 1.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        width (int): C3D base width (see :func:`load_prp_config`). Defaults
            to 64, the configs' own.
        threads (int, optional): ``torch.set_num_threads``; None keeps
            torch's default.
        profile_rows (int): With a positive value, profile one more step of
            each model and keep that many operators. Defaults to 0.
        seed (int): Seed of the data and the weights. Defaults to 0.
        amp (bool): AMP steps (see :func:`build_jobs`). Defaults to False.
        channels_last (bool, optional): Weights channels-last or not; None
            (default): as each config does.

    Returns:
        dict: ``settings`` and ``configs``: config stem to the results of
        :func:`run_config`.

    Raises:
        ValueError: If ``warmup`` is below 1 or there is no config.
    """
    if warmup < 1:
        raise ValueError(f'warmup={warmup}: at least one warm-up step is '
                         f'needed (it counts the FLOPs)')
    configs = list(configs or shipped_configs())
    if not configs:
        raise ValueError(f'no config: {CONFIG_DIR} has no {CONFIG_GLOB}')
    if threads is not None:
        torch.set_num_threads(threads)
    load_before = load_average()
    results = {
        Path(path).stem:
        run_config(
            Path(path).resolve(), batch_size, steps, warmup,
            torch.device(device), width, profile_rows, seed, amp,
            channels_last)
        for path in configs
    }
    return dict(
        settings=dict(
            device=device,
            batch_size=batch_size,
            steps=steps,
            warmup=warmup,
            width=width,
            seed=seed,
            torch_threads=torch.get_num_threads(),
            memory=PeakMemory(torch.device(device)).kind,
            flops='torch.utils.flop_counter.FlopCounterMode',
            load_average=[load_before, load_average()]),
        configs=results)


def report(results: Dict[str, object]) -> str:
    """The per-backbone table, the vs-authors table, the target lines.

    Args:
        results (dict): As :func:`run_benchmark` returns.

    Returns:
        str: Printable text.
    """
    settings = results['settings']
    configs = results['configs']
    lines = [
        f'One training step on {settings["device"]}: batch '
        f'{settings["batch_size"]} of 3x16x112x112 clips, median of '
        f'{settings["steps"]} steps after {settings["warmup"]} warm-up, '
        f'{settings["torch_threads"]} torch threads, {load_text(settings)}; '
        f'memory: {settings["memory"]}; FLOPs: {settings["flops"]}'
    ]
    header = ('config', 'backbone', 'NDHWC', 'PRP ms', 'supervised ms',
              'PRP/sup', 'decoder share', 'overhead share', 'PRP MiB',
              'supervised MiB')
    rows = [
        (name, entry['settings']['backbone'],
         'yes' if entry['settings']['channels_last'] else 'no',
         entry['prp']['step_ms'], entry['supervised']['step_ms'],
         entry['step_ratio'], entry['decoder_share'], entry['overhead_share'],
         entry['prp']['peak_mib'], entry['supervised']['peak_mib'])
        for name, entry in configs.items()
    ]
    lines += [
        'PRP vs supervised (same backbone + I3DHead):',
        format_table(header, rows)
    ]
    header = ('config', 'ours ms', 'authors ms', 'time ratio', 'ours MiB',
              'authors MiB', 'peak ratio', 'ours GFLOP/s', 'authors GFLOP/s',
              'GFLOP/step')
    rows = [(name, entry['prp']['step_ms'], entry['authors']['step_ms'],
             entry['authors_time_ratio'], entry['prp']['peak_mib'],
             entry['authors']['peak_mib'], entry['authors_peak_ratio'],
             entry['prp']['gflops_per_s'], entry['authors']['gflops_per_s'],
             entry['prp']['gflop']) for name, entry in configs.items()
            if 'authors' in entry]
    if rows:
        lines += [
            "Ours vs the authors' layers in plain PyTorch (ratios: "
            'ours / theirs):',
            format_table(header, rows)
        ]
    for name, entry in configs.items():
        parts = ', '.join(f'{part} {ms:.1f} ms'
                          for part, ms in entry['prp_parts_ms'].items())
        lines += [
            f'{name}: rates {entry["settings"]["batch_rates"]}; PRP '
            f'step parts (medians): {parts}'
        ]
        lines += [f'  {line}' for line in target_lines(entry)]
        for model, table in entry.get('profiles', {}).items():
            lines += [f'profile of one {model} step:', table]
    return '\n'.join(lines)


def main() -> None:
    """Parse the command line, run, print and optionally write JSON."""
    quiet_notices()
    parser = base_parser(
        __doc__.splitlines()[0], quick='batch 2, 1 timed step after 1 warm-up')
    parser.add_argument(
        '--configs',
        type=Path,
        nargs='+',
        help=f'PRP configs; default: every {CONFIG_DIR.relative_to(REPO_ROOT)}'
        f'/{CONFIG_GLOB}')
    parser.add_argument(
        '--batch-size',
        type=int,
        help="default 4; 8 is the config's (1.5 to 5 min a step pair on 2 "
        'cores)')
    parser.add_argument('--steps', type=int, help='timed steps, default 3')
    parser.add_argument(
        '--warmup', type=int, help='untimed steps (at least 1), default 1')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument(
        '--amp',
        action='store_true',
        help=f'AMP steps: the optim_wrapper of '
        f'{AMP_CONFIG.relative_to(REPO_ROOT)} (float32 where no GPU)')
    parser.add_argument(
        '--channels-last',
        choices=('config', 'on', 'off'),
        default='config',
        help="5-D weights channels-last: as the config's custom_hooks say "
        '(default), or on / off')
    parser.add_argument(
        '--threads', type=int, help="torch threads; default: torch's")
    parser.add_argument(
        '--width',
        type=int,
        default=64,
        help='C3D base width (C3D configs only); 64 is the configs\' own')
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
        configs=args.configs,
        device=args.device,
        width=args.width,
        threads=args.threads,
        profile_rows=args.profile,
        seed=args.seed,
        amp=args.amp,
        channels_last=dict(on=True, off=False).get(args.channels_last),
        **settings)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
