"""Type aliases shared by mmprp's modules."""
from pathlib import Path
from typing import Union

PathLike = Union[str, Path]
