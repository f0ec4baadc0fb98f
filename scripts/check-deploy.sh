#!/usr/bin/env bash
# Validates the deployment files without a cluster or a Docker daemon:
#   - every manifest of k8s/ against the Kubernetes schemas that PyPI's
#     kubernetes-validate bundles (strict: unknown fields fail), and the
#     IngressRoute, ServiceMonitor and PrometheusRule against the required
#     fields of their CRDs (scripts/check-deploy.py);
#   - k8s/kustomization.yaml: every file it lists exists and every manifest
#     is listed; with kubectl on PATH, the rendered output validates too;
#   - docker-compose.yml against the Compose specification's schema and
#     .github/workflows/*.yml against GitHub's workflow schema, both vendored
#     in PyPI's check-jsonschema;
#   - .dockerignore keeps what the image build needs.
#
# The server-side checks (the variables the files set, the metrics the
# dashboard queries) are in server/tests/deployment.rs.
#
# On the first run, installs kubernetes-validate and check-jsonschema into a
# virtual environment in $GAUZIAN_TOOLS_DIR/deploy-validators, where
# GAUZIAN_TOOLS_DIR defaults to ~/.cache/gauzian-tools as in
# scripts/s3-server.sh. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

tools_dir="${GAUZIAN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gauzian-tools}/deploy-validators"
requirements=(kubernetes-validate==1.37.0 check-jsonschema==0.39.0 jsonschema PyYAML)
stamp="$tools_dir/installed-requirements"

step() { printf '\n==> %s\n' "$*"; }

# Each check runs even after another failed, so one run lists every failure.
failed=()
check() {
    local name=$1
    shift
    if ! "$@"; then
        failed+=("$name")
    fi
}

if [ ! -x "$tools_dir/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
    step "installing ${requirements[*]} into $tools_dir"
    python3 -m venv "$tools_dir"
    "$tools_dir/bin/pip" install -q --disable-pip-version-check "${requirements[@]}"
    printf '%s' "${requirements[*]}" > "$stamp"
fi
python="$tools_dir/bin/python"
check_jsonschema="$tools_dir/bin/check-jsonschema"

step "Kubernetes manifests (k8s/*.yaml)"
manifests=()
for file in k8s/*.yaml; do
    [ "$file" = k8s/kustomization.yaml ] || manifests+=("$file")
done
check "k8s manifests" "$python" scripts/check-deploy.py manifests "${manifests[@]}"

step "kustomization (k8s/kustomization.yaml)"
check "kustomization files" "$python" scripts/check-deploy.py kustomization k8s
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
    rendered=$(mktemp --suffix=.yaml)
    trap 'rm -f "$rendered"' EXIT
    if kubectl kustomize k8s > "$rendered"; then
        echo "rendered with kubectl kustomize: $(grep -c '^kind:' "$rendered") objects"
        check "rendered kustomization" "$python" scripts/check-deploy.py manifests "$rendered"
    else
        failed+=("kubectl kustomize k8s")
    fi
else
    echo "kubectl is not on PATH: the kustomization was not rendered"
fi

step "Grafana dashboard (k8s/grafana-dashboard.json)"
if "$python" -m json.tool k8s/grafana-dashboard.json >/dev/null; then
    echo "ok   k8s/grafana-dashboard.json is valid JSON"
else
    failed+=("Grafana dashboard")
fi

step "docker-compose.yml (Compose specification)"
check "docker-compose.yml" "$check_jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml

step "GitHub workflows (.github/workflows/*.yml)"
check "GitHub workflows" "$check_jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml

step ".dockerignore (build inputs of the Dockerfile)"
check ".dockerignore" "$python" scripts/check-deploy.py dockerignore .dockerignore

if [ ${#failed[@]} -gt 0 ]; then
    printf '\ndeployment checks failed: %s\n' "${failed[*]}" >&2
    exit 1
fi
printf '\nall deployment checks passed\n'
