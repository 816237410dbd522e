# shellcheck shell=bash
# The stack recipe: how the root file systems of the run and build stacks are
# made from Debian packages. Sourced by scripts/stack/build; every file in this
# folder is part of the recipe hash, so editing this file makes new images.
#
#   base   = debootstrap --variant=minbase bookworm + RUN_PACKAGES, upgraded
#            from bookworm-updates/-security when the host's apt knows them
#   run    = base + npm (STACK_NPM_VERSION, from the registry) + the host's
#            extra CA certificates + paas-launch + uid 1000
#   build  = run + BUILD_PACKAGES

SUITE=bookworm
# Small on purpose: an app brings its own runtime through its buildpack
# (nodejs here is the run-time node for the Node.js buildpack's slugs).
RUN_PACKAGES=ca-certificates,nodejs,bash,procps
# npm in both stacks, at run time too (`npm start`, `paas run npm ...`): one
# copy in the shared stack layer instead of one vendored into every slug.
# The registry's npm package (it bundles its dependencies), not Debian's:
# Debian's pulls in ~400 node-* library packages under /usr/share/nodejs,
# which Debian's node resolves as global modules, so an app that forgot a
# dependency would work here and nowhere else. 10.7.0 is the npm that
# node 18.20.4 ships with upstream.
STACK_NPM_VERSION=10.7.0
BUILD_PACKAGES=(git)
APP_UID=1000
APP_GID=1000

# Settings of both images, for `docker import --change`.
STACK_CHANGES=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV LANG=C.UTF-8'
  # Node only trusts its own bundled CAs unless told; this makes every node
  # (Debian's, or one a buildpack installs) trust the stack's store too.
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
  --change 'WORKDIR /app'
  --change 'CMD ["bash"]'
)

# debian_mirror SUITE : prints the URI the host's apt uses for SUITE (main
# archive for "bookworm", security archive for "bookworm-security"), read from
# deb822 *.sources files and one-line *.list files. Prints nothing if none.
debian_mirror() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # One paragraph per entry: remember Types/URIs/Suites/Enabled, print the
    # first URI of an enabled "deb" entry that lists SUITE.
    awk -v want="$suite" '
      function flush() {
        if (enabled != "no" && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && uris != "") {
          split(uris, u, " "); print u[1]; found = 1; exit
        }
        types = ""; uris = ""; suites = ""; enabled = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      {
        key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
        if (key == "types") types = $0
        else if (key == "uris") uris = $0
        else if (key == "suites") suites = $0
        else if (key == "enabled") enabled = tolower($0)
      }
      END { if (!found) flush() }
    ' "$f" | head -n1 | grep . && return 0
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    # deb [options] URI SUITE COMPONENTS...
    awk -v want="$suite" '
      $1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == want) { print $i; exit }
      }
    ' "$f" | head -n1 | grep . && return 0
  done
  return 0
}

# in_chroot DIR CMD... : runs CMD inside DIR with /proc mounted, the host's DNS
# settings and no daemons started by maintainer scripts; undoes all of it.
in_chroot() {
  local dir=$1 rc=0
  shift
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  mount -t proc proc "$dir/proc"
  # apt wants a pty for its log; without one it prints a harmless "E:" line.
  mkdir -p "$dir/dev/pts"
  mount --bind /dev/pts "$dir/dev/pts" || true
  DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 chroot "$dir" "$@" || rc=$?
  umount "$dir/dev/pts" 2>/dev/null || umount -l "$dir/dev/pts" 2>/dev/null || true
  umount "$dir/proc" || umount -l "$dir/proc" || true
  rm -f "$dir/usr/sbin/policy-rc.d"
  : >"$dir/etc/resolv.conf"
  return "$rc"
}

# make_base DIR : debootstrap the base system into the empty directory DIR,
# then bring it up to date. The apt lists stay, so that build packages are
# later installed from the same snapshot (same nodejs in run and build).
make_base() {
  local dir=$1 mirror security
  mirror=${PAAS_DEBIAN_MIRROR:-$(debian_mirror "$SUITE")}
  [ -n "$mirror" ] || die "no Debian mirror for $SUITE in /etc/apt/sources*; set PAAS_DEBIAN_MIRROR"
  security=${PAAS_DEBIAN_SECURITY_MIRROR:-$(debian_mirror "$SUITE-security")}

  log "debootstrap $SUITE ($RUN_PACKAGES) from $mirror"
  debootstrap --variant=minbase --include="$RUN_PACKAGES" "$SUITE" "$dir" "$mirror" >&2

  # No docs, man pages or translations in the images: smaller and faster.
  cat >"$dir/etc/dpkg/dpkg.cfg.d/paas-excludes" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
EOF
  cat >"$dir/etc/apt/apt.conf.d/90paas" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
  {
    echo "deb $mirror $SUITE main"
    echo "deb $mirror $SUITE-updates main"
    [ -z "$security" ] || echo "deb $security $SUITE-security main"
  } >"$dir/etc/apt/sources.list"

  log "upgrading the base from $SUITE-updates${security:+ and $SUITE-security}"
  in_chroot "$dir" apt-get update -qq >&2
  in_chroot "$dir" apt-get -y -qq dist-upgrade >&2
  in_chroot "$dir" apt-get clean
}

# configure_run DIR : what the run stack adds to the base.
configure_run() {
  local dir=$1
  install_npm "$dir"
  # The host's extra CAs (e.g. an HTTPS proxy's) so that npm, git and apps
  # trust what the host trusts.
  mkdir -p "$dir/usr/local/share/ca-certificates"
  if [ -d /usr/local/share/ca-certificates ]; then
    cp -a /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/"
  fi
  in_chroot "$dir" update-ca-certificates >&2

  install -m 0755 "$STACK_DIR/paas-launch" "$dir/usr/local/bin/paas-launch"

  # The user apps run as; a named user keeps git, npm and `id` happy.
  grep -q "^app:" "$dir/etc/group" || echo "app:x:$APP_GID:" >>"$dir/etc/group"
  grep -q "^app:" "$dir/etc/passwd" || echo "app:x:$APP_UID:$APP_GID:app:/app:/bin/bash" >>"$dir/etc/passwd"
  grep -q "^app:" "$dir/etc/shadow" || echo "app:*:19000:0:99999:7:::" >>"$dir/etc/shadow"
  install -d -m 0755 -o "$APP_UID" -g "$APP_GID" "$dir/app"
}

# install_npm DIR : npm@STACK_NPM_VERSION from the registry (fetched with the
# host's npm, which trusts the host's CAs) at /usr/local/lib/node_modules/npm,
# with npm and npx in /usr/local/bin.
install_npm() {
  local dir=$1 tmp
  tmp=$(mktemp -d)
  log "fetching npm@$STACK_NPM_VERSION from the registry"
  if ! (cd "$tmp" && npm pack --silent "npm@$STACK_NPM_VERSION" >/dev/null); then
    rm -rf "$tmp"
    die "cannot fetch npm@$STACK_NPM_VERSION from the npm registry"
  fi
  mkdir -p "$dir/usr/local/lib/node_modules/npm" "$dir/usr/local/bin"
  tar -C "$dir/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$tmp/npm-$STACK_NPM_VERSION.tgz"
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  rm -rf "$tmp"
}

# apt_install DIR PACKAGE... : installs Debian packages into DIR.
apt_install() {
  local dir=$1
  shift
  log "installing $* into $(basename "$dir")"
  # The lists come from the base; if the mirror moved on since, refresh them.
  if ! in_chroot "$dir" apt-get -y -qq install "$@" >&2; then
    in_chroot "$dir" apt-get update -qq >&2
    in_chroot "$dir" apt-get -y -qq install "$@" >&2
  fi
  in_chroot "$dir" apt-get clean
}

# add_build_packages DIR : what the build stack adds to the run stack.
add_build_packages() {
  apt_install "$1" "${BUILD_PACKAGES[@]}"
}

# import_rootfs DIR IMAGE : docker import DIR as IMAGE, leaving out apt lists,
# caches, logs and the contents of the pseudo file systems.
import_rootfs() {
  local dir=$1 image=$2
  tar -C "$dir" --numeric-owner \
    --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* \
    --exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/* \
    --exclude=./var/cache/debconf/*-old --exclude=./var/log/* --exclude=./tmp/* \
    -c . | docker import "${STACK_CHANGES[@]}" - "$image" >/dev/null
}
