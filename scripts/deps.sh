#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine that has Go:
#   slapd       private OpenLDAP instances started by internal/testldap
#   ldap-utils  ldapsearch & co., for scripts and for poking at a test bed
#   gcc         cgo, which `go test -race` needs
#   389-ds-base the 389 Directory Server test bed (internal/testldap, Kind 389ds)
#   samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind
#               the Samba AD DC test bed (Kind activedirectory)
#   chromium    the headless browser the status page's test loads /status in
#               (connector/status_test.go; it fails, never skips, without it)
# Idempotent: installs only what is missing, so a developer can run it
# every time (scripts/test.sh does). The 389-ds and Samba test beds also
# need root when the tests run (ns-slapd switches to the user dirsrv, Samba
# binds 389/636); CI runs as root.
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
# dpkg's status, not a binary, since some of these ship only data or modules.
for p in 389-ds-base samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind chromium; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then missing+=("$p"); fi
done

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
  # No services may start at install: a system slapd (slapd's postinst)
  # would take *:389, the port the Samba test bed cannot move off. A
  # policy-rc.d that exits 101 is Debian's way to say so; one the machine
  # already has is left alone.
  prc=/usr/sbin/policy-rc.d
  own_prc=""
  if [ ! -e "$prc" ]; then
    printf '#!/bin/sh\n# scim2ldap scripts/deps.sh: no services during install\nexit 101\n' | "${sudo[@]}" tee "$prc" >/dev/null
    "${sudo[@]}" chmod 755 "$prc"
    own_prc=1
  fi
  rc=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  if [ -n "$own_prc" ]; then "${sudo[@]}" rm -f "$prc"; fi
  [ "$rc" -eq 0 ] || { echo "deps.sh: apt-get install failed ($rc)" >&2; exit "$rc"; }
fi

for f in /usr/sbin/slapd /usr/sbin/slapadd /usr/sbin/dscreate /usr/sbin/ns-slapd /usr/sbin/samba /usr/bin/samba-tool /usr/bin/chromium; do
  [ -x "$f" ] || { echo "deps.sh: $f still missing after install" >&2; exit 1; }
done
