"""Smoke tests of the benchmark scripts: tiny runs, result keys, no speeds."""
import json
import math
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

from benchmarks import bench_data_pipeline, bench_train_step
from benchmarks.common import write_json


def assert_finite_positive(results: Dict, keys: Sequence[str]) -> None:
    for key in keys:
        value = results[key]
        assert isinstance(value, float), f'{key} = {value!r}'
        assert math.isfinite(value) and value > 0, f'{key} = {value!r}'


def test_codec_frames_follows_opencv_seeks() -> None:
    keys = np.array([0, 12, 24, 36])
    assert bench_data_pipeline.codec_frames(range(10), keys) == 10
    # frame 13: seek back 16 frames to key frame 0, decode 0 to 13
    assert bench_data_pipeline.codec_frames([13], keys) == 14
    # frame 30: the key frame before 14 is 12; decode 12 to 35
    assert bench_data_pipeline.codec_frames([35, 30, 33], keys) == 24


def test_data_pipeline_benchmark_tiny_run(tmp_path: Path) -> None:
    results = bench_data_pipeline.run_benchmark(
        num_samples=2,
        warmup=1,
        num_videos=1,
        frame_size=(64, 80),
        num_frames=(130, 140))
    assert_finite_positive(results,
                           ('speedup', 'decoded_frames_ratio',
                            'codec_frames_ratio', 'speedup_with_collate'))
    assert 'OpenCVForwardDecode' in results['stages']['pipeline']
    assert set(results['stages']['baseline']) == {
        'open', 'decode', 'resize + crop', 'to float',
        'clip, target, attention'
    }
    assert results['samples'] == 2
    assert 'speedup' in bench_data_pipeline.report(results)
    write_json(tmp_path / 'data.json', results)
    written = json.loads((tmp_path / 'data.json').read_text())
    assert written['decoded_frames_ratio'] == results['decoded_frames_ratio']
    assert written['machine']['nproc'] >= 1


def test_train_step_benchmark_tiny_run() -> None:
    results = bench_train_step.run_benchmark(
        batch_size=1, steps=1, warmup=0, width=4)
    assert_finite_positive(results, ('step_ratio', 'overhead_share'))
    assert_finite_positive(results['prp'], ('step_ms', 'peak_mib'))
    assert set(results['prp_parts_ms']) == {
        'prepare_views', 'loss_rate', 'loss_recon'
    }
    assert 'step_ratio' in bench_train_step.report(results)
