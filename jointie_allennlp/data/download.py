"""
The public data sets, fetched from where their authors publish them and checked against SHA-256 sums.

* CoNLL04, SciERC and ADE in the SpERT JSON format, as the SpERT authors distribute them
  (github.com/lavis-nlp/spert, `scripts/fetch_datasets.sh`): one file at a time from
  `SPERT_URL/<data set>/<file>`, kept under the same names. `conll04_train_dev.json` and
  `scierc_train_dev.json` (train and dev together, for final runs) are among the published files.
  The sums are those of the published files; they are the same bytes as the copies committed in
  github.com/YoumiMa/TablERT under `data/datasets/` (`scierc_test.json` and
  `scierc_train_dev.json` are checked against those copies).
* RuREBus from the shared task's repository (github.com/dialogue-evaluation/RuREBus) at commit
  `RUREBUS_COMMIT`: the zip archives `train_data/train_part_{1,2,3}.zip`, whose `.txt` / `.ann`
  files all go into `rurebus/train/` (the archives' own folders dropped), and
  `test_data/test_full.zip` (the annotated test set) into `rurebus/test_full/`. The sums are
  those of the archives at that commit.

The layout is the one the training configs read under `JOINTIE_DATA_DIR`:
`conll04/conll04_train.json`, `scierc/scierc_dev.json`, `ade/ade_split_0_train.json`,
`rurebus/train/*.ann`, ...

A file is written only once its download matched its sum (through a temporary file beside it);
a file or folder already there is kept unless `overwrite`. `mirror` (or `JOINTIE_DATA_MIRROR`)
replaces every source with one base URL holding `<data set>/<path>` (e.g.
`<mirror>/conll04/conll04_train.json`, `<mirror>/rurebus/train_data/train_part_1.zip`).
"""
import hashlib
import http.client
import os
import shutil
import socket
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

SPERT_URL = "http://lavis.cs.hs-rm.de/storage/spert/public/datasets"
RUREBUS_COMMIT = "1ad743675b559f86322347d050cc5f8733df4877"
RUREBUS_URL = f"https://raw.githubusercontent.com/dialogue-evaluation/RuREBus/{RUREBUS_COMMIT}"
ARCHIVE_SUFFIXES = (".txt", ".ann")


class DownloadError(Exception):
    """A data set could not be fetched: no network, an HTTP error, or a file that is not the published one."""


class ChecksumError(DownloadError):
    """A downloaded file whose SHA-256 differs from the published file's."""


@dataclass(frozen=True)
class Remote:
    """
    One published file.

    # Parameters

    path : `str` its path under the data set's base URL.
    sha256 : `str` the SHA-256 of the published file.
    target : `str` where it goes, relative to the data directory: a file, or for an archive the
        folder its `.txt` / `.ann` members are extracted into (without the archive's folders).
    """

    path: str
    sha256: str
    target: str

    @property
    def is_archive(self) -> bool:
        return self.path.endswith(".zip")


@dataclass(frozen=True)
class DataSet:
    """
    A data set: the base URL its authors publish it under and its files.

    # Parameters

    name : `str` also the folder under the data directory.
    base_url : `str`
    files : `Tuple[Remote, ...]`
    """

    name: str
    base_url: str
    files: Tuple[Remote, ...]

    def url(self, remote: Remote, mirror: Optional[str] = None) -> str:
        base = f"{mirror.rstrip('/')}/{self.name}" if mirror else self.base_url
        return f"{base}/{remote.path}"

    def targets(self) -> Dict[str, List[Remote]]:
        """The files of the data set by target, in order (several archives may fill one folder)."""
        grouped: Dict[str, List[Remote]] = {}
        for remote in self.files:
            grouped.setdefault(remote.target, []).append(remote)
        return grouped


def _spert(name: str, sums: Dict[str, str]) -> DataSet:
    return DataSet(name, f"{SPERT_URL}/{name}",
                   tuple(Remote(file, sha256, f"{name}/{file}") for file, sha256 in sums.items()))


DATASETS: Dict[str, DataSet] = {
    "conll04": _spert("conll04", {
        "conll04_train.json": "65c52d5b6134c72c44277c74c5ecb354bf33aa352fc7b856edf6bda0bb436eea",
        "conll04_dev.json": "3965a5110a79671fb74a78c0fd0113c4da6583c3833bd418c1ca414bb491e010",
        "conll04_test.json": "347f45cf181b5641d2373248a1af0592954415234f72536835dde1df1b504556",
        "conll04_train_dev.json": "1eae483f3206145159d06099964ebd421b5a9c46ea1d838fc3faf0ba1baeafa1",
        "conll04_types.json": "9244d21d2640430f03eda97f59ce3e0a28a766964b1c04683c80656b5e505ad8",
    }),
    "scierc": _spert("scierc", {
        "scierc_train.json": "40879beb794a2d947c60f4e7e936c269b5f35ce516e9e155cbff1feea0c3e8da",
        "scierc_dev.json": "77506c1a9d9e6a3f596fdce937a1d80679c24df75a8b7cb836737c2a43ff0ec0",
        "scierc_test.json": "ecc88eca58a88cf2087aaa996dada9edad433c3c2f3f8f5be93625b098c20703",
        "scierc_train_dev.json": "b559f38de2d7918ae08c3c5db4b8cf352bc936c44168d7f83aca2cfd14245b23",
        "scierc_types.json": "c092a29d28cc0186b5846c1c56e844e3cb07c6f5196c2efdf432888119434a85",
    }),
    "ade": _spert("ade", {
        "ade_full.json": "5bc2355bcb3fa326d0749af0368e7b428b44a63fb8a1fb76ffeef14825e51384",
        "ade_split_0_train.json": "6624ac4d015c75f551aa15a43bd05e268082d98297d18269662737f7df358365",
        "ade_split_0_test.json": "6d6a3584d3876a35854ef703f7a7059363599ad7ed3ab9c3e6e449ae8a252e9a",
        "ade_split_1_train.json": "811befd6d23d2aeb7cff3469d4b22d0c58fa61557b03257986ea1559042d42fe",
        "ade_split_1_test.json": "532fa740c11466c54d06dfe4e2989bd800c046cb31c409f074b7b3d49cf99b23",
        "ade_split_2_train.json": "c13ff04545537879e1d2fa41ed25c4e5831bbd75d2c07a4d7c0e60d2691b5b25",
        "ade_split_2_test.json": "69c4844907809f4e76516d7e9b7f8f2fa5eab2bdf27ee0dc02bdb367e673f994",
        "ade_split_3_train.json": "1d65b2aab0da37d3125cb0a90f6c66ad05af4ebb6f4685c4ede242cfb587cb1e",
        "ade_split_3_test.json": "07e188e39118bd9644d4bb74ad841099853a5dfbecb035e5af2dc83a7d927495",
        "ade_split_4_train.json": "de8cdb999563697d330d97b9ac95a5ae1c83106eb812f25b12d807c6628f28a4",
        "ade_split_4_test.json": "937eff5f8982fff83655872fcf150876145e75a381dcedfc45e2411f47146edc",
        "ade_split_5_train.json": "474668717b0fbcb4cf6fda984b8897b2e66f2550c9a052187c6ece012960a6cf",
        "ade_split_5_test.json": "d01d706574d4921304d3b53a0b013fbe41d2f97439245cf768c503df1e70a9f3",
        "ade_split_6_train.json": "c3e41dea7c11c34da7f32be45ced3a162fff30abeb0939698937fe7a83446dca",
        "ade_split_6_test.json": "3e35e7278060f16103665a47db1480e305346f255872ced202617c6d8025bb01",
        "ade_split_7_train.json": "3839c5f7cfd5c9e260a3a60a9c79f6ed54d21d66288413c8a2c2d8e985e9081c",
        "ade_split_7_test.json": "6c4f25fffd1ce4fb1bf67bc54713b44f6e1abb9ca744d06a38ed88731a8d1371",
        "ade_split_8_train.json": "9c5c698bb7d5a72e11685a63de4a6b525e073eede445eaae0d44ce42166fffcc",
        "ade_split_8_test.json": "69fb620cc4f9fe4d35533dba74b7234ebb2c2e69a988a8945219563ad12feb3c",
        "ade_split_9_train.json": "e863f0b8a717364fd553e55e041ea89e2a52d116e5b047cbaa1882410ab0813f",
        "ade_split_9_test.json": "a02776d17963ada8aad5e1d4370e96d2478a8e44fd0944274ac0c44f4499b0ed",
        "ade_types.json": "3675aea50f600cb61d4e55ffa2e376ac64385a3d8a6e8f54c27e07ab44f46919",
    }),
    "rurebus": DataSet("rurebus", RUREBUS_URL, (
        Remote("train_data/train_part_1.zip", "2da67e407e0c2ecbc7f782a8cc6ac56b0c6bdba22cbe335974faa20413100d5a",
               "rurebus/train"),
        Remote("train_data/train_part_2.zip", "dac009c610aef63cf103c9fc762f8c6f72debad2e7b347d6bf311b0d9aad2593",
               "rurebus/train"),
        Remote("train_data/train_part_3.zip", "f83c30cdac238747de23b4e8a8bdc3f20cd0b80255d0cc659f2c9cc00cc2cab6",
               "rurebus/train"),
        Remote("test_data/test_full.zip", "f2539e79a325738e1eeb6ff2738a5cc45ac31ff958e0e61080f4bbd1b78f50f0",
               "rurebus/test_full"),
    )),
}


@dataclass(frozen=True)
class Outcome:
    """
    What became of one target.

    # Parameters

    target : `str` relative to the data directory.
    status : `str` `fetched` (downloaded and checked), `present` (kept; a file matches its sum),
        or `differs` (a file is there that is not the published one: kept, `overwrite` replaces it).
    files : `int` the files written (a folder's members) or kept.
    size : `int` bytes downloaded.
    checked : `bool` whether the SHA-256 was checked: always for a fetched file; for one kept, when
        it is a file (the members of a folder kept are not checked).
    """

    target: str
    status: str
    files: int = 0
    size: int = 0
    checked: bool = False


def default_data_dir() -> Path:
    """`JOINTIE_DATA_DIR` when set, else `data` (relative to the working directory)."""
    return Path(os.environ.get("JOINTIE_DATA_DIR") or "data")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


Progress = Callable[[str, Optional[int]], Callable[[int], None]]


def _no_progress(url: str, total: Optional[int]) -> Callable[[int], None]:
    return lambda size: None


def download(url: str, destination: Path, sha256: str, timeout: float = 60.0,
             progress: Progress = _no_progress) -> int:
    """
    Downloads `url` into `destination` (a new file) and checks its SHA-256; returns its size. On
    any failure nothing is left at `destination`.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(destination, "xb") as stream:
            length = response.headers.get("Content-Length")
            advance = progress(url, int(length) if length and length.isdigit() else None)
            for block in iter(lambda: response.read(1 << 16), b""):
                stream.write(block)
                digest.update(block)
                size += len(block)
                advance(len(block))
    except urllib.error.HTTPError as error:
        destination.unlink(missing_ok=True)
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        destination.unlink(missing_ok=True)
        raise DownloadError(f"cannot reach {url} ({error.reason}); is there a network connection?") from None
    except (socket.timeout, ConnectionError, http.client.HTTPException) as error:
        destination.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the download failed ({error or type(error).__name__})") from None
    if digest.hexdigest() != sha256:
        destination.unlink()
        raise ChecksumError(
            f"{url}: SHA-256 {digest.hexdigest()} is not the published file's {sha256} "
            f"({size} bytes received); nothing was written"
        )
    return size


def _extract(archive: Path, folder: Path, taken: Dict[str, str], url: str) -> int:
    """Extracts the `.txt` / `.ann` members of a zip archive into `folder` by their base names."""
    count = 0
    try:
        with zipfile.ZipFile(archive) as members:
            for member in members.infolist():
                name = member.filename.rsplit("/", 1)[-1]
                if member.is_dir() or not name.endswith(ARCHIVE_SUFFIXES) or name.startswith("."):
                    continue
                if name in taken:
                    raise DownloadError(f"{url}: {member.filename} has the name of a file of {taken[name]}")
                taken[name] = url
                with members.open(member) as source, open(folder / name, "xb") as target:
                    shutil.copyfileobj(source, target)
                count += 1
    except zipfile.BadZipFile as error:
        raise DownloadError(f"{url}: not a zip archive ({error})") from None
    return count


def _target_exists(path: Path) -> bool:
    return path.is_file() or (path.is_dir() and any(path.iterdir()))


def fetch_dataset(dataset: DataSet, directory: Path, overwrite: bool = False, mirror: Optional[str] = None,
                  timeout: float = 60.0, progress: Progress = _no_progress) -> List[Outcome]:
    """Fetches one data set into `directory` (see the module docstring); what became of each target."""
    outcomes = []
    for target, remotes in dataset.targets().items():
        path = directory / target
        archive = remotes[0].is_archive
        if _target_exists(path) and not overwrite:
            if archive:
                outcomes.append(Outcome(target, "present", sum(1 for _ in path.iterdir())))
            else:
                status = "present" if sha256_of(path) == remotes[0].sha256 else "differs"
                outcomes.append(Outcome(target, status, 1, checked=True))
            continue
        (path.parent if not archive else path).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as scratch:
            scratch = Path(scratch)
            size = 0
            downloads = []
            for number, remote in enumerate(remotes):
                downloaded = scratch / f"{number}.download"
                size += download(dataset.url(remote, mirror), downloaded, remote.sha256, timeout, progress)
                downloads.append((downloaded, dataset.url(remote, mirror)))
            if archive:
                extracted = scratch / "extracted"
                extracted.mkdir()
                taken: Dict[str, str] = {}
                files = sum(_extract(file, extracted, taken, url) for file, url in downloads)
                for member in sorted(extracted.iterdir()):
                    os.replace(member, path / member.name)
            else:
                files = 1
                os.replace(downloads[0][0], path)
        outcomes.append(Outcome(target, "fetched", files, size, checked=True))
    return outcomes


def fetch(names: Iterable[str], directory: Optional[Path] = None, overwrite: bool = False,
          mirror: Optional[str] = None, timeout: float = 60.0,
          progress: Progress = _no_progress) -> Dict[str, List[Outcome]]:
    """
    Fetches the named data sets (`DATASETS`) into `directory` (default `default_data_dir()`);
    `mirror` defaults to `JOINTIE_DATA_MIRROR`. Raises `DownloadError` (a `ChecksumError` for a
    file that is not the published one) when a file cannot be fetched; what was fetched before
    stays.
    """
    names = list(names)
    unknown = [name for name in names if name not in DATASETS]
    if unknown:
        raise DownloadError(f"unknown data set {unknown[0]!r} (known: {', '.join(DATASETS)})")
    directory = Path(directory) if directory is not None else default_data_dir()
    mirror = mirror if mirror is not None else os.environ.get("JOINTIE_DATA_MIRROR") or None
    return {name: fetch_dataset(DATASETS[name], directory, overwrite, mirror, timeout, progress) for name in names}

