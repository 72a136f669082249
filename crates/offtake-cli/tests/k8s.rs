//! The Kubernetes Indexed Job in docs/k8s/offtake-risk-job.yaml (shown in docs/risk.md): parsed
//! and checked (kind Job, completion mode Indexed, completions = `--shards`, parallelism ≤
//! completions, the shard files on a shared volume, one per index), then its container's command
//! line run as its pods would run it (`sh -c` with `JOB_COMPLETION_INDEX` = 0 … N−1, the mounts
//! on temp dirs, fewer paths) through the real binary, merged, and compared with a single run.

mod common;

use std::path::Path;

use serde::Deserialize;

use common::{EXAMPLE, offtake};

const MANIFEST_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/k8s/offtake-risk-job.yaml"
);
const RISK_MD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/risk.md");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Job {
    api_version: String,
    kind: String,
    spec: JobSpec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobSpec {
    completion_mode: Option<String>,
    completions: Option<u64>,
    parallelism: Option<u64>,
    template: PodTemplate,
}

#[derive(Deserialize)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    restart_policy: Option<String>,
    containers: Vec<Container>,
    #[serde(default)]
    volumes: Vec<Volume>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    volume_mounts: Vec<Mount>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mount {
    name: String,
    mount_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Volume {
    name: String,
    config_map: Option<serde_norway::Value>,
    persistent_volume_claim: Option<serde_norway::Value>,
}

/// What a manifest that passes [`check`] runs.
#[derive(Debug)]
struct Plan {
    /// `--shards N` = `completions`.
    shards: u64,
    /// The container's shell command line (`sh -c SCRIPT`), as written.
    script: String,
    /// (mount path, volume name) of every mount.
    mounts: Vec<(String, String)>,
}

fn option_value<'a>(tokens: &[&'a str], flag: &str) -> Option<&'a str> {
    let at = tokens.iter().position(|t| *t == flag)?;
    tokens.get(at + 1).copied()
}

/// The mount a path in the container lies on, if any.
fn mount_of<'a>(mounts: &'a [(String, String)], path: &str) -> Option<&'a (String, String)> {
    mounts.iter().find(|(at, _)| {
        path.strip_prefix(at.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Every check of the manifest that needs no binary; the error says which failed.
fn check(yaml: &str) -> Result<Plan, String> {
    let job: Job = serde_norway::from_str(yaml).map_err(|e| format!("not a Job manifest: {e}"))?;
    if job.api_version != "batch/v1" || job.kind != "Job" {
        return Err(format!(
            "apiVersion/kind {}/{}: want batch/v1 Job",
            job.api_version, job.kind
        ));
    }
    let spec = &job.spec;
    if spec.completion_mode.as_deref() != Some("Indexed") {
        return Err(format!(
            "completionMode {:?}: want Indexed (only then is JOB_COMPLETION_INDEX set)",
            spec.completion_mode
        ));
    }
    let completions = spec
        .completions
        .ok_or("no completions: an Indexed Job needs completions = the shard count")?;
    // Kubernetes' default parallelism is 1.
    let parallelism = spec.parallelism.unwrap_or(1);
    if parallelism == 0 || parallelism > completions {
        return Err(format!(
            "parallelism {parallelism}: want 1 … completions ({completions})"
        ));
    }
    let pod = &spec.template.spec;
    if !matches!(pod.restart_policy.as_deref(), Some("OnFailure" | "Never")) {
        return Err(format!(
            "restartPolicy {:?}: a Job's pods need OnFailure or Never",
            pod.restart_policy
        ));
    }
    let [container] = pod.containers.as_slice() else {
        return Err(format!(
            "{} containers: want the one that runs offtake",
            pod.containers.len()
        ));
    };
    if container.command != ["sh", "-c"] || container.args.len() != 1 {
        return Err(
            "want command [sh, -c] and one args entry (the shell expands $JOB_COMPLETION_INDEX)"
                .into(),
        );
    }
    let script = container.args[0].clone();
    let tokens: Vec<&str> = script.split_whitespace().collect();
    if tokens.get(..2) != Some(&["offtake", "risk"][..]) {
        return Err(format!(
            "the command line `{script}` is not `offtake risk …`"
        ));
    }
    if tokens.contains(&"--shard") {
        return Err("--shard I/N gives every pod the same shard: use --shards N".into());
    }
    let shards: u64 = option_value(&tokens, "--shards")
        .ok_or("no --shards N: each pod must take its shard from JOB_COMPLETION_INDEX")?
        .parse()
        .map_err(|e| format!("--shards: {e}"))?;
    if shards != completions {
        return Err(format!(
            "completions {completions} ≠ --shards {shards}: some shards would never run, or indices would be refused"
        ));
    }
    let mounts: Vec<(String, String)> = container
        .volume_mounts
        .iter()
        .map(|m| {
            (
                m.mount_path.trim_end_matches('/').to_string(),
                m.name.clone(),
            )
        })
        .collect();
    let volume = |name: &str| pod.volumes.iter().find(|v| v.name == name);
    let sheet = tokens.get(2).copied().unwrap_or_default();
    let Some((_, sheet_volume)) = mount_of(&mounts, sheet) else {
        return Err(format!("the term sheet {sheet} is on no mounted volume"));
    };
    if volume(sheet_volume)
        .is_none_or(|v| v.config_map.is_none() && v.persistent_volume_claim.is_none())
    {
        return Err(format!(
            "the term sheet's volume {sheet_volume} is neither a configMap nor a claim"
        ));
    }
    let out = option_value(&tokens, "--paths-out")
        .ok_or("no --paths-out: a shard writes its paths file")?;
    let Some((_, out_volume)) = mount_of(&mounts, out) else {
        return Err(format!(
            "--paths-out {out} is on no mounted volume: the file would vanish with its pod"
        ));
    };
    if volume(out_volume).is_none_or(|v| v.persistent_volume_claim.is_none()) {
        return Err(format!(
            "--paths-out {out}: volume {out_volume} is not a persistentVolumeClaim that the merge can read"
        ));
    }
    if !out.contains("$JOB_COMPLETION_INDEX") && !out.contains("${JOB_COMPLETION_INDEX}") {
        return Err(format!(
            "--paths-out {out} does not name the index: every shard would write the same file"
        ));
    }
    Ok(Plan {
        shards,
        script,
        mounts,
    })
}

fn manifest() -> String {
    std::fs::read_to_string(MANIFEST_PATH).unwrap()
}

/// The pod's command line with its mounts on `root/<volume>` and `--paths` set to `paths`.
fn local_script(plan: &Plan, root: &Path, paths: u64) -> String {
    let mut tokens: Vec<String> = plan.script.split_whitespace().map(String::from).collect();
    if let Some(at) = tokens.iter().position(|t| t == "--paths") {
        tokens[at + 1] = paths.to_string();
    }
    for token in &mut tokens {
        if let Some((at, volume)) = mount_of(&plan.mounts, token) {
            let local = root.join(volume).display().to_string();
            *token = format!("{local}{}", &token[at.len()..]);
        }
    }
    tokens.join(" ")
}

/// Runs `sh -c SCRIPT` as pod `index` would, with `offtake` on PATH.
fn run_pod(script: &str, index: u64) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_offtake"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    std::process::Command::new("sh")
        .args(["-c", script])
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap()
}

#[test]
fn the_manifest_is_an_indexed_job_with_one_completion_per_shard() {
    let plan = check(&manifest()).unwrap_or_else(|e| panic!("{MANIFEST_PATH}: {e}"));
    assert_eq!(plan.shards, 16);
}

#[test]
fn docs_risk_md_shows_the_manifest_as_it_is() {
    let md = std::fs::read_to_string(RISK_MD).unwrap();
    let block = format!("```yaml\n{}```", manifest());
    assert!(
        md.contains(&block),
        "docs/risk.md must show docs/k8s/offtake-risk-job.yaml verbatim in a ```yaml block"
    );
}

#[test]
fn a_broken_manifest_is_refused() {
    let good = manifest();
    let cases = [
        ("kind: Job", "kind: CronJob", "want batch/v1 Job"),
        (
            "completionMode: Indexed",
            "completionMode: NonIndexed",
            "want Indexed",
        ),
        (
            "completions: 16\n  parallelism: 16",
            "completions: 8\n  parallelism: 8",
            "completions 8 ≠ --shards 16",
        ),
        ("parallelism: 16", "parallelism: 17", "parallelism 17"),
        (
            "restartPolicy: OnFailure",
            "restartPolicy: Always",
            "restartPolicy",
        ),
        ("--shards 16", "--shard 3/16", "use --shards N"),
        ("--shards 16", "--shards 12", "completions 16 ≠ --shards 12"),
        ("/out/shard-", "/tmp/shard-", "on no mounted volume"),
        (
            "shard-$JOB_COMPLETION_INDEX.parquet",
            "shard.parquet",
            "does not name the index",
        ),
        (
            "persistentVolumeClaim: { claimName: offtake-risk-out }",
            "emptyDir: {}",
            "not a persistentVolumeClaim",
        ),
        (
            "offtake risk /deals/",
            "offtake underwrite /deals/",
            "is not `offtake risk",
        ),
        (
            "command: [\"sh\", \"-c\"]",
            "command: [\"offtake\"]",
            "want command [sh, -c]",
        ),
    ];
    for (from, to, says) in cases {
        assert!(good.contains(from), "the manifest has no `{from}`");
        let broken = good.replacen(from, to, 1);
        match check(&broken) {
            Ok(plan) => panic!("`{from}` → `{to}` was accepted: {plan:?}"),
            Err(e) => assert!(e.contains(says), "`{from}` → `{to}`: {e}"),
        }
    }
}

#[test]
fn the_manifest_command_line_runs_every_shard_and_they_merge_into_the_single_run() {
    let plan = check(&manifest()).unwrap();
    let root = tempfile::tempdir().unwrap();
    for (_, volume) in &plan.mounts {
        std::fs::create_dir(root.path().join(volume)).unwrap();
    }
    // The configMap's term sheet: the bundled example.
    let deal = root.path().join("deals").join("deal.toml");
    std::fs::copy(EXAMPLE, &deal).unwrap();
    let paths = 1_600;
    let script = local_script(&plan, root.path(), paths);
    for index in 0..plan.shards {
        let out = run_pod(&script, index);
        assert!(
            out.status.success(),
            "pod {index}: `{script}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(root.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(
        u64::try_from(files.len()).unwrap(),
        plan.shards,
        "one file per pod: {files:?}"
    );
    let merged = offtake()
        .args(["risk", "merge"])
        .arg(&deal)
        .args(&files)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let single = offtake()
        .arg("risk")
        .arg(&deal)
        .args(["--paths", &paths.to_string(), "--json", "--quiet"])
        .output()
        .unwrap();
    assert!(single.status.success());
    assert_eq!(
        String::from_utf8(merged.stdout).unwrap(),
        String::from_utf8(single.stdout).unwrap()
    );
}

#[test]
fn a_command_line_the_binary_refuses_fails_the_run() {
    // The checks above do not know every flag: running the command line is what catches a typo.
    let plan = check(&manifest().replacen("--quiet", "--quite", 1)).unwrap();
    let root = tempfile::tempdir().unwrap();
    for (_, volume) in &plan.mounts {
        std::fs::create_dir(root.path().join(volume)).unwrap();
    }
    std::fs::copy(EXAMPLE, root.path().join("deals").join("deal.toml")).unwrap();
    let out = run_pod(&local_script(&plan, root.path(), 100), 0);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--quite"));
}
