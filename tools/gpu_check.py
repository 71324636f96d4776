"""Check mmprp's CUDA paths on one GPU in one command; print one table.

No CUDA path of this project had run when this was written: the table is
what a GPU owner runs first (``make gpu-check``, about 8 minutes is the aim
on one GPU; not yet measured). Rows (markdown, for docs/performance.md):

* ``train step``: for C3D, R3D-18, R(2+1)D-18 and MMAction2's stock X3D-S
  (the shipped ``configs/prp/prp_*_ucf101.py``), fp32 and AMP (the
  ``optim_wrapper`` of ``prp_c3d_ucf101_amp.py``: bfloat16 autocast), 5-D
  weights channels-last (NDHWC) or not (NCDHW): the median PRP training
  step and its peak memory at batch 8, beside the authors' layer list
  (``benchmarks/authors_model.py``, NCDHW, under the same autocast in the
  AMP rows) and the supervised step of the same backbone (``Recognizer3D``
  + ``I3DHead``): ``benchmarks/bench_train_step.py``'s machinery (its
  docstring says how steps, medians and peaks are taken; on CUDA the peak
  is ``torch.cuda.max_memory_allocated``).
* ``decoder fusion``: the PRP decoder's forward + backward on the
  encoder's real map, with every deconvolution + conv pair fused
  (``upsample_conv3d``) and with none fused (the decoder's ``fusion``
  attribute set to True, then False), alternating, median of the timed
  repeats. The library fuses on the CPU only (``fusion_is_cheaper``); the
  verdict says whether fusing should be enabled on CUDA. This tool changes
  no rule.
* ``data loader``: samples/s of the config's training data loader (its
  workers and batch size, the real pipeline) on synthetic videos of
  UCF101's frame size, after the first batch (worker start-up), against
  what the backbone's fastest step consumes (batch / step time): whether
  the GPU would wait for data.
* ``GPU busy share``: training the config's model (fp32, its memory
  format) from that data loader, the share of each iteration's wall time
  (from the end of one step to the end of the next, the wait for the next
  batch included) spent in the synchronised ``train_step``; a host-side
  measure, not the device's utilisation counter.
* ``DDP train`` / ``DDP resume``: ``tools/dist_train.sh CONFIG 1`` (the C3D
  config, nccl) for one epoch of the synthetic videos, then the same with
  ``--resume`` and one epoch more: both must exit 0 and the second must
  write ``epoch_2.pth``.

A row whose check raises gets ``FAILED`` and the error in its verdict (the
traceback on stderr); the command then exits 1.

``--device cpu --quick`` checks the tool itself on a CPU, every row of
the table at a toy size (:data:`QUICK`): batch 1, one step after one
warm-up, 16x32x32 clips, C3D at width 4, the ResNets at 1/8 width, X3D at
a third of X3D-S's width without bottleneck expansion, 1 data-loader
worker, one torch thread, small videos, the DDP runs (one iteration each)
on the narrow demo config with the gloo backend (through
``tests/tools/cpu_distributed.py``, hence from a clone only). The test
suite runs it (tests/tools/test_gpu_check.py). Its numbers mean nothing.
Without ``--device cpu`` and with no CUDA device it refuses. ``--layout``
prints the table with empty cells (docs/performance.md holds it until a
GPU run).

Usage (from a clone)::

    python tools/gpu_check.py                 # one CUDA GPU
    python tools/gpu_check.py --device cpu --quick
"""
import argparse
import gc
import importlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

BACKBONES = {
    'prp_c3d_ucf101': 'C3D',
    'prp_r3d_ucf101': 'R3D-18',
    'prp_r21d_ucf101': 'R(2+1)D-18',
    'prp_x3d-s_ucf101': 'X3D-S',
}
HEADER = ('check', 'backbone', 'variant', 'result', 'compared with', 'verdict')
PRECISIONS = (('fp32', False), ('AMP', True))
LAYOUTS = (('NCDHW', False), ('NDHWC', True))
#: ``--quick``: the ResNets at 1/8 width (tests/helpers.py NARROW_RESNET).
NARROW_RESNET = {
    'model.backbone.base_channels': 8,
    'model.rate_head.in_channels': 64,
    'model.decoder.in_channels': 64,
    'model.decoder.channels': [16, 16, 16, 16],
}
#: ``--quick``: X3D at a third of X3D-S's width (base 8 instead of 24), no
#: bottleneck expansion, depth factor 1 (1, 2, 5, 3 blocks instead of 3, 5,
#: 11, 7): a 64-channel map.
NARROW_X3D = {
    'model.backbone.gamma_w': 1 / 3,
    'model.backbone.gamma_b': 1.0,
    'model.backbone.gamma_d': 1.0,
}
CPU_DISTRIBUTED = REPO_ROOT / 'tests' / 'tools' / 'cpu_distributed.py'
DEMO_CONFIG = REPO_ROOT / 'demo' / 'configs' / 'prp_c3d_demo.py'


class Plan(NamedTuple):
    """How much each check does.

    Attributes:
        batch_size (int): Train-step batch.
        warmup (int): Untimed steps (and decoder repeats) first.
        steps (int): Timed steps (and decoder repeats).
        c3d_width (int): C3D base width.
        options (dict): Config name to keys merged into that config.
        crop_size (int, optional): Height and width of the clips (frames
            decoded at that short side, centre-cropped); None: the
            config's (112).
        frame_size (tuple): Synthetic videos' (height, width).
        classes (int): Synthetic classes (3 videos each; 2 train split 1).
        loader (dict): Overrides of the config's ``train_dataloader``.
        loader_batches (int): Batches timed after the first.
        busy_steps (int): Training iterations timed after the first.
        ddp_config (Path): What ``dist_train.sh`` trains.
        ddp_loader (dict): Overrides of its train and val data loaders.
        threads (int, optional): torch's threads in this process and the
            DDP run's (``OMP_NUM_THREADS``); None: torch's default.
    """

    batch_size: int
    warmup: int
    steps: int
    c3d_width: int
    options: Dict[str, Dict]
    crop_size: Optional[int]
    frame_size: tuple
    classes: int
    loader: Dict
    loader_batches: int
    busy_steps: int
    ddp_config: Path
    ddp_loader: Dict
    threads: Optional[int]


FULL = Plan(8, 2, 5, 64, {}, None, (240, 320), 8, {}, 10, 10,
            REPO_ROOT / 'configs' / 'prp' / 'prp_c3d_ucf101.py', {}, None)
#: Tiny: every model narrow, 16x32x32 clips (C3D and the ResNets: a 2x2x2
#: map), 2 videos per DDP epoch (1 iteration), no data-loader workers
#: but the loader check's one, one thread (with two on a loaded 2-core
#: machine each tiny operator waits at a thread barrier for the other
#: thread's time slice: at a load average of 9 the run took 8 min 22 s
#: with two threads, 2 min 21 s with one).
QUICK = Plan(
    1, 1, 1, 4, {
        'prp_r3d_ucf101': NARROW_RESNET,
        'prp_r21d_ucf101': NARROW_RESNET,
        'prp_x3d-s_ucf101': NARROW_X3D
    }, 32, (48, 64), 4,
    dict(batch_size=2, num_workers=1, persistent_workers=False), 2, 2,
    DEMO_CONFIG,
    dict(
        batch_size=2,
        num_workers=0,
        persistent_workers=False,
        dataset=dict(indices=2)), 1)


def bench():
    """``benchmarks.bench_train_step``, imported on first use.

    Raises:
        SystemExit: Where ``benchmarks/`` is missing (an installed wheel
            ships ``tools/`` but not ``benchmarks/``).
    """
    if not (REPO_ROOT / 'benchmarks').is_dir():
        raise SystemExit(f'{__file__}: needs a clone of the repository '
                         f'(no benchmarks/ in {REPO_ROOT})')
    return importlib.import_module('benchmarks.bench_train_step')


def planned_rows() -> List[tuple]:
    """The (check, backbone, variant) of every row, in order."""
    rows = [('train step', backbone, f'{precision}, {layout}')
            for backbone in BACKBONES.values() for precision, _ in PRECISIONS
            for layout, _ in LAYOUTS]
    rows += [('decoder fusion', backbone, precision)
             for backbone in BACKBONES.values() for precision, _ in PRECISIONS]
    rows += [(check, backbone, 'fp32, config layout')
             for check in ('data loader', 'GPU busy share')
             for backbone in BACKBONES.values()]
    return rows + [('DDP train', 'C3D', '1 process'),
                   ('DDP resume', 'C3D', '1 process')]


def markdown(rows: Sequence[Sequence[str]]) -> str:
    """A markdown table of :data:`HEADER` and ``rows``."""
    lines = [HEADER, ('---', ) * len(HEADER), *rows]
    return '\n'.join('| ' + ' | '.join(row) + ' |' for row in lines)


def layout_table() -> str:
    """The table with every row and empty results."""
    return markdown([(*row, '', '', '') for row in planned_rows()])


class Check:
    """Runs one device's checks and collects their cells.

    Args:
        device (torch.device): Where the models train.
        plan (Plan): How much each check does.
        data_dir (Path): Where the synthetic videos are written.
    """

    def __init__(self, device: torch.device, plan: Plan,
                 data_dir: Path) -> None:
        self.device = device
        self.plan = plan
        self.data_dir = data_dir
        self.cells: Dict[tuple, tuple] = {}
        self.failed = False
        self.fastest_ms: Dict[str, tuple] = {}
        self._dataset = None

    def guarded(self, key: tuple, check: Callable[[], tuple]) -> None:
        """Fill one row's cells; a failure fills its verdict instead."""
        try:
            self.cells[key] = check()
        except Exception as error:  # noqa: B902 (reported, exit code 1)
            traceback.print_exc()
            self.failed = True
            self.cells[key] = ('', '', f'FAILED: {type(error).__name__}: '
                               f'{error}'.replace('|', '/').splitlines()[0])
        finally:
            gc.collect()

    def config(self, name: str) -> Path:
        """The shipped config ``name``."""
        return bench().CONFIG_DIR / f'{name}.py'

    def config_args(self, name: str) -> Dict:
        """``width`` and ``cfg_options`` of ``name`` under the plan."""
        options = dict(self.plan.options.get(name, {}))
        if self.plan.crop_size is not None:
            cfg = bench().load_config(self.config(name))
            options.update(small_clip_options(cfg, self.plan.crop_size))
        width = self.plan.c3d_width if name == 'prp_c3d_ucf101' else 64
        return dict(width=width, cfg_options=options or None)

    def load_config(self, name: str):
        """The config ``name`` under the plan."""
        args = self.config_args(name)
        return bench().load_prp_config(
            self.config(name), args['width'], args['cfg_options'])

    def train_step(self, name: str, amp: bool, channels_last: bool) -> tuple:
        """The cells of one train-step row."""
        plan = self.plan
        results = bench().run_config(
            self.config(name),
            plan.batch_size,
            plan.steps,
            plan.warmup,
            self.device,
            profile_rows=0,
            seed=0,
            amp=amp,
            channels_last=channels_last,
            **self.config_args(name))
        prp = results['prp']
        label = f'{"AMP" if amp else "fp32"}, ' \
                f'{"NDHWC" if channels_last else "NCDHW"}'
        if name not in self.fastest_ms or (prp['step_ms']
                                           < self.fastest_ms[name][0]):
            self.fastest_ms[name] = (prp['step_ms'], label)
        compared = [
            f'{who} {results[key]["step_ms"]:.1f} ms, '
            f'{results[key]["peak_mib"]:.0f} MiB'
            for who, key in (("authors' layers", 'authors'),
                             ('supervised', 'supervised')) if key in results
        ]
        verdict = f'PRP/supervised time {results["step_ratio"]:.2f}'
        if 'authors' in results:
            verdict += (f', PRP/authors time '
                        f'{results["authors_time_ratio"]:.2f}, memory '
                        f'{results["authors_peak_ratio"]:.2f}')
        if amp and not results['settings']['amp']:
            verdict += ' (AMP fell back to fp32: no GPU)'
        return (f'PRP {prp["step_ms"]:.1f} ms, {prp["peak_mib"]:.0f} MiB',
                '; '.join(compared), verdict)

    def decoder_fusion(self, name: str, amp: bool) -> tuple:
        """The cells of one decoder-fusion row."""
        times = decoder_times(
            self.load_config(name), self.plan, self.device, amp)
        fused, unfused = (
            statistics.median(times[key]) for key in ('fused', 'unfused'))
        faster = 'fused' if fused < unfused else 'unfused'
        advice = (f'enable fusion on {self.device.type}' if faster == 'fused'
                  else f'keep fusion off on {self.device.type}')
        return (f'fused {fused:.1f} ms', f'unfused {unfused:.1f} ms',
                f'{faster} faster ({fused / unfused:.2f}x): {advice}')

    def dataset(self):
        """The synthetic UCF101 (written on first use)."""
        if self._dataset is None:
            from mmprp.testing import generate_synthetic_ucf101
            self._dataset = generate_synthetic_ucf101(
                self.data_dir / 'ucf101',
                num_classes=self.plan.classes,
                groups_per_class=3,
                clips_per_group=1,
                num_frames=(130, 160),
                frame_size=self.plan.frame_size,
                seed=0,
                progress=False)
        return self._dataset

    def dataloader_cfg(self, cfg) -> Dict:
        """The config's train data loader on the synthetic videos."""
        dataset = self.dataset()
        loader = dict(cfg.train_dataloader, **self.plan.loader)
        loader['dataset'] = dict(
            loader['dataset'],
            ann_file=str(dataset.ann_files[1][0]),
            data_prefix=dict(video=str(dataset.video_dir)))
        return loader

    def data_loader(self) -> Dict[str, tuple]:
        """Loader samples/s and each backbone's demand, one row each."""
        cfg = self.load_config('prp_c3d_ucf101')
        loader_cfg = self.dataloader_cfg(cfg)
        rate = loader_rate(loader_cfg, self.plan.loader_batches)
        workers = loader_cfg['num_workers']
        rows = {}
        for name in BACKBONES:
            if name not in self.fastest_ms:
                raise RuntimeError(f'no train step of {name} was timed')
            step_ms, label = self.fastest_ms[name]
            demand = self.plan.batch_size / step_ms * 1000
            verdict = ('keeps up' if rate >= demand else
                       f'GPU starves: loader at {rate / demand:.0%} of demand')
            rows[name] = (f'{rate:.1f} samples/s ({workers} workers)',
                          f'step needs {demand:.1f} samples/s ({label})',
                          verdict)
        return rows

    def busy_share(self, name: str) -> tuple:
        """The cells of one GPU-busy-share row."""
        cfg = self.load_config(name)
        return busy_share(cfg, self.dataloader_cfg(cfg), self.device,
                          self.plan.busy_steps)

    def ddp(self) -> Dict[str, tuple]:
        """The DDP train and resume rows."""
        work_dir = self.data_dir / 'ddp'
        config = ddp_config(self.plan.ddp_config, self.dataset(),
                            self.data_dir, self.device, self.plan.ddp_loader)
        rows = {}
        for check, epochs in (('DDP train', 1), ('DDP resume', 2)):
            options = ['--resume'] if epochs == 2 else []
            result = dist_train(config, work_dir, epochs, options, self.device,
                                self.plan.threads)
            written = (work_dir / f'epoch_{epochs}.pth').is_file()
            ok = result.returncode == 0 and written
            if not ok:
                sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
                self.failed = True
            rows[check] = (
                f'exit {result.returncode}',
                f'epoch_{epochs}.pth {"written" if written else "missing"}',
                'ok' if ok else 'FAILED (output on stderr)')
        return rows

    def run(self) -> None:
        """Fill every row of :func:`planned_rows`."""
        names = {backbone: name for name, backbone in BACKBONES.items()}
        for check, backbone, variant in planned_rows():
            key = (check, backbone, variant)
            name = names[backbone]
            if check == 'train step':
                amp = variant.startswith('AMP')
                self.guarded(
                    key, lambda: self.train_step(name, amp,
                                                 variant.endswith('NDHWC')))
            elif check == 'decoder fusion':
                self.guarded(
                    key, lambda: self.decoder_fusion(name, variant == 'AMP'))
            elif check == 'GPU busy share':
                self.guarded(key, lambda: self.busy_share(name))
        self._fill_many(
            'data loader', self.data_loader, lambda name:
            ('data loader', BACKBONES[name], 'fp32, config layout'))
        self._fill_many('DDP', self.ddp, lambda check:
                        (check, 'C3D', '1 process'))

    def _fill_many(self, what: str, check: Callable[[], Dict],
                   key_of: Callable[[str], tuple]) -> None:
        """Fill the rows a multi-row check returns (all failed on error)."""
        try:
            for name, cells in check().items():
                self.cells[key_of(name)] = cells
        except Exception as error:  # noqa: B902 (reported, exit code 1)
            traceback.print_exc()
            self.failed = True
            for key in planned_rows():
                if key[0].startswith(what):
                    self.cells[key] = ('', '', f'FAILED: '
                                       f'{type(error).__name__}: {error}')

    def table(self) -> str:
        """The filled markdown table."""
        return markdown([(*key, *self.cells[key]) for key in planned_rows()])


def small_clip_options(cfg, size: int) -> Dict:
    """Config keys that make the training clips ``size`` x ``size``.

    Args:
        cfg (Config): A PRP config (``OpenCVForwardDecode`` and
            ``CenterCrop`` in its training pipeline).
        size (int): Short side of the decoded frames and crop size.

    Returns:
        dict: The training pipelines (the config's and its data loader's)
        with those two steps changed, and ``model.input_size`` where the
        model plans its heads from it.
    """
    swaps = dict(
        OpenCVForwardDecode=dict(scale=(-1, size), keep_ratio=True),
        CenterCrop=dict(crop_size=size))

    def small(pipeline: List[Dict]) -> List[Dict]:
        return [dict(step, **swaps.get(step['type'], {})) for step in pipeline]

    loader_pipeline = cfg.train_dataloader.dataset.pipeline
    options = {
        'train_pipeline': small(cfg.train_pipeline),
        'train_dataloader.dataset.pipeline': small(loader_pipeline)
    }
    if cfg.model.get('input_size') is not None:
        options['model.input_size'] = (cfg.model.input_size[0], size, size)
    return options


def decoder_times(cfg, plan: Plan, device: torch.device,
                  amp: bool) -> Dict[str, List[float]]:
    """Decoder forward + backward times (ms), fused and unfused.

    Args:
        cfg (Config): The PRP config (its memory format is used).
        plan (Plan): Batch size and repeats.
        device (torch.device): Where it runs.
        amp (bool): Under the AMP config's autocast (on CUDA only, as the
            train-step rows' ``AmpOptimWrapper``).

    Returns:
        dict: ``fused`` and ``unfused`` to the timed repeats' ms.
    """
    tool = bench()
    data, _, _ = tool.build_batches(
        tool.prp_train_pipeline(cfg), plan.batch_size, 0)
    torch.manual_seed(0)
    model, _ = tool.build_model(cfg.model, cfg.optim_wrapper, device,
                                tool.uses_channels_last(cfg))
    views = tool.authors_views(model, data)
    with torch.no_grad():
        feats = model.extract_feat(views['clip'])
    target_size = tuple(views['target'].shape[2:])
    dtype = getattr(torch,
                    tool.load_config(tool.AMP_CONFIG).optim_wrapper.dtype)
    enabled = amp and device.type == 'cuda'
    paths = ('fused', 'unfused')
    times: Dict[str, List[float]] = {name: [] for name in paths}
    for index in range(plan.warmup + plan.steps):
        order = paths if index % 2 == 0 else paths[::-1]
        for name in order:
            model.decoder.fusion = name == 'fused'
            x = feats.detach().requires_grad_()
            tool.synchronize(device)
            start = time.perf_counter()
            with torch.autocast(device.type, dtype=dtype, enabled=enabled):
                output = model.decoder(x, target_size)
            output.float().sum().backward()
            tool.synchronize(device)
            if index >= plan.warmup:
                times[name].append((time.perf_counter() - start) * 1000)
    return times


def loader_rate(loader_cfg: Dict, batches: int) -> float:
    """Samples/s of a data loader after its first batch."""
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    iterator = endless(loader)
    next(iterator)
    start = time.perf_counter()
    samples = sum(len(next(iterator)['inputs']) for _ in range(batches))
    return samples / (time.perf_counter() - start)


def endless(loader):
    """The loader's batches, epoch after epoch."""
    while True:
        yield from loader


def busy_share(cfg, loader_cfg: Dict, device: torch.device,
               steps: int) -> tuple:
    """Train from the real loader; the step's share of each iteration.

    Returns:
        tuple: The row's result, compared-with and verdict cells.
    """
    from mmengine.runner import Runner
    tool = bench()
    torch.manual_seed(0)
    model, optim_wrapper = tool.build_model(cfg.model,
                                            cfg.optim_wrapper, device,
                                            tool.uses_channels_last(cfg))
    iterator = endless(Runner.build_dataloader(loader_cfg, seed=0))
    model.train_step(next(iterator), optim_wrapper)
    tool.synchronize(device)
    step_s = wall_s = 0.0
    last = time.perf_counter()
    for _ in range(steps):
        data = next(iterator)
        start = time.perf_counter()
        model.train_step(data, optim_wrapper)
        tool.synchronize(device)
        end = time.perf_counter()
        step_s += end - start
        wall_s += end - last
        last = end
    share = step_s / wall_s
    return (f'busy {share:.0%}', f'step {step_s / steps * 1000:.1f} ms of '
            f'{wall_s / steps * 1000:.1f} ms per iteration', 'data keeps up'
            if share >= 0.9 else f'waits for data {1 - share:.0%} of the time')


def ddp_config(base: Path, dataset, folder: Path, device: torch.device,
               loader: Dict) -> Path:
    """A config of ``base`` on the synthetic videos for the DDP runs.

    Args:
        base (Path): The config trained.
        dataset (SyntheticDataset): The synthetic UCF101 (split 1).
        folder (Path): Where the config is written.
        device (torch.device): A CPU run gets the gloo backend and
            ``tests/tools/cpu_distributed.py``.
        loader (dict): Overrides of the train and val data loaders.

    Returns:
        Path: The config file.
    """
    lines = [f'_base_ = [{str(base)!r}]']
    if device.type == 'cpu':
        lines += [
            "custom_imports = dict(imports=['mmprp', 'cpu_distributed'], "
            'allow_failed_imports=False)',
            "model_wrapper_cfg = dict(type='MMDistributedDataParallel', "
            'device_ids=None, broadcast_buffers=False)',
            "env_cfg = dict(dist_cfg=dict(backend='gloo'))"
        ]
    train_list, val_list = dataset.ann_files[1]
    for split, ann_file in (('train', train_list), ('val', val_list)):
        data = dict(
            loader.get('dataset', {}),
            ann_file=str(ann_file),
            data_prefix=dict(video=str(dataset.video_dir)))
        lines.append(f'{split}_dataloader = {dict(loader, dataset=data)!r}')
    path = folder / 'gpu_check_ddp.py'
    path.write_text('\n'.join(lines) + '\n')
    return path


def free_port() -> int:
    """A TCP port free on this machine now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def dist_train(config: Path, work_dir: Path, epochs: int, options: List[str],
               device: torch.device,
               threads: Optional[int]) -> subprocess.CompletedProcess:
    """Run ``tools/dist_train.sh CONFIG 1`` up to ``epochs`` epochs.

    ``threads`` (None: torch's default) sets ``OMP_NUM_THREADS``.
    """
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(free_port()))
    if threads is not None:
        env['OMP_NUM_THREADS'] = str(threads)
    if device.type == 'cpu':
        if not CPU_DISTRIBUTED.is_file():
            raise FileNotFoundError(
                f'{CPU_DISTRIBUTED}: needed for a DDP run on the CPU')
        env['CUDA_VISIBLE_DEVICES'] = '-1'
        env['PYTHONPATH'] = os.pathsep.join(
            filter(None,
                   [str(CPU_DISTRIBUTED.parent),
                    os.environ.get('PYTHONPATH')]))
    command = [
        'bash',
        str(REPO_ROOT / 'tools' / 'dist_train.sh'),
        str(config), '1', '--work-dir',
        str(work_dir), *options, '--cfg-options',
        f'train_cfg.max_epochs={epochs}', 'default_hooks.checkpoint.interval=1'
    ]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        text=True,
        capture_output=True,
        timeout=600)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line; refuses a CUDA run without a CUDA device."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='Rows: see docs/performance.md, section "GPU check".')
    parser.add_argument(
        '--device',
        choices=('cuda', 'cpu'),
        default='cuda',
        help='cuda (default): the check; cpu: with --quick, checks the tool')
    parser.add_argument(
        '--quick',
        action='store_true',
        help='tiny models and data, one step each (numbers mean nothing)')
    parser.add_argument(
        '--layout',
        action='store_true',
        help='print the table with empty cells and exit')
    args = parser.parse_args(argv)
    if args.layout:
        return args
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('no CUDA device is available (torch.cuda.is_available() '
                     'is False): run it on a machine with a GPU, or check the '
                     'tool itself with --device cpu --quick')
    if args.device == 'cpu' and not args.quick:
        parser.error('--device cpu needs --quick (the full check on a CPU '
                     'would take hours and measure nothing about a GPU)')
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the checks and print the table.

    Returns:
        int: 0 if every row passed, 1 otherwise.
    """
    args = parse_args(argv)
    if args.layout:
        print(layout_table())
        return 0
    tool = bench()
    tool.quiet_notices()
    device = torch.device(args.device)
    plan = QUICK if args.quick else FULL
    start = time.perf_counter()
    threads = torch.get_num_threads()
    try:
        if plan.threads is not None:
            torch.set_num_threads(plan.threads)
        with tempfile.TemporaryDirectory(prefix='gpu_check_') as folder:
            check = Check(device, plan, Path(folder))
            check.run()
    finally:
        torch.set_num_threads(threads)
    name = (
        torch.cuda.get_device_name(device) if device.type == 'cuda' else 'CPU')
    print(f'GPU check on {name} ({args.device}, torch {torch.__version__}'
          f'{", quick" if args.quick else ""}): batch {plan.batch_size}, '
          f'median of {plan.steps} steps after {plan.warmup}, '
          f'{plan.threads or threads} torch threads; memory: '
          f'{tool.PeakMemory(device).kind}; '
          f'{time.perf_counter() - start:.0f} s')
    print(check.table())
    return 1 if check.failed else 0


if __name__ == '__main__':
    sys.exit(main())
