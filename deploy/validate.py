#!/usr/bin/env python3
"""Checks the deployment files as far as this machine allows (no Docker engine, no Kubernetes API):
they parse, and they keep the properties the design depends on. Needs PyYAML (Debian: python3-yaml).

    python3 deploy/validate.py
"""
import pathlib
import re
import sys

import yaml

here = pathlib.Path(__file__).parent
problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


# Kubernetes manifests
docs = [d for f in sorted((here / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d]
by_kind = {}
for d in docs:
    check({"apiVersion", "kind", "metadata"} <= d.keys(), f"manifest without apiVersion/kind/metadata: {d}")
    by_kind.setdefault(d["kind"], []).append(d)
sts = by_kind.get("StatefulSet", [])
check(len(sts) == 1, "one StatefulSet for the sandbox hosts")
headless = [s for s in by_kind.get("Service", []) if s["spec"].get("clusterIP") == "None"]
check(len(headless) == 1 and headless[0]["spec"].get("publishNotReadyAddresses") is True,
      "a headless Service that publishes not-ready addresses (seeds must resolve early)")
check(bool(by_kind.get("Deployment")), "a Deployment for the gateways")
for pdb in by_kind.get("PodDisruptionBudget", []):
    check(pdb["spec"].get("maxUnavailable") == 1, f"PDB {pdb['metadata']['name']}: maxUnavailable 1")
check(len(by_kind.get("PodDisruptionBudget", [])) == 2, "a PodDisruptionBudget for hosts and for gateways")
for w in sts + by_kind.get("Deployment", []):
    spec = w["spec"]["template"]["spec"]
    role = next(e["value"] for e in spec["containers"][0]["env"] if e["name"] == "SANDBOX_ROLES")
    for c in spec["containers"]:
        check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/healthz/ready", f"{w['metadata']['name']}: readiness on /healthz/ready")
        seeds = next((e.get("value", "") for e in c["env"] if e["name"] == "SANDBOX_SEED_NODES"), "")
        check(all(re.match(r"akka\.ssl\.tcp://sandbox@sandbox-host-\d\.sandbox-host:4053$", s) for s in seeds.split(",")), f"{w['metadata']['name']}: seeds are the StatefulSet's pods, over TLS")
        env = {e["name"]: e.get("value") for e in c["env"]}
        check(env.get("SANDBOX_TLS") == "true", f"{w['metadata']['name']}: mutual TLS on remoting (SANDBOX_TLS=true)")
        mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
        tls_volume = next((v for v in spec.get("volumes", []) if v.get("secret", {}).get("secretName") == "sandbox-tls"), None)
        check(tls_volume is not None and tls_volume["name"] in mounts, f"{w['metadata']['name']}: the sandbox-tls secret is mounted")
        if tls_volume is not None and tls_volume["name"] in mounts:
            for var in ("SANDBOX_TLS_CERT", "SANDBOX_TLS_KEY", "SANDBOX_TLS_CA"):
                check(str(env.get(var, "")).startswith(mounts[tls_volume["name"]] + "/"), f"{w['metadata']['name']}: {var} lies in the mounted secret")
    if role == "sandbox-host":
        # sharding hand-off (120 s) + actor-system termination (30 s) must fit in the grace period
        check(spec.get("terminationGracePeriodSeconds", 30) > 150, "hosts: termination grace longer than the shutdown budget")
        check(spec["containers"][0].get("securityContext", {}).get("privileged") is True, "hosts: privileged (gVisor)")

# compose file
compose = yaml.safe_load((here / "compose" / "compose.yaml").read_text())
services = compose.get("services", {})
check({"postgres", "host-0", "host-1", "host-2", "gateway"} <= services.keys(), "compose: postgres, three hosts and a gateway")
for name in ("host-0", "host-1", "host-2"):
    s = services.get(name, {})
    check(s.get("privileged") is True, f"compose {name}: privileged")
    check(s.get("environment", {}).get("SANDBOX_AKKA_HOST") == name, f"compose {name}: advertises its own hostname")
    check(s.get("stop_grace_period") == "180s", f"compose {name}: stop grace covers the shutdown budget")
for name in ("host-0", "host-1", "host-2", "gateway"):
    s = services.get(name, {})
    env = s.get("environment", {})
    check(env.get("SANDBOX_TLS") == "true", f"compose {name}: mutual TLS on remoting")
    check(str(env.get("SANDBOX_SEED_NODES", "")).startswith("akka.ssl.tcp://"), f"compose {name}: seeds over TLS")
    mounted = {v.split(":")[1] for v in s.get("volumes", []) if v.startswith("./tls/")}
    for var in ("SANDBOX_TLS_CERT", "SANDBOX_TLS_KEY", "SANDBOX_TLS_CA"):
        check(env.get(var) in mounted, f"compose {name}: {var} is mounted from deploy/compose/tls")

# Dockerfile
dockerfile = (here / "docker" / "Dockerfile").read_text()
check("-t bookworm-backports runsc" in dockerfile, "Dockerfile: runsc from bookworm-backports")
check("debootstrap --variant=minbase --include=python3 bookworm" in dockerfile, "Dockerfile: the sandbox rootfs")

if problems:
    print("\n".join("problem: " + p for p in problems))
    sys.exit(1)
print(f"ok: {len(docs)} Kubernetes objects, {len(services)} compose services, Dockerfile")
