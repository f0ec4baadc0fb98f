//! Checks the deployment files against the server: docker-compose.yml,
//! .env.example and the manifests in k8s/ may set only environment variables
//! that `gauzian-server` reads, and the Grafana dashboard and the alert rules
//! may query only metrics that it exports at `/metrics`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory as _;
use common::{Backend, TestServer};
use gauzian_server::{Config, LogFormat};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;
use yaml_rust2::{Yaml, YamlLoader};

/// Series that Prometheus itself adds for every scrape target.
const PROMETHEUS_SERIES: &[&str] = &["up"];

/// Text in the image name that marks the server's container in k8s/.
const SERVER_IMAGE: &str = "gauzian-server";

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server crate is one level below the repository root")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = repository_root().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()))
}

/// Parses every YAML document of a file into JSON values.
fn yaml_documents(relative: &str) -> Vec<Value> {
    let documents = YamlLoader::load_from_str(&read(relative))
        .unwrap_or_else(|error| panic!("{relative} is not valid YAML: {error}"));
    documents
        .iter()
        .filter(|document| !document.is_null())
        .map(yaml_to_json)
        .collect()
}

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(text.clone()), Value::Number),
        Yaml::Integer(number) => Value::from(*number),
        Yaml::String(text) => Value::String(text.clone()),
        Yaml::Boolean(flag) => Value::Bool(*flag),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(entries) => Value::Object(
            entries
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        Yaml::String(text) | Yaml::Real(text) => text.clone(),
                        Yaml::Integer(number) => number.to_string(),
                        Yaml::Boolean(flag) => flag.to_string(),
                        other => panic!("unsupported YAML key {other:?}"),
                    };
                    (key, yaml_to_json(value))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    }
}

/// Parses every YAML file of k8s/, keyed by its path from the repository
/// root.
fn k8s_documents() -> BTreeMap<String, Vec<Value>> {
    let dir = repository_root().join("k8s");
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("k8s/ exists") {
        let path = entry.expect("directory entry").path();
        let is_yaml = path
            .extension()
            .is_some_and(|extension| extension == "yaml" || extension == "yml");
        if is_yaml {
            let relative = format!("k8s/{}", path.file_name().unwrap().to_string_lossy());
            let documents = yaml_documents(&relative);
            files.insert(relative, documents);
        }
    }
    assert!(!files.is_empty(), "k8s/ has no YAML file");
    files
}

/// Environment variables that `gauzian-server` reads: one per flag of
/// [`Config`], and `RUST_LOG` for the log filter.
fn server_variables() -> BTreeSet<String> {
    let mut variables: BTreeSet<String> = Config::command()
        .get_arguments()
        .filter_map(|argument| argument.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    variables.insert("RUST_LOG".to_owned());
    variables
}

/// Asserts that each (variable, origin) pair names a variable the server reads.
fn assert_server_reads(variables: &[(String, String)]) {
    let known = server_variables();
    for (variable, origin) in variables {
        assert!(
            known.contains(variable),
            "{origin} sets {variable}, which gauzian-server does not read; \
             it reads {known:?}"
        );
    }
}

/// Variable names of a compose `environment`, in map or list form.
fn compose_environment_names(environment: &Value) -> Vec<String> {
    match environment {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let item = item.as_str().expect("environment list item is a string");
                item.split('=').next().unwrap_or_default().to_owned()
            })
            .collect(),
        Value::Null => Vec::new(),
        other => panic!("unexpected compose environment {other}"),
    }
}

/// Names of the `${NAME}` interpolations in a compose file, with any
/// `:-default` or `:?message` part removed. `$$` escapes a dollar sign.
fn compose_interpolations(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text.replace("$$", "");
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        names.insert(after[..end].to_owned());
        rest = after[end..].to_owned();
    }
    names
}

/// Variable names of a dotenv file: `NAME=value` lines, without comments.
fn dotenv_names(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, _) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("line {line:?} has no `=`"));
            name.trim().to_owned()
        })
        .collect()
}

#[test]
fn compose_sets_only_server_variables() {
    let compose = yaml_documents("docker-compose.yml");
    assert_eq!(compose.len(), 1, "docker-compose.yml has one document");
    let server = &compose[0]["services"]["server"];
    assert!(
        server.is_object(),
        "docker-compose.yml has no `server` service"
    );
    // This test reads only the variables written in the compose file itself.
    assert!(
        server.get("env_file").is_none(),
        "the server service must list its variables under `environment`, not env_file"
    );

    let names = compose_environment_names(&server["environment"]);
    assert!(names.len() >= 5, "the server service sets only {names:?}");
    let origin = "docker-compose.yml (service server)".to_owned();
    let variables: Vec<_> = names
        .into_iter()
        .map(|name| (name, origin.clone()))
        .collect();
    assert_server_reads(&variables);
}

/// Appends every string of a JSON value, keys included, at any depth.
fn collect_strings(value: &Value, strings: &mut Vec<String>) {
    match value {
        Value::String(text) => strings.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, strings)),
        Value::Object(map) => {
            for (key, child) in map {
                strings.push(key.clone());
                collect_strings(child, strings);
            }
        }
        _ => {}
    }
}

#[test]
fn env_example_matches_compose() {
    let compose = yaml_documents("docker-compose.yml");
    let services = compose[0]["services"]
        .as_object()
        .expect("docker-compose.yml has services");
    let interpolated_anywhere = compose_interpolations(&read("docker-compose.yml"));
    let mut interpolated_by_backends = BTreeSet::new();
    for (service, definition) in services {
        if service == "server" {
            continue;
        }
        let mut strings = Vec::new();
        collect_strings(definition, &mut strings);
        for text in strings {
            interpolated_by_backends.extend(compose_interpolations(&text));
        }
    }
    let example = dotenv_names(&read(".env.example"));
    let server = server_variables();

    // Each name is a server setting, or a credential that the PostgreSQL,
    // Redis or MinIO service uses. Any other name is a typo or a leftover.
    for name in &example {
        assert!(
            server.contains(name) || interpolated_by_backends.contains(name),
            ".env.example sets {name}, which gauzian-server does not read and no other \
             service of docker-compose.yml uses"
        );
        assert!(
            interpolated_anywhere.contains(name),
            ".env.example sets {name}, which docker-compose.yml never uses as ${{{name}}}"
        );
    }

    // The example must list everything the compose file reads from .env.
    for name in &interpolated_anywhere {
        assert!(
            example.contains(name),
            "docker-compose.yml uses ${{{name}}}, which .env.example does not set"
        );
    }
}

/// Pod specs of a Kubernetes object: the pod template of workloads and the
/// spec of a bare Pod.
fn pod_specs(document: &Value) -> Vec<&Value> {
    let spec = &document["spec"];
    match document["kind"].as_str() {
        Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job") => {
            vec![&spec["template"]["spec"]]
        }
        Some("CronJob") => vec![&spec["jobTemplate"]["spec"]["template"]["spec"]],
        Some("Pod") => vec![spec],
        _ => Vec::new(),
    }
}

/// Keys of the ConfigMaps and Secrets of k8s/, by kind and name.
fn config_sources(files: &BTreeMap<String, Vec<Value>>) -> BTreeMap<(String, String), Vec<String>> {
    let mut sources = BTreeMap::new();
    for document in files.values().flatten() {
        let kind = document["kind"].as_str().unwrap_or_default();
        if kind != "ConfigMap" && kind != "Secret" {
            continue;
        }
        let name = document["metadata"]["name"]
            .as_str()
            .expect("metadata.name")
            .to_owned();
        let mut keys = Vec::new();
        for field in ["data", "stringData"] {
            if let Some(map) = document[field].as_object() {
                keys.extend(map.keys().cloned());
            }
        }
        sources.insert((kind.to_owned(), name), keys);
    }
    sources
}

#[test]
fn k8s_sets_only_server_variables() {
    let files = k8s_documents();
    let sources = config_sources(&files);
    let mut variables = Vec::new();
    let mut server_containers = 0;

    for (file, documents) in &files {
        for document in documents {
            for pod in pod_specs(document) {
                let containers = ["initContainers", "containers"]
                    .iter()
                    .filter_map(|field| pod[*field].as_array())
                    .flatten();
                for container in containers {
                    let image = container["image"].as_str().unwrap_or_default();
                    if !image.contains(SERVER_IMAGE) {
                        continue;
                    }
                    server_containers += 1;

                    for entry in container["env"].as_array().into_iter().flatten() {
                        let name = entry["name"].as_str().expect("env entry has a name");
                        variables.push((name.to_owned(), format!("{file} (env)")));
                    }

                    for entry in container["envFrom"].as_array().into_iter().flatten() {
                        let prefix = entry["prefix"].as_str().unwrap_or_default();
                        let (kind, reference) = if entry.get("configMapRef").is_some() {
                            ("ConfigMap", &entry["configMapRef"])
                        } else {
                            ("Secret", &entry["secretRef"])
                        };
                        let name = reference["name"].as_str().expect("envFrom reference name");
                        let keys = sources
                            .get(&(kind.to_owned(), name.to_owned()))
                            .unwrap_or_else(|| {
                                panic!("{file} reads {kind} {name}, which no file of k8s/ defines")
                            });
                        for key in keys {
                            variables.push((
                                format!("{prefix}{key}"),
                                format!("{kind} {name} (envFrom in {file})"),
                            ));
                        }
                    }
                }
            }
        }
    }

    assert!(
        server_containers > 0,
        "no container of k8s/ runs an image named like {SERVER_IMAGE}"
    );
    assert!(
        variables.len() >= 5,
        "the server containers of k8s/ set only {variables:?}"
    );
    assert_server_reads(&variables);
}

/// Skips a quoted string or a bracketed block starting at `start`, and
/// returns the index after its end. Quotes inside a block are skipped whole,
/// so a `}` in a label value does not end the block.
fn skip_block(chars: &[char], start: usize) -> usize {
    let close = match chars[start] {
        '{' => '}',
        '[' => ']',
        '(' => ')',
        quote => quote,
    };
    let is_quote = matches!(close, '"' | '\'' | '`');
    let mut index = start + 1;
    while index < chars.len() {
        let c = chars[index];
        if is_quote && c == '\\' {
            index += 2;
            continue;
        }
        if c == close {
            return index + 1;
        }
        if !is_quote && matches!(c, '"' | '\'' | '`' | '{' | '[' | '(') {
            index = skip_block(chars, index);
            continue;
        }
        index += 1;
    }
    index
}

/// Metric names in a PromQL expression: identifiers that are not a function,
/// a keyword, a label name (inside `{…}` or after `by`, `without`, `on`,
/// `ignoring`, `group_left` and `group_right`), a number or a duration.
fn promql_metric_names(expression: &str) -> BTreeSet<String> {
    const LABEL_LIST_KEYWORDS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    // PromQL keywords, aggregation operators included: `sum by (le) (…)`
    // puts a keyword between the operator and its parenthesis.
    const KEYWORDS: &[&str] = &[
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "inf",
        "nan",
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
    ];

    let chars: Vec<char> = expression.chars().collect();
    let mut names = BTreeSet::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if matches!(c, '"' | '\'' | '`' | '{' | '[') {
            index = skip_block(&chars, index);
        } else if c == '$' || c.is_ascii_digit() {
            // A Grafana variable such as $__rate_interval, or a number.
            index += 1;
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || matches!(chars[index], '_' | '.'))
            {
                index += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = index;
            while index < chars.len()
                && (chars[index].is_ascii_alphanumeric() || matches!(chars[index], '_' | ':'))
            {
                index += 1;
            }
            let identifier: String = chars[start..index].iter().collect();
            let mut next = index;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let opens_parenthesis = chars.get(next) == Some(&'(');

            if LABEL_LIST_KEYWORDS.contains(&identifier.as_str()) {
                if opens_parenthesis {
                    index = skip_block(&chars, next);
                }
            } else if !KEYWORDS.contains(&identifier.as_str()) && !opens_parenthesis {
                names.insert(identifier);
            }
        } else {
            index += 1;
        }
    }
    names
}

#[test]
fn promql_metric_names_skip_non_metrics() {
    let cases: &[(&str, &[&str])] = &[
        ("up", &["up"]),
        (r#"up{job="gauzian-server"} == 0"#, &["up"]),
        (
            r#"sum by (le, route) (rate(a_bucket{route=~"/x/{id}",le!="0.5"}[5m]))"#,
            &["a_bucket"],
        ),
        (
            "histogram_quantile(0.95, sum(rate(b_bucket[$__rate_interval])) by (le))",
            &["b_bucket"],
        ),
        (
            "a_total / on(pod) group_left(node) b_info offset 1h",
            &["a_total", "b_info"],
        ),
        (
            "sum(c) > bool 1e3 and d or e unless f",
            &["c", "d", "e", "f"],
        ),
        ("topk(10, g) * 100", &["g"]),
    ];
    for (expression, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().map(|name| (*name).to_owned()).collect();
        assert_eq!(
            promql_metric_names(expression),
            expected,
            "metric names of {expression}"
        );
    }
}

/// Collects the string value of every `expr` field, at any depth.
fn collect_expressions(value: &Value, origin: &str, expressions: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("expr", Value::String(expression)) => {
                        expressions.push((expression.clone(), origin.to_owned()));
                    }
                    _ => collect_expressions(child, origin, expressions),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_expressions(item, origin, expressions);
            }
        }
        _ => {}
    }
}

/// Sample names of a `/metrics` body in the OpenMetrics text format, from its
/// `# TYPE` lines (a histogram's `_bucket`, `_sum` and `_count`, a counter's
/// `_total`) and from its sample lines.
fn exported_sample_names(body: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in body.lines() {
        if let Some(declaration) = line.strip_prefix("# TYPE ") {
            let mut parts = declaration.split_whitespace();
            let name = parts.next().expect("metric name after # TYPE");
            let suffixes: &[&str] = match parts.next() {
                Some("counter") => &["_total"],
                Some("histogram") => &["_bucket", "_sum", "_count"],
                Some("summary") => &["", "_sum", "_count"],
                Some("info") => &["_info"],
                _ => &[""],
            };
            for suffix in suffixes {
                names.insert(format!("{name}{suffix}"));
            }
        } else if !line.starts_with('#') && !line.is_empty() {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            names.insert(line[..end].to_owned());
        }
    }
    names
}

/// Sends the requests that give every metric family a sample: a
/// registration and a login, an upload of one chunk, and its download.
async fn exercise_every_metric(server: &TestServer) {
    let alice = server.user("alice@example.com").await;

    let chunk = common::random_bytes(1000);
    let file_id = Uuid::new_v4();
    let version_id = Uuid::new_v4();
    let body = json!({
        "file_id": file_id,
        "version_id": version_id,
        "parent_id": alice.root,
        "wrapped_key": common::b64(&common::random_bytes(60)),
        "encrypted_metadata": common::b64(&common::random_bytes(90)),
        "chunk_sizes": [chunk.len()],
    });
    let response = server
        .post_json("/api/uploads", Some(&alice.token), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "upload started");

    let chunk_path = format!("/api/uploads/{version_id}/chunks/0");
    let response = server.put_bytes(&chunk_path, &alice.token, chunk).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "chunk stored");

    let response = server
        .client
        .post(server.url(&format!("/api/uploads/{version_id}/finalize")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), StatusCode::OK, "upload finalized");

    let download_path = format!("/api/files/{file_id}/versions/{version_id}/chunks/0");
    let response = server.get(&download_path, Some(&alice.token)).await;
    assert_eq!(response.status(), StatusCode::OK, "chunk downloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_query_exported_metrics() {
    // The subscriber that the binary installs also records database
    // statement latency, without which that histogram is not exported. It
    // prints the server's log lines on stderr. No other test of this file
    // installs one, which a second call would panic on.
    gauzian_server::telemetry::init(LogFormat::Human);

    let server = TestServer::start(Backend::Sqlite).await;
    exercise_every_metric(&server).await;
    let response = server.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.expect("metrics body");
    let exported = exported_sample_names(&body);
    assert!(
        exported.contains("gauzian_http_requests_total"),
        "the request counter is missing from /metrics:\n{body}"
    );

    let mut expressions = Vec::new();
    let dashboard: Value = serde_json::from_str(&read("k8s/grafana-dashboard.json"))
        .expect("k8s/grafana-dashboard.json is valid JSON");
    collect_expressions(&dashboard, "k8s/grafana-dashboard.json", &mut expressions);
    let dashboard_count = expressions.len();
    assert!(
        dashboard_count >= 10,
        "the dashboard has {dashboard_count} queries"
    );

    for (file, documents) in k8s_documents() {
        for document in documents {
            if document["kind"] == "PrometheusRule" {
                collect_expressions(&document, &file, &mut expressions);
            }
        }
    }
    assert!(
        expressions.len() > dashboard_count,
        "k8s/ has no PrometheusRule with an expression"
    );

    for (expression, origin) in &expressions {
        let names = promql_metric_names(expression);
        assert!(!names.is_empty(), "{origin}: no metric in {expression}");
        for name in names {
            assert!(
                exported.contains(&name) || PROMETHEUS_SERIES.contains(&name.as_str()),
                "{origin} queries {name}, which gauzian-server does not export; \
                 /metrics has {exported:?}"
            );
        }
    }
}
