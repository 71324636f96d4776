"""Install mmprp: ``pip install .`` or ``pip install -e .``."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_version() -> str:
    """Read ``__version__`` from ``mmprp/version.py`` without importing it."""
    namespace: dict = {}
    exec((HERE / 'mmprp' / 'version.py').read_text(), namespace)
    return namespace['__version__']


def read_requirements(path: Path) -> list:
    """Return the requirement lines of ``path``, comments stripped."""
    lines = (line.split('#', 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


setup(
    name='mmprp',
    version=read_version(),
    description='PRP (Video Playback Rate Perception, CVPR 2020) for MMAction2',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['mmprp', 'mmprp.*']),
    install_requires=read_requirements(HERE / 'requirements' / 'runtime.txt'),
    zip_safe=False,
)
