"""The Dockerfiles, read as Docker would (no engine runs here): the pinned install, a real entry
point as the default command, an unprivileged user, runs in a volume, and a build context that
holds what they copy."""

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from typing import List, Tuple

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILES = {"gpu": "docker/Dockerfile", "cpu": "docker/Dockerfile.cpu"}
BASES = {"gpu": "python:3.11-slim", "cpu": "python:3.11-slim"}


def instructions(path: str) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    with open(os.path.join(REPO, path)) as f:
        lines = [line.rstrip("\n") for line in f if not line.lstrip().startswith("#")]
    joined, current = [], ""
    for line in lines:
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            keyword, _, arguments = current.strip().partition(" ")
            joined.append((keyword.upper(), arguments.strip()))
        current = ""
    return joined


def exec_form(arguments: str) -> List[str]:
    words = json.loads(arguments)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), arguments
    return words


def dockerignore() -> List[str]:
    with open(os.path.join(REPO, ".dockerignore")) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Whether .dockerignore leaves `path` (relative to the repo) out of the build context."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pattern in dockerignore():
        pattern = pattern.rstrip("/")
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def copied_sources(steps) -> List[str]:
    sources = []
    for keyword, arguments in steps:
        if keyword == "COPY":
            words = [w for w in shlex.split(arguments) if not w.startswith("--")]
            sources += words[:-1]
    return sources


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_base_image(flavour):
    steps = instructions(DOCKERFILES[flavour])
    assert steps[0] == ("FROM", BASES[flavour])
    assert [keyword for keyword, _ in steps].count("FROM") == 1


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_a_host_ca_bundle_is_a_build_argument_never_part_of_the_image(flavour):
    steps = instructions(DOCKERFILES[flavour])
    assert ("ARG", "PIP_CERT") in steps  # no default: unset unless the build mounts one
    for keyword, arguments in steps:
        assert not (keyword == "ENV" and "PIP_CERT" in arguments), arguments
        assert not (keyword in ("COPY", "ADD") and re.search(r"\.(crt|pem)\b", arguments))
    with open(os.path.join(REPO, "docker/local-base.sh")) as f:
        base = f.read()
    assert "ca-certificates/" not in base and "PIP_CERT" not in base


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_every_pip_install_uses_the_constraints(flavour):
    steps = instructions(DOCKERFILES[flavour])
    installs = [
        (i, command)
        for i, (keyword, arguments) in enumerate(steps)
        if keyword == "RUN"
        for command in arguments.split("&&")
        if "pip install" in command
    ]
    assert len(installs) >= 1
    for _, command in installs:
        assert "-c constraints.txt" in command, command
        assert " -r " not in command and "--upgrade" not in command, command
    first_copy_of_constraints = min(
        i
        for i, (keyword, arguments) in enumerate(steps)
        if keyword == "COPY" and "constraints.txt" in arguments
    )
    assert first_copy_of_constraints < installs[0][0]


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_default_command_is_a_real_entry_point_writing_to_the_volume(flavour):
    steps = instructions(DOCKERFILES[flavour])
    [cmd] = [arguments for keyword, arguments in steps if keyword == "CMD"]
    words = exec_form(cmd)
    assert words[0] in ("python", "python3") and words[1] == "-m"
    module = os.path.join(REPO, *words[2].split(".")) + ".py"
    assert os.path.isfile(module), words[2]
    with open(module) as f:
        assert 'if __name__ == "__main__":' in f.read()
    volumes = [
        v for keyword, arguments in steps if keyword == "VOLUME" for v in exec_form(arguments)
    ]
    assert volumes == ["/runs"]
    [root_dir] = [w.split("=", 1)[1] for w in words if w.startswith("--root_dir=")]
    assert root_dir.startswith("/runs/")


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_runs_as_an_unprivileged_user(flavour):
    steps = instructions(DOCKERFILES[flavour])
    users = [(i, arguments) for i, (keyword, arguments) in enumerate(steps) if keyword == "USER"]
    assert users, "no USER: the container would run as root"
    last, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    created = [
        arguments
        for keyword, arguments in steps[:last]
        if keyword == "RUN" and "useradd" in arguments
    ]
    assert any(shlex.split(c.split("useradd", 1)[1].split("&&")[0])[-1] == user for c in created)
    cmd_index = max(i for i, (keyword, _) in enumerate(steps) if keyword == "CMD")
    assert last < cmd_index
    assert not any(keyword == "RUN" for keyword, _ in steps[last + 1 :])  # nothing else as root


def test_dockerignore_keeps_local_state_out():
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "runs/breakout/config.json",
        "pipelines/__pycache__/plot.cpython-311.pyc",
        "out.mp4",
        "videos/clip.gif",
        "atari_rl_pipelines.egg-info/PKG-INFO",
        ".pytest_cache/v",
    ):
        assert ignored(path), path
    assert not ignored("pipelines/plot.py") and not ignored("constraints.txt")


@pytest.mark.parametrize("flavour", sorted(DOCKERFILES))
def test_copied_files_exist_in_the_build_context(flavour):
    for source in copied_sources(instructions(DOCKERFILES[flavour])):
        assert os.path.exists(os.path.join(REPO, source)), source
        assert not ignored(source), source


def test_the_copied_files_build_the_package_with_the_default_command(tmp_path):
    """What the Dockerfile copies (minus .dockerignore) is a buildable package whose wheel holds
    the default command's module and the entry points."""
    steps = instructions(DOCKERFILES["gpu"])
    context = tmp_path / "context"
    context.mkdir()
    for source in copied_sources(steps):
        origin = os.path.join(REPO, source)
        if os.path.isdir(origin):
            for folder, _, names in os.walk(origin):
                for name in names:
                    relative = os.path.relpath(os.path.join(folder, name), REPO)
                    if not ignored(relative):
                        os.makedirs(context / os.path.dirname(relative), exist_ok=True)
                        shutil.copyfile(os.path.join(REPO, relative), context / relative)
        else:
            shutil.copyfile(origin, context / source)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "wheel"),
            str(context),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [wheel] = os.listdir(tmp_path / "wheel")
    names = zipfile.ZipFile(tmp_path / "wheel" / wheel).namelist()
    [cmd] = [arguments for keyword, arguments in steps if keyword == "CMD"]
    module = exec_form(cmd)[2]
    for required in (
        module,
        "pipelines.evaluate",
        "pipelines.plot",
        "pipelines.launch",
        "envs.loader",
    ):
        assert required.replace(".", "/") + ".py" in names, required
    assert "pipelines/common/loopback_bind.c" in names  # compiled on first use


def test_compose_runs_every_role_without_publishing_the_reverb_port():
    with open(os.path.join(REPO, "docker", "compose.yaml")) as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    roles = {
        name: re.search(r"--role=(\w+)", service["command"]).group(1)
        for name, service in services.items()
    }
    assert sorted(roles.values()) == ["collect", "collect", "replay", "train"]
    tasks = [
        re.search(r"--task=(\d+)", services[name]["command"]).group(1)
        for name, role in roles.items()
        if role == "collect"
    ]
    assert sorted(tasks) == ["0", "1"]
    for name, service in services.items():
        assert "ports" not in service, f"{name} publishes a port"
        pipeline = service["environment"]["PIPELINE"]
        assert os.path.isfile(os.path.join(REPO, "pipelines", pipeline + ".py"))
        assert service["environment"]["ROOT_DIR"].startswith("/runs/")
        if roles[name] != "replay":
            assert "--replay_server=replay:8000" in service["command"]
    assert "--replay_expose" in services["replay"]["command"]  # reachable inside compose only
    assert os.path.isfile(os.path.join(REPO, services["replay"]["build"]["dockerfile"]))
