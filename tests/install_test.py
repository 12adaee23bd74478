"""requirements/lock.txt: complete, fully pinned, consistent with setup.cfg and the overrides, and installed."""
import configparser
import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCK = PROJECT_ROOT / "requirements" / "lock.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(===?)([^\s;#]+)\s*(?:#.*)?$")


def lock_pins():
    pins = {}
    for number, line in enumerate(LOCK.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"{LOCK}:{number}: not a pin: {line!r}"
        pins[canonicalize_name(match[1])] = (match[2], match[3])
    return pins


def declared_requirements():
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].splitlines()
    for extra in config["options.extras_require"]:
        lines += config["options.extras_require"][extra].splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.strip().startswith("#")]


def test_every_declared_requirement_is_pinned_in_the_lock_within_its_range():
    pins = lock_pins()
    assert len(pins) > 100
    for requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} (setup.cfg) is not in {LOCK.name}: run `make lock`"
        assert requirement.specifier.contains(pins[name][1], prereleases=True), (requirement, pins[name])


def test_overrides_are_applied_and_torch_is_the_exact_pypi_build():
    pins = lock_pins()
    assert pins["torch"] == ("===", "2.13.0")  # not a local 2.13.0+cpu (see Makefile `lock`)
    assert pins["torchvision"] == ("==", "0.28.0")
    overrides = (PROJECT_ROOT / "requirements" / "overrides.txt").read_text().splitlines()
    for line in overrides:
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            if requirement.marker is not None and not requirement.marker.evaluate():
                assert name not in pins, f"{name} is overridden away but pinned"
            elif name in pins:
                assert requirement.specifier.contains(pins[name][1]), (line, pins[name])


def test_the_environment_has_exactly_the_locked_versions():
    wrong = {}
    for name, (_, version) in lock_pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"locked vs installed (run `make install`): {wrong}"
