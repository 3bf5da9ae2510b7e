#!/usr/bin/env bash
# The one test command, for developers and CI alike: dependencies, vet,
# formatting, the whole test suite (with the race detector) and a Windows
# cross-compile. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The 389 DS and Samba AD DC test beds need root (ns-slapd switches to the
# user dirsrv; Samba binds 389/636), and a test bed that cannot start fails
# the run. So a developer's run goes through sudo, with root's own Go caches
# (HOME is root's under sudo) so that no root-owned file lands in theirs.
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "scripts/test.sh: the 389 DS and Samba AD test beds need root, and sudo is not installed; run this as root" >&2
    exit 1
  fi
  echo "scripts/test.sh: the 389 DS and Samba AD test beds need root; running again under sudo" >&2
  exec sudo env "PATH=$PATH" ${FUZZTIME:+"FUZZTIME=$FUZZTIME"} ${CI:+"CI=$CI"} bash "$0" "$@"
fi

step() { printf '\n== %s\n' "$*"; }

step "deps"
scripts/deps.sh

step "go vet ./..."
go vet ./...

step "gofmt -l ."
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "these files need gofmt -w:"
  echo "$unformatted"
  exit 1
fi

# -race: the bridge is all goroutines and pooled connections. It costs one
# more compile of the dependencies (about a minute on 2 cores, cached
# afterwards) and roughly doubles test time; the suite is far from its
# 15-minute budget.
step "go test -race -count=1 ./..."
go test -race -count=1 ./...

# Every fuzz target briefly (go test -fuzz takes one package and one target
# per run). The seed corpora under testdata/fuzz already ran as plain tests
# above; this looks for new inputs. FUZZTIME=1m for a longer local run.
step "fuzz (${FUZZTIME:-10s} per target)"
for target in \
  ./connector/scimfilter:FuzzParse ./connector/scimfilter:FuzzParsePath \
  ./connector:FuzzFilterTranslation ./connector:FuzzFilterAny ./connector/web:FuzzCheckJSON \
  ./ldapstore:FuzzEqFilter ./ldapstore:FuzzChildDN ./ldapstore:FuzzUserDN; do
  go test -run '^$' -fuzz "^${target#*:}\$" -fuzztime "${FUZZTIME:-10s}" "${target%%:*}"
done

# Last, so a Windows-only build break does not hide test results; testldap
# and everything else must at least compile there.
step "GOOS=windows go build ./..."
GOOS=windows go build ./...

echo
echo "all checks passed"
