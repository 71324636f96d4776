"""VideoProber: decode as training does, survive decord's crashes."""
import faulthandler
import os
import re
import shutil
import signal
from pathlib import Path
from typing import Dict

import pytest

from mmprp.datasets.preparation.video_probe import (VideoProbe, VideoProber,
                                                    sample_indices)
from mmprp.datasets.transforms import DecordInitByPath


@pytest.fixture
def videos(video_zoo: Dict[str, Path],
           truncated_avis: Dict[str, Path]) -> Dict[str, Path]:
    """The dirty videos and the truncated AVIs."""
    return {**video_zoo, **truncated_avis}


@pytest.mark.parametrize('num_frames,num_samples,indices', [
    (140, 8, [0, 20, 40, 60, 79, 99, 119, 139]),
    (5, 8, [0, 1, 2, 3, 4]),
    (6, 0, [0, 1, 2, 3, 4, 5]),
    (1, 3, [0]),
])
def test_sample_indices_span_the_video(num_frames, num_samples,
                                       indices) -> None:
    assert sample_indices(num_frames, num_samples) == indices


def test_probes_as_training_opens_and_decodes(videos) -> None:
    with VideoProber() as prober:
        found = {
            name: prober.probe(videos[name])
            for name in [
                'good', 'odd_size', 'grayscale', 'short', 'mjpg', 'xvid',
                'zero_byte', 'garbage', 'truncated', 'mjpg_cut500',
                'xvid_cut995', 'corrupt', 'narrow'
            ]
        }
    for name in ('odd_size', 'grayscale', 'mjpg', 'xvid'):
        assert found[name] == VideoProbe(140)
    assert found['short'] == VideoProbe(20)
    assert found['good'].num_frames >= 130 and not found['good'].problem
    assert found['zero_byte'] == VideoProbe(0, 'unreadable', 'empty file')
    assert found['garbage'].problem == 'unreadable'
    assert found['garbage'].detail.startswith(
        'UnreadableVideoError: decord cannot open')
    for name in ('truncated', 'mjpg_cut500', 'xvid_cut995'):
        assert found[name].problem == 'truncated'
        assert found[name].detail.startswith(
            f'it ends at byte {videos[name].stat().st_size}, but its ')
    corrupt = found['corrupt']
    frame, total = re.match(
        r'frame (\d+) of (\d+) cannot be decoded: '
        r'DECORDError: ', corrupt.detail).groups()
    assert corrupt.problem == 'corrupt' and int(total) == corrupt.num_frames
    # the zeroed bytes are the middle fifth of the file
    assert 0.3 < int(frame) / corrupt.num_frames < 0.7
    assert found['narrow'] == VideoProbe(140, 'too narrow',
                                         found['narrow'].detail)
    assert found['narrow'].detail.startswith(
        'frames 24 px wide: decord fails to decode some widths below 32 px')


def test_every_frame_is_decoded_with_zero_samples(videos) -> None:
    with VideoProber(sample_frames=0) as prober:
        assert prober.probe(videos['mjpg']) == VideoProbe(140)


class CrashingOpener(DecordInitByPath):
    """Opens as the shipped configs do, but a file named ``crash*`` kills
    the process with a segmentation fault, as decord does on some files."""

    def transform(self, results: dict) -> dict:
        if Path(results['filename']).name.startswith('crash'):
            faulthandler.disable()  # no traceback of the forked pytest
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().transform(results)


def test_a_crash_is_a_finding_and_the_next_video_is_probed(tmp_path,
                                                           videos) -> None:
    crash = shutil.copy(videos['mjpg'], tmp_path / 'crash.avi')
    with VideoProber(opener=CrashingOpener()) as prober:
        found = [
            prober.probe(path) for path in [
                videos['mjpg'], crash, videos['xvid'], crash, crash,
                videos['mjpg']
            ]
        ]
    crashed = VideoProbe(0, 'crashes decord',
                         'the process decoding it was killed by SIGSEGV')
    assert found == [
        VideoProbe(140), crashed,
        VideoProbe(140), crashed, crashed,
        VideoProbe(140)
    ]


def test_no_answer_in_time_is_a_finding(videos) -> None:
    with VideoProber(timeout=0) as prober:
        assert prober.probe(videos['mjpg']) == VideoProbe(
            0, 'hangs decord', 'no answer within 0 s')
        prober.timeout = 300
        assert prober.probe(videos['mjpg']) == VideoProbe(140)


def test_errors_of_the_probe_itself_are_raised(tmp_path) -> None:
    with VideoProber() as prober:
        with pytest.raises(
                RuntimeError,
                match=r'(?s)probing .*lost.avi failed in the '
                r'child process:\n.*FileNotFoundError'):
            prober.probe(tmp_path / 'lost.avi')
