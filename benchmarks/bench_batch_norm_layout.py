"""CPU BatchNorm on channels-last inputs: its variance error and its cost.

On the CPU, torch's BatchNorm kernel for channels-last (NDHWC) 5-D inputs
computes the batch statistics less exactly than the kernel for contiguous
(NCDHW) ones; ``ChannelsLast3dHook`` stores every PRP model channels-last,
so every BN of a PRP model gets channels-last inputs.
``to_channels_last_3d(model, contiguous_cpu_batch_norm=True)`` (off by
default, for the cost measured here) gives every BN two hooks
(``contiguous_batch_norm_on_cpu``): on the CPU, in training, the layer
gets a contiguous copy of its input and its output is copied back to
channels-last. Two tables:

ERROR: one training-mode forward of a ``BatchNorm3d`` (momentum 1, so its
``running_var`` is the batch's unbiased variance) on a random tensor, the
largest per-channel relative error of that variance and the largest error
of the batch mean (``running_mean``) in standard deviations, both against
float64, for a contiguous input, a channels-last input, and a
channels-last input through the hooks. Shapes: the paper's
decoder output BN (batch 8, 3x32x112x112) and C3D's first BN at batch 2
(64x16x112x112; the paper's batch 8 is 4x that). Values: U(0.5, 2.5) (a
positive mean, as a conv's output before its BN has) and N(0, 1).

COST: PRP training steps of ``configs/prp/prp_c3d_ucf101.py`` (the paper's
C3D, channels-last as the config trains) at ``--batch-size`` (default 2,
the paper's is 8) on the real pipeline's batch, with the hooks and
without (two models of the same initial weights, alternating, the order
reversed every step), median of ``--steps`` after one warm-up each;
``slowdown`` = median with / median without. And the BN layers' own share:
forward + backward of the decoder output BN alone at the paper's shape,
channels-last kernel vs the hooks' copies + contiguous kernel.

Usage (from the repository root)::

    python -m benchmarks.bench_batch_norm_layout [--quick] [--threads T]
        [--batch-size B] [--steps N] [--json PATH]

``--quick``: the error table at batch 2 and C3D at width 16 for the steps
(a smoke run; its numbers are not the paper's).
"""
import statistics
import time
from typing import Callable, Dict, List, Tuple

import torch
from torch import Tensor, nn

from mmprp.engine.hooks import to_channels_last_3d
from benchmarks.bench_train_step import (build_batches, build_model,
                                         load_prp_config)
from benchmarks.common import (PRP_CONFIG, base_parser, format_table,
                               load_average, load_text, prp_train_pipeline,
                               quiet_notices, write_json)

Shape = Tuple[int, ...]
#: (what, shape) of the error table at the paper's batch (``--quick``: the
#: batch is 2).
ERROR_SHAPES = (('decoder output BN', (8, 3, 32, 112, 112)),
                ('C3D conv1a BN, batch 2', (2, 64, 16, 112, 112)))
LAYOUTS = ('contiguous', 'channels-last', 'channels-last, NCDHW hooks')
VALUES: Dict[str, Callable[[Shape, torch.Generator], Tensor]] = {
    'U(0.5, 2.5)':
    lambda shape, generator: torch.rand(shape, generator=generator) * 2 + .5,
    'N(0, 1)':
    lambda shape, generator: torch.randn(shape, generator=generator),
}


def batch_norm(channels: int, hooks: bool) -> nn.BatchNorm3d:
    """A training-mode BN whose running statistics are the batch's."""
    layer = nn.BatchNorm3d(channels, momentum=1.0).train()
    if hooks:
        to_channels_last_3d(layer, contiguous_cpu_batch_norm=True)
    return layer


def statistics_error(x: Tensor, layout: str) -> Dict[str, float]:
    """Largest per-channel relative error of the batch mean and variance.

    Args:
        x (Tensor): A contiguous (N, C, T, H, W) input.
        layout (str): One of :data:`LAYOUTS`.

    Returns:
        dict: Max over channels of ``var``: |BN - float64| / float64 of
        the variance; ``mean``: |BN - float64| of the mean / the float64
        standard deviation (a mean near 0 has no relative error to speak
        of; what the normalisation feels is the error in standard
        deviations).
    """
    layer = batch_norm(x.shape[1], layout.endswith('hooks'))
    if layout != 'contiguous':
        x = x.contiguous(memory_format=torch.channels_last_3d)
    with torch.no_grad():
        layer(x)
    exact = x.double()
    dims = (0, 2, 3, 4)
    var = exact.var(dims, unbiased=True)
    mean_error = (layer.running_mean.double() - exact.mean(dims)).abs()
    var_error = (layer.running_var.double() - var).abs()
    return dict(
        var=float((var_error / var).max()),
        mean=float((mean_error / var.sqrt()).max()))


def error_rows(quick: bool, seed: int) -> List[List]:
    """The error table: shape, values, layout, var and mean errors."""
    rows = []
    for what, shape in ERROR_SHAPES:
        if quick:
            shape = (2, ) + shape[1:]
        for values, draw in VALUES.items():
            x = draw(shape, torch.Generator().manual_seed(seed))
            for layout in LAYOUTS:
                error = statistics_error(x, layout)
                rows.append([
                    f'{what} {"x".join(map(str, shape))}', values, layout,
                    f'{error["var"]:.1e}', f'{error["mean"]:.1e}'
                ])
            del x
    return rows


def timed(step: Callable[[], None]) -> float:
    """Seconds of one call."""
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def alternate(steps: Dict[str, Callable[[], None]],
              repeats: int) -> Dict[str, float]:
    """Median seconds of each step, alternating, one warm-up each."""
    times: Dict[str, List[float]] = {name: [] for name in steps}
    for index in range(repeats + 1):
        order = list(steps) if index % 2 == 0 else list(steps)[::-1]
        for name in order:
            seconds = timed(steps[name])
            if index > 0:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def layer_step(x: Tensor, hooks: bool) -> Callable[[], None]:
    """Forward + backward of the decoder output BN on ``x``."""
    layer = batch_norm(x.shape[1], hooks)
    grad = torch.ones_like(x)

    def step() -> None:
        source = x.detach().requires_grad_()
        layer(source).backward(grad)

    return step


def train_steps(batch_size: int, width: int,
                seed: int) -> Dict[str, Callable[[], None]]:
    """PRP training steps of the C3D config, with and without the hooks."""
    cfg = load_prp_config(PRP_CONFIG, width)
    data, _, _ = build_batches(prp_train_pipeline(cfg), batch_size, seed)
    steps = {}
    for name, hooks in (('with hooks', True), ('without', False)):
        torch.manual_seed(seed)
        model, optim_wrapper = build_model(cfg.model, cfg.optim_wrapper,
                                           torch.device('cpu'), False)
        to_channels_last_3d(model, contiguous_cpu_batch_norm=hooks)
        steps[name] = (lambda model=model, optim_wrapper=optim_wrapper: model.
                       train_step(data, optim_wrapper))
    return steps


def run(quick: bool, batch_size: int, steps: int, seed: int) -> Dict:
    """Both tables' results."""
    load_before = load_average()
    errors = error_rows(quick, seed)
    x = VALUES['U(0.5, 2.5)']((2 if quick else 8, ) + ERROR_SHAPES[0][1][1:],
                              torch.Generator().manual_seed(seed)).contiguous(
                                  memory_format=torch.channels_last_3d)
    layer = alternate(
        {
            'with hooks': layer_step(x, True),
            'without': layer_step(x, False)
        }, steps)
    del x
    train = alternate(
        train_steps(batch_size, 16 if quick else 64, seed), steps)
    return dict(
        settings=dict(
            quick=quick,
            batch_size=batch_size,
            steps=steps,
            threads=torch.get_num_threads(),
            load_average=[load_before, load_average()]),
        errors=errors,
        layer_s=layer,
        train_step_s=train,
        layer_slowdown=layer['with hooks'] / layer['without'],
        train_slowdown=train['with hooks'] / train['without'])


def report(results: Dict) -> str:
    """Both tables as text."""
    settings = results['settings']
    lines = [
        f'CPU BatchNorm layouts ({settings["threads"]} threads, '
        f'{load_text(settings)})',
        format_table(('input', 'values', 'layout', 'var error', 'mean error'),
                     results['errors']), ''
    ]
    for what, key in (('decoder output BN forward + backward', 'layer'),
                      (f'PRP C3D train step, batch {settings["batch_size"]}',
                       'train_step')):
        seconds = results[f'{key}_s']
        lines.append(f'{what}: with hooks {seconds["with hooks"]:.3f} '
                     f's, without {seconds["without"]:.3f} s (slowdown '
                     f'{results[key.replace("_step", "") + "_slowdown"]:.2f}'
                     f'; median of {settings["steps"]})')
    return '\n'.join(lines)


def main() -> None:
    parser = base_parser(
        __doc__.splitlines()[0],
        quick='batch 2 in the error table, C3D at width 16 for the steps')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument(
        '--threads', type=int, help="torch's threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    quiet_notices()
    results = run(args.quick, args.batch_size, args.steps, args.seed)
    print(report(results))
    write_json(args.json, results)


if __name__ == '__main__':
    main()
