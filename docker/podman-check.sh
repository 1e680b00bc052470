#!/usr/bin/env bash
# Proves the project's Docker image on a machine with no Docker engine and no Docker Hub, with
# rootful podman. Phases, each announced on one timed line:
#   tools  podman, runc and debootstrap are installed if missing; podman gets its own containers.conf
#          and storage.conf (through CONTAINERS_CONF / CONTAINERS_STORAGE_CONF, so the host's podman
#          setup is untouched) with all storage under the cache directory.
#   lint   hadolint finds nothing in the Dockerfile, and compose.yaml refuses .env.example's empty
#          password but resolves once one is set (docker/lint.sh; podman-compose needs podman).
#   base   a stand-in for docker.io/library/python:3.11-slim is made once: a Debian bookworm minbase
#          rootfs with python3, pip and venv, fetched by debootstrap from the mirror apt uses, carrying
#          the host's CA bundle so TLS through this network's proxy is trusted; the rootfs tarball is
#          cached and imported under that tag, and both steps are skipped when already done.
#   build  the Dockerfile is built unchanged, in docker rather than OCI image format so that
#          HEALTHCHECK is kept; the host's pip index settings reach its RUN steps as a read-only
#          /etc/pip.conf mount, and HTTP(S)_PROXY pass through as podman does by default.
#   ask    `quotebot ask --json` in a container with no network quotes "no more NATO enlargement" and
#          prints nothing on stderr (no warning about its saved index, or anything else); the image holds
#          BM25's compiled scan (retrieval/_scan.c, built in the build stage).
#   add    `quotebot add` stores an article in the image's corpus folder as the container's user (what a
#          moderator's upload or /add does), and sources.toml there is writable.
#   user   the image runs as a non-root user and declares a HEALTHCHECK.
#   bot    `quotebot run` in a container on the host network answers one question through the test
#          Bot API emulator (python -m tests.telegram_emulator), and the HEALTHCHECK passes meanwhile.
# A failing phase prints the tail of its log and the script exits non-zero; on success it is quiet
# apart from the phase lines. Reruns reuse the tools, the base image and podman's layer cache.
#
# Usage: docker/podman-check.sh [--skip-emulator]      (as root)
#
# Env knobs:
#   PODMAN_CHECK_HOME              cache and state directory, 28 characters at most (default
#                                  /tmp/quotebot-podman)
#   PODMAN_CHECK_CONTEXT           build context (default: the repo root)
#   PODMAN_CHECK_DOCKERFILE        Dockerfile (default: Dockerfile in the build context)
#   PODMAN_CHECK_IMAGE             tag to build and test (default quotebot:ci)
#   PODMAN_CHECK_EMULATOR          1 runs the bot phase, 0 skips it like --skip-emulator (default 1)
#   PODMAN_CHECK_EMULATOR_TIMEOUT  seconds the bot gets to answer (default 90)
#   PODMAN_CHECK_PYTHON            interpreter for the emulator (default: the build context's
#                                  .venv/bin/python if present, else python3)
#   PODMAN_CHECK_STORAGE_DRIVER    overlay (default), or vfs where overlay mounts are refused
#   PODMAN_CHECK_DEBIAN_MIRROR     mirror for debootstrap (default: the bookworm mirror apt uses);
#                                  a new one takes effect with PODMAN_CHECK_REBUILD_BASE=1
#   PODMAN_CHECK_REBUILD_BASE      1 remakes the base rootfs tarball and image (default 0)
set -euo pipefail

readonly BASE_IMAGE=docker.io/library/python:3.11-slim
readonly BASE_SUITE=bookworm
# python3-dev: the official image carries Python's headers, which the build stage compiles retrieval/_scan.c with.
readonly BASE_PACKAGES=python3,python3-dev,python3-pip,python3-venv,python-is-python3,ca-certificates
readonly QUESTION="What were Putin's three demands?"
readonly EXPECTED_QUOTE="no more NATO enlargement"
readonly FAKE_BOT_TOKEN=123456:podman-check-token-shaped-like-botfathers

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
context=$(realpath "${PODMAN_CHECK_CONTEXT:-$repo_root}")
dockerfile=$(realpath "${PODMAN_CHECK_DOCKERFILE:-$context/Dockerfile}")
image=${PODMAN_CHECK_IMAGE:-quotebot:ci}
cache_home=${PODMAN_CHECK_HOME:-/tmp/quotebot-podman}
storage_driver=${PODMAN_CHECK_STORAGE_DRIVER:-overlay}
run_emulator=${PODMAN_CHECK_EMULATOR:-1}
emulator_timeout=${PODMAN_CHECK_EMULATOR_TIMEOUT:-90}
rebuild_base=${PODMAN_CHECK_REBUILD_BASE:-0}
conf_dir=$cache_home/conf
log_dir=$cache_home/logs
run_dir=$cache_home/run-$storage_driver
rootfs_tar=$cache_home/python-3.11-slim-$BASE_SUITE-rootfs.tar
base_packages_file=$cache_home/base-packages
container_name=quotebot-podman-check-$$
emulator_pid=""
phase_pid=""

export CONTAINERS_CONF=$conf_dir/containers.conf
export CONTAINERS_STORAGE_CONF=$conf_dir/storage.conf

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

fail() {
    echo "podman-check: $*" >&2
    exit 1
}

elapsed_since() {
    local micros=$(( ${EPOCHREALTIME//[.,]/} - ${1//[.,]/} ))
    printf '%d.%d' $(( micros / 1000000 )) $(( micros % 1000000 / 100000 ))
}

# Runs one phase with its output in a log. errexit stays live inside (no `if` around the subshell);
# it runs in the background so that a signal to this script can be passed on to it (see clean_up).
run_phase() {
    local name=$1 log=$log_dir/$1.log started=$EPOCHREALTIME status
    shift
    printf 'podman-check: %-5s ... ' "$name"
    set +e
    ( set -e; "$@" ) >"$log" 2>&1 &
    phase_pid=$!
    wait "$phase_pid"
    status=$?
    set -e
    phase_pid=""
    if (( status == 0 )); then
        printf 'ok (%ss)\n' "$(elapsed_since "$started")"
        return
    fi
    printf 'FAILED after %ss (log: %s)\n' "$(elapsed_since "$started")" "$log"
    tail -n 40 "$log" >&2
    exit 1
}

clean_up() {
    if [[ -n $phase_pid ]]; then
        kill -TERM "$phase_pid" 2>/dev/null || true
        wait "$phase_pid" 2>/dev/null || true
    fi
    if [[ -n $emulator_pid ]]; then
        kill "$emulator_pid" 2>/dev/null || true
    fi
    if command -v podman >/dev/null; then
        podman rm --force --time 0 --ignore "$container_name" >/dev/null 2>&1 || true
    fi
}

lint_dockerfile() {
    PODMAN_CHECK_HOME=$cache_home "$repo_root/docker/lint.sh" "$dockerfile"
}

install_tools() {
    local missing=() tool
    for tool in podman runc debootstrap; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || missing+=(debian-archive-keyring)
    if (( ${#missing[@]} > 0 )); then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    write_podman_config
    podman info --format '{{.Store.GraphDriverName}} {{.Host.OCIRuntime.Name}} cgroups {{.Host.CgroupsVersion}}'
}

write_podman_config() {
    forget_state_of_earlier_boot
    mkdir -p "$conf_dir" "$run_dir"
    cat >"$CONTAINERS_CONF" <<EOF
[containers]
# podman's own defaults (nofile=1048576) are refused by sandboxes: "error setting rlimit type 7".
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$run_dir/tmp"
EOF
    cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "$storage_driver"
graphroot = "$cache_home/storage-$storage_driver"
runroot = "$run_dir/storage"
EOF
}

# Runtime state must not outlive a reboot, and /run (let alone /tmp) is not a tmpfs everywhere.
forget_state_of_earlier_boot() {
    local boot_id
    boot_id=$(cat /proc/sys/kernel/random/boot_id)
    if [[ $(cat "$run_dir/boot_id" 2>/dev/null) != "$boot_id" ]]; then
        rm -rf "$run_dir"
        mkdir -p "$run_dir"
        echo "$boot_id" >"$run_dir/boot_id"
    fi
}

make_base_image() {
    # A base made from another package list (an earlier version of this script) is made again.
    if [[ $(cat "$base_packages_file" 2>/dev/null) != "$BASE_PACKAGES" ]]; then
        rebuild_base=1
    fi
    if [[ $rebuild_base == 1 ]]; then
        rm -f "$rootfs_tar"
        podman rmi --force --ignore "$image" "$BASE_IMAGE"
    fi
    if podman image exists "$BASE_IMAGE"; then
        echo "$BASE_IMAGE already present"
        return
    fi
    [[ -f $rootfs_tar ]] || make_rootfs_tarball
    podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        "$rootfs_tar" "$BASE_IMAGE"
    echo "$BASE_PACKAGES" >"$base_packages_file"
}

# Debian's python3 stands in for the official image's; the symlinks mirror its /usr/local/bin layout
# and the apt sources its bookworm, bookworm-updates and bookworm-security suites.
make_rootfs_tarball() {
    local rootfs=$cache_home/rootfs mirror security_mirror apt_proxy="" name
    mirror=${PODMAN_CHECK_DEBIAN_MIRROR:-$(apt_repository "$BASE_SUITE" http://deb.debian.org/debian/)}
    security_mirror=$(apt_repository "$BASE_SUITE-security" http://deb.debian.org/debian-security/)
    eval "$(apt-config shell apt_proxy Acquire::http::Proxy)"
    echo "debootstrap $BASE_SUITE from $mirror"
    rm -rf "$rootfs"
    http_proxy=${http_proxy:-$apt_proxy} \
        debootstrap --variant=minbase --include="$BASE_PACKAGES" "$BASE_SUITE" "$rootfs" "$mirror"
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED "$rootfs/etc/apt/sources.list"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
        "$mirror" "$BASE_SUITE $BASE_SUITE-updates" /usr/share/keyrings/debian-archive-keyring.gpg \
        "$security_mirror" "$BASE_SUITE-security" /usr/share/keyrings/debian-archive-keyring.gpg \
        >"$rootfs/etc/apt/sources.list.d/debian.sources"
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    # The build mounts its pip.conf here; an existing file keeps that mount from leaving a trace.
    : >"$rootfs/etc/pip.conf"
    for name in python python3 python3.11 pip pip3; do
        ln -sf "/usr/bin/$name" "$rootfs/usr/local/bin/$name"
    done
    tar --numeric-owner -C "$rootfs" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$rootfs"
}

# The URI apt fetches RELEASE from, so that debootstrap goes through the same mirror; else FALLBACK.
apt_repository() {
    local release=$1 fallback=$2
    # shellcheck disable=SC2016  # $(...) are apt's format fields, not shell
    apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' \
        | awk -v release="$release" -v fallback="$fallback" '
            $2 == release { print $1; found = 1; exit }
            END { if (!found) print fallback }'
}

build_image() {
    write_build_pip_conf
    podman build --pull=never --format docker --network host \
        --volume "$conf_dir/pip.conf:/etc/pip.conf:ro" \
        --tag "$image" --file "$dockerfile" "$context"
}

# The host's index, proxy and timeout settings, minus anything naming a host path (file:// indexes,
# find-links, constraints); TLS trust comes from the image's CA bundle, which holds the host's.
write_build_pip_conf() {
    python3 - "$conf_dir/pip.conf" <<'EOF'
import ast
import subprocess
import sys

CARRIED = {"index-url", "extra-index-url", "trusted-host", "proxy", "retries", "timeout"}
listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
chosen: dict[str, tuple[bool, str]] = {}
for line in listing.splitlines():
    key, _, quoted = line.partition("=")
    name = key.rpartition(".")[2].replace("default-timeout", "timeout")
    from_env = key.startswith(":env:")
    outranked = name in chosen and chosen[name][0] and not from_env  # PIP_* variables beat files
    if name not in CARRIED or outranked:
        continue
    value = ast.literal_eval(quoted)
    if name.endswith("index-url"):
        value = " ".join(url for url in value.split() if url.startswith(("http://", "https://")))
    if value:
        chosen[name] = (from_env, value)
lines = ["[global]", "cert = /etc/ssl/certs/ca-certificates.crt"]
lines += [f"{name} = {value}" for name, (_, value) in sorted(chosen.items())]
with open(sys.argv[1], "w", encoding="utf-8") as conf:
    conf.write("\n".join(lines) + "\n")
EOF
    cat "$conf_dir/pip.conf"
}

# Any line on the container's stderr fails the phase: a warning there ("the saved index … is damaged",
# "could not save the index") is a defect of the image, even when the answer is right.
check_ask() {
    local answer errors=$log_dir/ask.stderr
    answer=$(podman run --rm --network none --no-healthcheck "$image" ask --json "$QUESTION" 2>"$errors")
    printf '%s\n' "$answer"
    if [[ -s $errors ]]; then
        cat "$errors"
        fail "the container printed on stderr while answering (above); the image must answer silently"
    fi
    python3 -c '
import json, sys
expected, answer = sys.argv[1], sys.argv[2]
record = json.loads(next(line for line in answer.splitlines() if line.strip()))
quote = record["results"][0]["quote"]
sys.exit(0 if expected in quote else f"results[0].quote lacks {expected!r}: {quote!r}")
' "$EXPECTED_QUOTE" "$answer"
    podman run --rm --network none --no-healthcheck --entrypoint python "$image" -c 'import retrieval._scan' ||
        fail "the image lacks BM25's compiled scan (retrieval/_scan.c was not built in the build stage)"
}

# A moderator's upload or /add writes into the corpus folder as the container's user: `quotebot add` (the same
# code) must store a new article there, and sources.toml (where a fetched URL is kept) must be writable too.
check_add() {
    local sources added
    sources=$(mktemp -d)
    chmod 755 "$sources"
    printf 'title: Harbour bridge reopens\ndate: 2024-03-05\n\nThe harbour bridge reopened on Tuesday after repairs.\n' \
        >"$sources/bridge.txt"
    chmod 644 "$sources/bridge.txt"
    added=$(podman run --rm --network none --no-healthcheck --volume "$sources:/in:ro" --entrypoint sh "$image" \
        -c 'quotebot add /in/bridge.txt && test -w /app/seeds/sources.toml && quotebot corpus')
    rm -rf "$sources"
    printf '%s\n' "$added"
    grep -q "^added bridge-" <<<"$added" || fail "quotebot add could not store an article in the image's corpus folder"
    grep -q "Harbour bridge reopens" <<<"$added" || fail "the added article is not in the corpus"
}

check_user() {
    local uid healthcheck
    uid=$(podman run --rm --network none --no-healthcheck --entrypoint id "$image" -u)
    echo "uid $uid"
    [[ $uid =~ ^[0-9]+$ ]] || fail "id -u printed '$uid'"
    (( uid != 0 )) || fail "the image runs as root"
    healthcheck=$(podman image inspect --format '{{.HealthCheck}}' "$image")
    echo "healthcheck $healthcheck"
    [[ -n $healthcheck && $healthcheck != "<nil>" ]] || fail "the image declares no HEALTHCHECK"
}

emulator_python() {
    if [[ -n ${PODMAN_CHECK_PYTHON:-} ]]; then
        echo "$PODMAN_CHECK_PYTHON"
    elif [[ -x $context/.venv/bin/python ]]; then
        echo "$context/.venv/bin/python"
    else
        echo python3
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The emulator injects the question and exits 0 once the bot's sendMessage arrives.
check_bot() {
    local port emulator_log=$log_dir/emulator.log deadline
    trap clean_up EXIT
    port=$(free_port)
    (cd "$context" && exec timeout "$emulator_timeout" "$(emulator_python)" -m tests.telegram_emulator \
        --port "$port" --token "$FAKE_BOT_TOKEN" --ask "$QUESTION") >"$emulator_log" 2>&1 &
    emulator_pid=$!
    wait_for_listener "$port"
    podman run --detach --name "$container_name" --network host --health-interval disable \
        -e TELEGRAM_BOT_TOKEN="$FAKE_BOT_TOKEN" -e TELEGRAM_BASE_URL="http://127.0.0.1:$port/bot" \
        "$image" run
    deadline=$(( SECONDS + emulator_timeout ))
    while kill -0 "$emulator_pid" 2>/dev/null; do
        if [[ $(podman container inspect --format '{{.State.Running}}' "$container_name") != true ]]; then
            podman logs "$container_name" | tail -n 30
            fail "the bot container stopped before answering"
        fi
        (( SECONDS < deadline )) || break
        sleep 0.5
    done
    finish_bot_check "$emulator_log"
}

wait_for_listener() {
    local port=$1 tries
    for (( tries = 0; tries < 100; tries++ )); do
        python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" \
            2>/dev/null && return
        kill -0 "$emulator_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log_dir/emulator.log"
    fail "the emulator never listened on 127.0.0.1:$port"
}

finish_bot_check() {
    local emulator_log=$1 status=0
    wait "$emulator_pid" || status=$?
    emulator_pid=""
    cat "$emulator_log"
    if (( status != 0 )); then
        podman logs "$container_name" 2>&1 | tail -n 30
        (( status != 124 )) || fail "the bot did not answer within ${emulator_timeout}s"
        fail "the emulator failed (exit $status)"
    fi
    grep -qF "$EXPECTED_QUOTE" "$emulator_log" || fail "the bot's reply lacks '$EXPECTED_QUOTE'"
    podman healthcheck run "$container_name" || fail "HEALTHCHECK failed in the running bot container"
    echo "healthcheck passed"
}

main() {
    case ${1:-} in
        --skip-emulator) run_emulator=0 ;;
        -h | --help) usage; return ;;
        "") ;;
        *) usage >&2; exit 2 ;;
    esac
    (( EUID == 0 )) || fail "run as root: rootful podman, apt-get and debootstrap need it"
    # From about 50 characters of runroot on, every `podman run` stalls 20 s waiting for conmon.
    (( ${#run_dir} <= 40 )) || fail "PODMAN_CHECK_HOME is too long: runroot $run_dir/storage must stay under 50 characters"
    [[ -f $dockerfile ]] || fail "no Dockerfile at $dockerfile"
    [[ $run_emulator != 1 || -f $context/tests/telegram_emulator.py ]] \
        || fail "no tests/telegram_emulator.py in $context; run with --skip-emulator until it exists"
    mkdir -p "$log_dir"
    trap clean_up EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    run_phase tools install_tools
    run_phase lint lint_dockerfile
    run_phase base make_base_image
    run_phase build build_image
    run_phase ask check_ask
    run_phase add check_add
    run_phase user check_user
    if [[ $run_emulator == 1 ]]; then
        run_phase bot check_bot
    else
        echo "podman-check: bot   ... skipped"
    fi
    echo "podman-check: $image passed every check"
}

main "$@"
