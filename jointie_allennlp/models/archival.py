"""
Model archives written fast: `model.tar.gz` gzipped at level 1 instead of allennlp's level 9
(minutes for a multilingual encoder's weights); reading is unchanged. Test: tests/models/archival_test.py.
"""
import tarfile
from typing import Any

from jointie_allennlp.patching import MARKER


ARCHIVE_COMPRESSLEVEL = 1


class _FastGzipTarfile:
    """The ``tarfile`` module as ``allennlp.models.archival`` sees it: ``open(..., "w:gz")``
    compresses at ``ARCHIVE_COMPRESSLEVEL`` unless a level is given; everything else is
    ``tarfile``'s."""

    def __getattr__(self, name: str) -> Any:
        return getattr(tarfile, name)

    @staticmethod
    def open(name=None, mode="r", *args, **kwargs):
        if mode == "w:gz":
            kwargs.setdefault("compresslevel", ARCHIVE_COMPRESSLEVEL)
        return tarfile.open(name, mode, *args, **kwargs)


setattr(_FastGzipTarfile, MARKER, True)


def install() -> bool:
    """Gzip ``model.tar.gz`` at level 1 instead of 9.

    Why: allennlp 2.10.1's ``archive_model`` writes the
    archive with ``tarfile.open(path, "w:gz")``, i.e. gzip level 9, at the end of every
    training run. Level 9 buys almost nothing on model weights and costs much time: on 64 MB of
    a multilingual-e5-small state dict, level 9 took 30.9 s (to 40.8% of the size), level 6
    12.1 s (40.6%), level 1 1.7 s (44.1%), measured one after another on this machine. The
    e5 archive (470 MB of weights) took about 2 minutes to write, twice per ``make demo-ru``.

    This gives ``allennlp.models.archival`` a ``tarfile`` whose ``open(..., "w:gz")``
    defaults to level 1; reading archives is unchanged (any level reads the same way).

    Returns True if the patch was installed (or already present).
    """
    from allennlp.models import archival

    if getattr(archival.tarfile, MARKER, False):
        return True
    archival.tarfile = _FastGzipTarfile()
    return True
