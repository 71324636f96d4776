"""tools/misc/scan_videos.py on real broken, short and good videos."""
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from helpers import REPO

pytestmark = pytest.mark.slow

SCAN = REPO / 'tools' / 'misc' / 'scan_videos.py'


def scan(ann_file: Path, video_dir: Path, *args:
         str) -> subprocess.CompletedProcess:
    return subprocess.run([
        sys.executable,
        str(SCAN),
        str(ann_file), '--video-dir',
        str(video_dir), *args
    ],
                          capture_output=True,
                          text=True,
                          stdin=subprocess.DEVNULL)


def test_reports_every_unusable_video(tmp_path, video_zoo) -> None:
    names = [
        'good', 'zero_byte', 'truncated', 'garbage', 'corrupt', 'narrow',
        'short', 'static', 'grayscale', 'odd_size'
    ]
    lines = [f'{video_zoo[name].name} 0' for name in names] + ['lost.mp4 1']
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('\n'.join(lines) + '\n')
    report = tmp_path / 'report.txt'
    result = scan(ann_file, video_zoo['good'].parent, '--report', str(report))
    assert result.returncode == 1
    text = report.read_text()
    assert f'{ann_file}: 11 videos listed, 5 usable' in text
    assert 'missing: lost.mp4' in text
    for name in ('zero_byte.mp4', 'garbage.mp4'):
        assert f'unreadable: {name}' in text
    assert 'truncated: truncated.mp4 (it ends at byte ' in text
    assert 'corrupt: corrupt.mp4 (frame ' in text
    assert 'too narrow: narrow.avi (frames 24 px wide' in text
    assert 'rate 1 (16 frames): 0 videos too short' in text
    assert 'rate 2 (32 frames): 1 videos too short' in text
    assert 'too short for rate 8: short.mp4 (20 frames)' in text
    assert '6 videos cannot be used at any rate' in text
    assert text.strip() in result.stdout


def test_truncated_avis_are_reported_not_suffered(
        tmp_path, truncated_avis: Dict[str, Path]) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text(''.join(f'{path.name} 0\n'
                                for path in truncated_avis.values()))
    result = scan(ann_file, truncated_avis['mjpg'].parent, '--rates', '1')
    assert result.returncode == 1, result.stderr
    cuts = {
        name: path
        for name, path in truncated_avis.items() if '_cut' in name
    }
    assert f'{len(truncated_avis)} videos listed, 2 usable' in result.stdout
    for name, path in cuts.items():
        complete = truncated_avis[name.split('_')[0]].stat().st_size
        assert (f'truncated: {path.name} (it ends at byte '
                f'{path.stat().st_size}, but its AVI container declares '
                f'{complete} bytes)') in result.stdout
    assert f'{len(cuts)} videos cannot be used at any rate' in result.stdout


def test_delimiter_allows_spaces_in_file_names(tmp_path, video_zoo,
                                               truncated_avis) -> None:
    shutil.copy(video_zoo['good'], tmp_path / 'my video.mp4')
    shutil.copy(truncated_avis['xvid_cut500'], tmp_path / 'cut video.avi')
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('my video.mp4,0\ncut video.avi,1\n')
    result = scan(ann_file, tmp_path, '--delimiter', ',', '--rates', '1')
    assert result.returncode == 1, result.stderr
    assert '2 videos listed, 1 usable' in result.stdout
    assert 'truncated: cut video.avi (it ends at byte' in result.stdout
    assert '2/2' in result.stdout  # the progress bar


def test_clean_list_exits_zero(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('good.mp4 0\nstatic.mp4 1\n')
    result = scan(ann_file, video_zoo['good'].parent, '--rates', '1', '2',
                  '--sample-frames', '0', '--no-progress')
    assert result.returncode == 0, result.stderr
    assert '0 videos cannot be used at any rate' in result.stdout
    assert '2/2' not in result.stdout


def test_malformed_list_is_named(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('good.mp4,0\n')
    result = scan(ann_file, video_zoo['good'].parent)
    assert result.returncode == 2
    assert f'error: {ann_file}, line 1' in result.stderr
    assert "separated by ','" in result.stderr
