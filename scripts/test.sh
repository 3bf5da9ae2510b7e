#!/usr/bin/env bash
# The one test command, for developers and CI alike: dependencies, vet,
# formatting, the whole test suite (with the race detector) and a Windows
# cross-compile. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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

# Last, so a Windows-only build break does not hide test results; testldap
# and everything else must at least compile there.
step "GOOS=windows go build ./..."
GOOS=windows go build ./...

echo
echo "all checks passed"
