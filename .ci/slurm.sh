#!/usr/bin/env bash
# CI step (issue 18, "scale-out, tested on a real engine"): a one-node Slurm cluster from Debian's
# packages on this machine, and `offtake risk … --shards 4` run on it as an array job.
#
# Installs slurmctld, slurmd, slurm-client and munge when missing (root and apt-get), writes a
# minimal slurm.conf into a temp dir (the node as `slurmd -C` sees it, no cgroups, no accounting),
# starts munged, slurmctld and slurmd directly (no systemd) and waits for the node to be idle.
# Then, for each case (two sheets' Monte Carlo, one Sobol design), submits
# docs/slurm/offtake-risk.sbatch (the file docs/risk.md shows) with `sbatch --array=0-3 --wait`,
# merges the four Parquet files with `offtake risk merge` and compares the merged JSON with a
# single in-process `offtake risk --json` byte for byte. The daemons are stopped and the temp dir
# removed on exit, failed or not.
#
# Without root or apt-get (or if the cluster does not come up) it says NOT RUN and exits 0, except
# under CI (CI set and not "false"), where that fails. A difference between the merged and the
# single result always fails.
#
# Env: OFFTAKE_BIN (default target/debug/offtake, built if missing), OFFTAKE_SLURM_PATHS (20000),
# OFFTAKE_SLURM_SOBOL_BASE (the Sobol case's --base-paths, 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${OFFTAKE_BIN:-target/debug/offtake}
PATHS=${OFFTAKE_SLURM_PATHS:-20000}
SOBOL_BASE=${OFFTAKE_SLURM_SOBOL_BASE:-1024}
SEED=2026
SHARDS=4

ci_set() { [ -n "${CI:-}" ] && [ "${CI}" != "false" ]; }
not_run() {
    echo "NOT RUN: Slurm array-job check (offtake risk --shards $SHARDS on Slurm): $1"
    if ci_set; then
        echo "error: CI is set and the Slurm array-job check could not run" >&2
        exit 1
    fi
    exit 0
}

# --- Slurm and munge from Debian's packages ---------------------------------------------------
missing=()
for cmd in munged slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if [ "$(id -u)" != 0 ]; then
    # slurmd launches jobs as their user (setuid), so the cluster needs root.
    not_run "needs root to run slurmd and slurmctld"
fi
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || not_run "Slurm is not installed (${missing[*]}) and there is no apt-get"
    { apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            slurmctld slurmd slurm-client munge >/dev/null; } ||
        not_run "apt-get install slurmctld slurmd slurm-client munge failed"
    echo "installed slurmctld slurmd slurm-client munge"
fi

# --- the cluster, in a temp dir ---------------------------------------------------------------
T=$(mktemp -d /tmp/offtake-slurm.XXXXXX)
chmod 755 "$T"      # munged wants the socket's directory to be reachable by every user
MUNGED_PID="" CTLD_PID="" SLURMD_PID=""
stop_cluster() {
    local pid
    # The daemons this script started, by their pids (slurmd first: it holds no state).
    for pid in "$SLURMD_PID" "$CTLD_PID" "$MUNGED_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "$SLURMD_PID" "$CTLD_PID" "$MUNGED_PID"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$T"
}
trap stop_cluster EXIT
show_logs() {
    local f
    for f in "$T"/log/*.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 25 "$f"; }
    done
}
read_pid() { # FILE: wait up to 10 s for a daemon's pid file
    for _ in $(seq 100); do
        [ -s "$1" ] && { cat "$1"; return 0; }
        sleep 0.1
    done
    return 1
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -p "$T/munge-key" "$T/munge" "$T/state" "$T/spool" "$T/log" "$T/work"
chmod 700 "$T/munge-key"
chmod 755 "$T/munge"
dd if=/dev/urandom of="$T/munge-key/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge-key/munge.key"
SOCKET=$T/munge/munge.socket.2
# --force: munged as root (CI); its files all live in the temp dir.
munged --force --socket="$SOCKET" --key-file="$T/munge-key/munge.key" \
    --log-file="$T/log/munged.log" --pid-file="$T/munge/munged.pid" \
    --seed-file="$T/munge/munged.seed" || { show_logs; not_run "munged did not start"; }
MUNGED_PID=$(read_pid "$T/munge/munged.pid") || { show_logs; not_run "munged wrote no pid file"; }

node=$(hostname -s 2>/dev/null || uname -n)
# The node as slurmd sees it (CPUs, sockets, cores, threads, memory), under this host's name.
hw=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')
ports=()
for port in 16817 16917 17017 17117 17217 17317 17417 17517; do
    port_free "$port" && port_free $((port + 1)) && { ports=("$port" $((port + 1))); break; }
done
[ ${#ports[@]} -eq 2 ] || not_run "no free pair of ports for slurmctld and slurmd"
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
# offtake CI: one node, no cgroups, no accounting; everything under $T.
ClusterName=offtake-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" -i || { show_logs; not_run "slurmctld did not start"; }
CTLD_PID=$(read_pid "$T/slurmctld.pid") || { show_logs; not_run "slurmctld wrote no pid file"; }
slurmd -f "$SLURM_CONF" -N "$node" || { show_logs; not_run "slurmd did not start"; }
SLURMD_PID=$(read_pid "$T/slurmd.pid") || { show_logs; not_run "slurmd wrote no pid file"; }
state=""
for _ in $(seq 120); do
    state=$(sinfo -h -N -n "$node" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || { show_logs; not_run "the node is '${state:-unknown}', not idle, after 60 s"; }
echo "$(sinfo --version) on $node ($hw): node idle"

# --- offtake risk on it -----------------------------------------------------------------------
if [ ! -x "$BIN" ]; then
    cargo build --locked --bin offtake
fi
BIN=$(readlink -f "$BIN")
SBATCH=$ROOT/docs/slurm/offtake-risk.sbatch
# Each case: a name, a term sheet, the flags every shard and the single run get, and a JSON member
# the result must have. The array jobs run side by side (each `sbatch --wait` in the background);
# task i of a case runs shard i of 4 and writes work/NAME/shard-000i.parquet.
CASES=(
    "amazon|examples/amazon-anthropic-2026.toml|--paths $PATHS --seed $SEED|tornado"
    "nvidia-coreweave|examples/nvidia-coreweave-2025.toml|--paths $PATHS --seed $SEED|tornado"
    # Sobol indices (issue 18): the design's points are rows after the Monte Carlo paths, sharded alike.
    "sobol|examples/amazon-anthropic-2026.toml|--sensitivity sobol --base-paths $SOBOL_BASE --paths 2000 --seed $SEED|sensitivity"
)
submit() { # NAME SHEET FLAGS...
    local name=$1 sheet=$2
    shift 2
    mkdir -p "$T/work/$name"
    OFFTAKE=$BIN sbatch --array=0-$((SHARDS - 1)) --cpus-per-task=1 --wait --quiet \
        --job-name="offtake-$name" --chdir="$T/work" --output="$T/work/$name-%a.log" --export=ALL \
        "$SBATCH" "$ROOT/$sheet" "$T/work/$name" "$@"
}
pids=()
started=$SECONDS
for case in "${CASES[@]}"; do
    IFS='|' read -r name sheet flags _ <<<"$case"
    # shellcheck disable=SC2086 # the flags are words
    submit "$name" "$sheet" $flags &
    pids+=($!)
done
failed=0
for i in "${!CASES[@]}"; do
    IFS='|' read -r name sheet flags member <<<"${CASES[$i]}"
    if ! wait "${pids[$i]}"; then
        echo "error: the array job for $name ($sheet $flags) failed:" >&2
        cat "$T/work/$name"-*.log >&2 || true
        failed=1
        continue
    fi
    files=("$T/work/$name"/shard-*.parquet)
    merged=$T/work/$name.merged.json single=$T/work/$name.single.json
    # shellcheck disable=SC2086
    "$BIN" risk merge "$sheet" "${files[@]}" --json >"$merged" &&
        "$BIN" risk "$sheet" $flags --quiet --json >"$single" ||
        { echo "error: $name: merge or single run failed" >&2; failed=1; continue; }
    if ! grep -q "\"$member\"" "$single"; then
        echo "error: $name: the single run's JSON has no \"$member\"" >&2
        failed=1
    elif cmp -s "$merged" "$single"; then
        echo "$name: $sheet $flags: ${#files[@]} shards on Slurm, merged = the single run byte for byte ($(wc -c <"$single") bytes of JSON, sha256 $(sha256sum "$single" | cut -c1-16)…)"
    else
        echo "error: $name: the merged shards differ from the single run:" >&2
        diff "$merged" "$single" | head -n 20 >&2 || true
        failed=1
    fi
done
echo "array jobs, merges and single runs: $((SECONDS - started)) s"
if [ "$failed" != 0 ]; then
    show_logs
    exit 1
fi
