#!/usr/bin/env bash
# Installs every system package the integration tests and the lab need, on a fresh Debian 12
# (CI) as on a developer's machine. Idempotent and non-interactive; run as root.
#
#   - postfix, nmap, openssl, swaks from apt. Postfix is preseeded to "No configuration", so no
#     /etc/postfix/main.cf is written and the system instance (port 25) never runs: the lab
#     starts its own instances with `postfix -c <dir>` on 127.0.0.1 high ports.
#   - Exim, which apt will not install beside Postfix (both provide mail-transport-agent):
#     its .deb is downloaded and unpacked under lab-run/exim-dist, its shared libraries come
#     from apt, and the Debian-exim user that its binary looks up at startup is created.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [[ $(id -u) -ne 0 ]]; then
  echo "install-system-deps: must run as root" >&2
  exit 1
fi

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXIM_DIST_DIR="$REPO_ROOT/lab-run/exim-dist"
EXIM_BINARY="$EXIM_DIST_DIR/usr/sbin/exim4"
# Baked into Debian's exim4 binary: it refuses to start, even for -bV, if this user is missing.
EXIM_USER=Debian-exim

APT_PACKAGES=(
  postfix nmap openssl swaks chromium fonts-liberation fonts-noto-cjk fonts-dejavu-core
  # Libraries exim4-daemon-light links against (its Depends, minus the conflicting exim4-base).
  libc6 libcrypt1 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0
)

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

apt_lists_fresh=false
refresh_apt_lists() {
  if [[ $apt_lists_fresh == false ]]; then
    apt-get update
    apt_lists_fresh=true
  fi
}

install_apt_packages() {
  local missing=() package
  for package in "${APT_PACKAGES[@]}"; do
    is_installed "$package" || missing+=("$package")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-system-deps: apt packages already installed"
    return
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # While installing, forbid maintainer scripts to start any daemon (the usual policy-rc.d
  # convention); removed afterwards unless it was there before us.
  local created_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=true
  fi
  refresh_apt_lists
  local status=0
  apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
  if [[ $created_policy == true ]]; then rm -f /usr/sbin/policy-rc.d; fi
  return "$status"
}

create_exim_user() {
  if getent passwd "$EXIM_USER" >/dev/null; then
    return
  fi
  # The same kind of account exim4-base's postinst creates: system, own group, no login.
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$EXIM_USER"
}

unpack_exim() {
  if [[ -x $EXIM_BINARY ]]; then
    echo "install-system-deps: exim already unpacked in $EXIM_DIST_DIR"
    return
  fi
  refresh_apt_lists
  local download_dir
  download_dir=$(mktemp -d)
  # apt-get download drops to the _apt user; let it write the .deb here.
  if getent passwd _apt >/dev/null; then chown _apt "$download_dir"; fi
  (cd "$download_dir" && apt-get download exim4-daemon-light)
  rm -rf "$EXIM_DIST_DIR"
  mkdir -p "$EXIM_DIST_DIR"
  dpkg-deb -x "$download_dir"/exim4-daemon-light_*.deb "$EXIM_DIST_DIR"
  rm -rf "$download_dir"
  # The lab runs exim as root; a set-uid root binary lying in a work tree serves no purpose.
  chmod u-s "$EXIM_BINARY"
  # -C /dev/null: an empty configuration is valid, and proves binary, libraries and user.
  "$EXIM_BINARY" -C /dev/null -bV >/dev/null 2>&1 || {
    echo "install-system-deps: unpacked exim does not run:" >&2
    "$EXIM_BINARY" -C /dev/null -bV >&2 || true
    exit 1
  }
}

install_apt_packages
create_exim_user
unpack_exim
echo "install-system-deps: done"
