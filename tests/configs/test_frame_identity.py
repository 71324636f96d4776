"""Every shipped pipeline decodes exactly the frames it asks for.

The pipelines of every shipped config (PRP pretraining and its ablations,
the demo, finetuning, retrieval), from their opening step through their
decoding step, run on videos whose frames carry their index in their pixels
(``helpers.coded_frames``), in the encodings of real data sets: MJPG and
XviD AVIs, MPEG-4 AVIs with B-frames and H.264 MP4s with B-frames, at every
playback rate of each PRP sampler. Every frame decoded must be the frame
asked for. Copies cut short must be refused with an error naming the file,
or, where the container cannot show the cut, give the frames asked for as
long as the file holds them and an error naming the file beyond.
"""
import json
import zlib
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple

import cv2
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from mmprp.datasets.transforms import (PlaybackRateSampler,
                                       opencv_forward_decode)
from mmprp.datasets.transforms.playback_rate_sampler import \
    RELATIVE_FILENAME_KEY
from mmprp.datasets.video_container import (TruncatedVideoError,
                                            UnreadableVideoError)
from helpers import REPO, SHIPPED_CONFIGS, frame_codes, shipped_config

ENCODINGS = ('mjpg_avi', 'xvid_avi', 'mpeg4_b_avi', 'h264_b_mp4')
UNSEEN_CUTS = ('mjpg_avi_cut_riff0', 'xvid_avi_cut_riff0',
               'mpeg4_b_avi_cut_riff0', 'h264_b_mkv_cut')
DECODER = 'OpenCVForwardDecode'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Draws of each SampleFrames pipeline (random ones in training).
SAMPLE_FRAMES_DRAWS = 3


class DecodePipeline(NamedTuple):
    """A shipped pipeline's steps through its decoder.

    Attributes:
        where (str): The first config and loader that use it.
        steps (list[dict]): The transform configs.
    """

    where: str
    steps: List[dict]


def _without_scope(step: dict) -> dict:
    return {key: value for key, value in step.items() if key != '_scope_'}


@pytest.fixture(scope='module')
def decode_pipelines() -> List[DecodePipeline]:
    """The distinct decoding parts of every shipped data loader."""
    found: Dict[str, DecodePipeline] = {}
    for path in SHIPPED_CONFIGS:
        cfg = shipped_config(path)
        for loader in (name for name in LOADERS if name in cfg):
            pipeline = cfg[loader]['dataset']['pipeline']
            types = [str(step['type']).split('.')[-1] for step in pipeline]
            steps = [
                _without_scope(step)
                for step in pipeline[:types.index(DECODER) + 1]
            ]
            where = f'{path.relative_to(REPO)}: {loader}'
            found.setdefault(
                json.dumps(steps, sort_keys=True),
                DecodePipeline(where, steps))
    assert len(found) > 10  # PRP, ablations, demo, finetuning, retrieval
    return list(found.values())


def _rate_key(label: int, num_rates: int) -> str:
    """A video name whose validation rate is ``label`` (the sampler hashes
    the name in test mode)."""
    return next(
        name for name in (f'v{i}.avi' for i in range(1000))
        if zlib.crc32(name.encode()) % num_rates == label)


class Run(NamedTuple):
    """One sample of a pipeline.

    Attributes:
        transforms (list): The built steps (the sampler set to the rate).
        results (dict): The input, changed in place by the steps (so it
            shows ``frame_inds`` also when the decoder raises).
        label (str): Where the pipeline comes from, and the rate or draw.
    """

    transforms: list
    results: dict
    label: str


def runs(pipeline: DecodePipeline, video: Path) -> Iterator[Run]:
    """One sample per playback rate of the pipeline's sampler (else a few
    draws of its ``SampleFrames``).

    Args:
        pipeline (DecodePipeline): The steps.
        video (Path): The video to decode.

    Yields:
        Run: The sample, to run with :func:`decoded`.
    """
    transforms = [TRANSFORMS.build(step) for step in pipeline.steps]
    sampler = next(
        (t for t in transforms if isinstance(t, PlaybackRateSampler)), None)
    if sampler is None:
        for draw in range(SAMPLE_FRAMES_DRAWS):
            np.random.seed(draw)
            yield Run(transforms, dict(filename=str(video), start_index=0),
                      f'{pipeline.where}, draw {draw}')
        return
    for label, rate in enumerate(sampler.rates):
        results = dict(
            filename=str(video),
            start_index=0,
            rng=np.random.default_rng(label))
        results[RELATIVE_FILENAME_KEY] = _rate_key(label, len(sampler.rates))
        if not sampler.test_mode:
            sampler.keep_rate(label)
        yield Run(transforms, results, f'{pipeline.where}, rate {rate}')


def decoded(run: Run) -> dict:
    """The results of the steps; checks the rate asked for was drawn."""
    results = run.results
    for transform in run.transforms:
        results = transform(results)
        assert results is run.results, run.label
    if 'playback_rate' in results:
        assert run.label.endswith(f'rate {results["playback_rate"]}')
    return results


def opened_again(filename: str, num_threads: int) -> None:
    """Stands in for the decoder's own open (after a missed seek)."""
    pytest.fail(f'{filename} was opened again: a seek missed its check')


@pytest.mark.parametrize('encoding', ENCODINGS)
def test_every_pipeline_decodes_the_frames_asked_for(
        encoding: str, coded_videos: Dict[str, Path],
        decode_pipelines: List[DecodePipeline],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Also: one open per sample (the decoder never opens the file again:
    every seek passed its check)."""
    monkeypatch.setattr(opencv_forward_decode, 'open_capture', opened_again)
    checked = 0
    for pipeline in decode_pipelines:
        for run in runs(pipeline, coded_videos[encoding]):
            results = decoded(run)
            asked = np.asarray(results['frame_inds']).reshape(-1).tolist()
            assert frame_codes(results['imgs']) == asked, run.label
            checked += 1
    assert checked > 40


@pytest.mark.parametrize('encoding', ENCODINGS)
def test_cut_copies_are_refused_naming_them(
        encoding: str, coded_videos: Dict[str, Path],
        decode_pipelines: List[DecodePipeline]) -> None:
    path = coded_videos[f'{encoding}_cut']
    for pipeline in decode_pipelines:
        run = next(runs(pipeline, path))
        with pytest.raises(TruncatedVideoError) as error:
            decoded(run)
        assert str(error.value).startswith(f'{path} is truncated'), run.label


def decodable_frames(path: Path) -> int:
    """Frames OpenCV decodes reading the file from its start."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


@pytest.mark.parametrize('cut', UNSEEN_CUTS)
def test_cuts_the_container_does_not_show_give_frames_or_name_the_file(
        cut: str, coded_videos: Dict[str, Path],
        decode_pipelines: List[DecodePipeline]) -> None:
    path = coded_videos[cut]
    held = decodable_frames(path)
    outcomes = set()
    for pipeline in decode_pipelines:
        for run in runs(pipeline, path):
            try:
                results = decoded(run)
            except UnreadableVideoError as error:
                asked = np.asarray(run.results['frame_inds']).reshape(-1)
                assert asked.max() >= held, (run.label, str(error))
                assert f'cannot decode frame {held} of {path}' in str(error)
                outcomes.add('refused')
                continue
            asked = np.asarray(results['frame_inds']).reshape(-1).tolist()
            assert max(asked) < held, run.label
            assert frame_codes(results['imgs']) == asked, run.label
            outcomes.add('decoded')
    assert outcomes == {'refused', 'decoded'}
