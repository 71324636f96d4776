"""Command-line tools of mmprp; run from the repository root (or its
``mmprp/.mim`` copy), they import each other as ``tools.*``."""
