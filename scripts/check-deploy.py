"""Validates the Kubernetes manifests of k8s/ and the .dockerignore file.

Run by scripts/check-deploy.sh with the Python of its tool directory, which
has kubernetes-validate (the Kubernetes JSON schemas, bundled), jsonschema and
PyYAML. Usage:

    check-deploy.py manifests FILE...   validate every document of each file
    check-deploy.py kustomization DIR   check that DIR/kustomization.yaml lists
                                        every manifest of DIR, and only files
                                        that exist
    check-deploy.py dockerignore FILE   check that the build context keeps
                                        what the Dockerfile builds from

Exits with status 1 after printing every failure.
"""

import fnmatch
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.37.0"

# Objects that kustomization.yaml must not apply. The Secret template has
# placeholder values only.
NOT_APPLIED = {"secret.example.yaml"}


def object_schema(spec_schema):
    """Wraps a schema of `spec` into one of a whole custom resource."""
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "metadata": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1}},
            },
            "spec": spec_schema,
        },
    }


SERVICE_REFERENCE = {
    "type": "object",
    "required": ["name", "port"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "port": {"type": ["string", "integer"]},
        "kind": {"enum": ["Service", "TraefikService"]},
    },
}

# Required fields of the custom resources used here, from the CRDs of
# Traefik v3 (traefik.io/v1alpha1) and the Prometheus Operator
# (monitoring.coreos.com/v1). kubernetes-validate has no schema for them.
CUSTOM_RESOURCE_SCHEMAS = {
    ("traefik.io/v1alpha1", "IngressRoute"): object_schema(
        {
            "type": "object",
            "required": ["routes"],
            "properties": {
                "entryPoints": {"type": "array", "items": {"type": "string"}},
                "routes": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["match", "services"],
                        "properties": {
                            "kind": {"const": "Rule"},
                            "match": {"type": "string", "minLength": 1},
                            "priority": {"type": "integer"},
                            "services": {
                                "type": "array",
                                "minItems": 1,
                                "items": SERVICE_REFERENCE,
                            },
                        },
                    },
                },
                "tls": {"type": "object"},
            },
        }
    ),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): object_schema(
        {
            "type": "object",
            "required": ["selector", "endpoints"],
            "properties": {
                "selector": {"type": "object"},
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "anyOf": [{"required": ["port"]}, {"required": ["targetPort"]}],
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "interval": {"type": "string", "pattern": "^[0-9]+(ms|s|m|h)$"},
                        },
                    },
                },
            },
        }
    ),
    ("monitoring.coreos.com/v1", "PrometheusRule"): object_schema(
        {
            "type": "object",
            "required": ["groups"],
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "properties": {
                            "rules": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["expr"],
                                    "oneOf": [
                                        {"required": ["alert"]},
                                        {"required": ["record"]},
                                    ],
                                    "properties": {
                                        "expr": {"type": ["string", "integer"]},
                                        "for": {"type": "string"},
                                        "labels": {"type": "object"},
                                        "annotations": {"type": "object"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    ),
}


def load_documents(path):
    with open(path, encoding="utf-8") as stream:
        return [document for document in yaml.safe_load_all(stream) if document is not None]


def check_manifests(paths):
    failures = []
    for path in paths:
        try:
            documents = load_documents(path)
        except yaml.YAMLError as error:
            failures.append(f"{path}: invalid YAML: {error}")
            continue
        for document in documents:
            kind = document.get("kind", "?")
            name = document.get("metadata", {}).get("name", "?")
            label = f"{path}: {kind}/{name}"
            if "apiVersion" not in document or "kind" not in document:
                failures.append(f"{label}: apiVersion or kind is missing")
                continue
            custom_schema = CUSTOM_RESOURCE_SCHEMAS.get((document.get("apiVersion"), kind))
            try:
                if custom_schema is not None:
                    jsonschema.validate(document, custom_schema)
                    print(f"ok   {label} (required fields of the CRD)")
                else:
                    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
                    print(f"ok   {label} (Kubernetes {KUBERNETES_VERSION} schema, strict)")
            except jsonschema.ValidationError as error:
                location = "/".join(str(part) for part in error.absolute_path)
                failures.append(f"{label}: {error.message} at /{location}")
            except kubernetes_validate.SchemaNotFoundError:
                failures.append(
                    f"{label}: no schema for kind {kind} in {document['apiVersion']} "
                    f"(Kubernetes {KUBERNETES_VERSION}, or a CRD this script does not know)"
                )
    return failures


def check_kustomization(directory):
    directory = pathlib.Path(directory)
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = list(kustomization.get("resources", []))
    for generator in kustomization.get("configMapGenerator", []):
        listed.extend(entry.split("=", 1)[-1] for entry in generator.get("files", []))

    failures = []
    for entry in listed:
        if not (directory / entry).exists():
            failures.append(f"{directory}/kustomization.yaml lists {entry}, which does not exist")
        else:
            print(f"ok   {directory}/kustomization.yaml lists {entry}")
    for manifest in sorted(directory.glob("*.yaml")):
        if manifest.name == "kustomization.yaml" or manifest.name in NOT_APPLIED:
            continue
        if manifest.name not in listed:
            failures.append(f"{manifest} is not listed in {directory}/kustomization.yaml")
    for name in NOT_APPLIED:
        if name in listed:
            failures.append(f"{directory}/kustomization.yaml applies {name}, a template")
    return failures


# Paths of the repository that `docker build` needs in its context: the
# workspace manifests, every member crate, the migrations that sqlx embeds,
# the web app and the example that gauzian-client's manifest declares.
BUILD_INPUTS = [
    "Cargo.toml",
    "Cargo.lock",
    "crates/gauzian-crypto/Cargo.toml",
    "crates/gauzian-api/Cargo.toml",
    "crates/gauzian-client/Cargo.toml",
    "server/Cargo.toml",
    "server/src/main.rs",
    "cli/Cargo.toml",
    "sdk-wasm/Cargo.toml",
    "sdk-wasm/build.sh",
    "sdk-wasm/package.json",
    "sdk-wasm/README.md",
    "sdk-wasm/js/client.js",
    "migrations/postgres",
    "migrations/sqlite",
    "web/build.sh",
    "web/index.html",
    "examples/list_drive.rs",
]


def is_ignored(path, patterns):
    """Applies .dockerignore patterns in order, as Docker does: the last
    matching pattern wins, and a pattern also excludes what is below it."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            matches = any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)
        else:
            matches = any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)
        if matches:
            ignored = not negated
    return ignored


def check_dockerignore(path):
    patterns = [
        line.strip()
        for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    failures = []
    for needed in BUILD_INPUTS:
        if not pathlib.Path(needed).exists():
            failures.append(f"{needed} does not exist; update BUILD_INPUTS in {__file__}")
        elif is_ignored(needed, patterns):
            failures.append(f"{path} excludes {needed}, which the image build needs")
        else:
            print(f"ok   {path} keeps {needed}")
    return failures


def main(arguments):
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, operands = arguments[0], arguments[1:]
    if command == "manifests":
        failures = check_manifests(operands)
    elif command == "kustomization":
        failures = check_kustomization(operands[0])
    elif command == "dockerignore":
        failures = check_dockerignore(operands[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
