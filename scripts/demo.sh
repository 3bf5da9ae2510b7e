#!/usr/bin/env bash
# The demo command: installs slapd/ldap-utils if missing, starts a private
# OpenLDAP on loopback (examples/openldap.yaml layout), runs
# `scim2ldap serve --config examples/openldap.yaml` against it and prints a
# curl line that creates a user. Ctrl-C stops both. Flags go to the demo,
# e.g. -listen 127.0.0.1:9090.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/deps.sh >&2
exec go run ./internal/demo "$@"
