"""tools/misc/scan_videos.py on real broken, short and good videos."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCAN = REPO / 'tools' / 'misc' / 'scan_videos.py'


def scan(ann_file: Path, video_dir: Path, *args: str
         ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCAN), str(ann_file), '--video-dir',
         str(video_dir), *args], capture_output=True, text=True,
        stdin=subprocess.DEVNULL)


def test_reports_every_unusable_video(tmp_path, video_zoo) -> None:
    names = ['good', 'zero_byte', 'truncated', 'garbage', 'short', 'static',
             'grayscale', 'odd_size']
    lines = [f'{video_zoo[name].name} 0' for name in names] + ['lost.mp4 1']
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('\n'.join(lines) + '\n')
    report = tmp_path / 'report.txt'
    result = scan(ann_file, video_zoo['good'].parent, '--report', str(report))
    assert result.returncode == 1
    text = report.read_text()
    assert f'{ann_file}: 9 videos listed, 5 readable' in text
    assert 'missing: lost.mp4' in text
    for name in ('zero_byte.mp4', 'truncated.mp4', 'garbage.mp4'):
        assert f'unreadable: {name}' in text
    assert 'rate 1 (16 frames): 0 videos too short' in text
    assert 'rate 2 (32 frames): 1 videos too short' in text
    assert 'too short for rate 8: short.mp4 (20 frames)' in text
    assert '4 videos cannot be used at any rate' in text
    assert text.strip() in result.stdout


def test_clean_list_exits_zero(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('good.mp4 0\nstatic.mp4 1\n')
    result = scan(ann_file, video_zoo['good'].parent, '--rates', '1', '2')
    assert result.returncode == 0, result.stderr
    assert '0 videos cannot be used at any rate' in result.stdout


def test_malformed_list_is_named(tmp_path, video_zoo) -> None:
    ann_file = tmp_path / 'list.txt'
    ann_file.write_text('good.mp4,0\n')
    result = scan(ann_file, video_zoo['good'].parent)
    assert result.returncode == 2
    assert f'error: {ann_file}, line 1' in result.stderr
    assert "separated by ','" in result.stderr
