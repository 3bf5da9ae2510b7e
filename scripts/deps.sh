#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine that has Go:
#   slapd       private OpenLDAP instances started by internal/testldap
#   ldap-utils  ldapsearch & co., for scripts and for poking at a test bed
#   gcc         cgo, which `go test -race` needs
# Idempotent: installs only what is missing, so a developer can run it
# every time (scripts/test.sh does).
#
# On a stock Debian the slapd package starts a system slapd on *:389 and
# leaves an unused dc=nodomain database in /etc/ldap/slapd.d. That does not
# bother the tests: their instances use their own config, data and free
# loopback ports. (Images with a policy-rc.d that exits 101, like this
# project's machines, start no service at install.)
set -euo pipefail

missing=()
if [ ! -x /usr/sbin/slapd ] || [ ! -x /usr/sbin/slapadd ]; then missing+=(slapd); fi
if ! command -v ldapsearch >/dev/null 2>&1; then missing+=(ldap-utils); fi
if ! command -v gcc >/dev/null 2>&1; then missing+=(gcc libc6-dev); fi

# CI runs on a clean machine whose package lists may be stale or absent.
ci="${CI:-}"
if [ "${#missing[@]}" -eq 0 ] && [ "$ci" != true ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
  echo "deps.sh: no apt-get here; install these yourself: ${missing[*]}" >&2
  echo "  (OpenLDAP slapd with the mdb, memberof, refint, ppolicy and sssvlv modules;" >&2
  echo "   see TESTLDAP_* in internal/testldap for non-Debian paths)" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "deps.sh: not root and no sudo; as root run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]:-slapd ldap-utils}" >&2
    exit 1
  fi
fi

echo "deps.sh: apt-get update" >&2
if ! "${sudo[@]}" apt-get update -qq; then
  # Only fatal when something must be installed: a CI run with everything
  # present should not fail because a mirror hiccuped.
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "deps.sh: apt-get update failed" >&2
    exit 1
  fi
  echo "deps.sh: warning: apt-get update failed; all needed packages are present" >&2
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for f in /usr/sbin/slapd /usr/sbin/slapadd; do
  [ -x "$f" ] || { echo "deps.sh: $f still missing after install" >&2; exit 1; }
done
