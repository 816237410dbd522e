# shellcheck shell=bash
# scripts/lib/images.sh: how the platform image paas/platform:<version> is
# made, for scripts/images. It starts from the build stack image that
# scripts/stack/build makes (Debian by debootstrap, cached by the recipe's
# hash) and uses that recipe's own helpers (scripts/stack/recipe.sh:
# in_chroot, apt_install, import_rootfs), so no registry and no Dockerfile is
# involved. Needs REPO_DIR, log.sh and recipe.sh sourced first.

# What the services run besides node (see each service's spawn calls):
# nginx and its Lua module (router), etcd (the chart's etcd), iptables,
# iproute2 (ip, tc) and util-linux's nsenter (agent isolation), e2fsprogs
# and mount (bounded disks: mkfs.ext4, losetup), openssh-client (ssh-keygen
# for a builder's host key when none is given), git (builder; already in
# the build stack), tini (pid 1: reaps git's and nginx's children).
PLATFORM_PACKAGES=(nginx libnginx-mod-http-lua etcd-server iptables iproute2 util-linux mount e2fsprogs openssh-client tini)
PLATFORM_HOME=/opt/paas

# The image's settings, for `docker import --change`.
PLATFORM_CHANGES=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV LANG=C.UTF-8'
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
  --change 'ENV NODE_ENV=production'
  --change "WORKDIR $PLATFORM_HOME"
  --change 'ENTRYPOINT ["tini", "--"]'
  --change 'CMD ["node", "dist/services/platform/main.js"]'
)

# platform_version : package.json's version (the chart's appVersion).
platform_version() {
  node -p 'require(process.argv[1]).version' "$REPO_DIR/package.json"
}

# stage_app DIR : the compiled project as the image holds it under
# PLATFORM_HOME: package.json and the lockfile, dist/ (services, cli,
# dashboard), buildpacks/, and node_modules/ without the devDependencies
# (copied from the checkout's, native builds included, then pruned: no
# registry needed).
stage_app() {
  local dir=$1
  mkdir -p "$dir/dist"
  cp -a "$REPO_DIR/package.json" "$REPO_DIR/package-lock.json" "$dir/"
  cp -a "$REPO_DIR/dist/services" "$REPO_DIR/dist/cli" "$REPO_DIR/dist/dashboard" "$dir/dist/"
  cp -a "$REPO_DIR/buildpacks" "$dir/buildpacks"
  cp -a "$REPO_DIR/node_modules" "$dir/node_modules"
  rm -rf "$dir/node_modules/.cache"
  (cd "$dir" && npm prune --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  find "$dir/dist" -name '*.map' -delete
}

# app_hash DIR : sha256 (12 hex chars) over a staged app's files, the node
# binary and this recipe, so that an unchanged project makes no new image.
app_hash() {
  local dir=$1 stack=$2
  {
    echo "stack $(docker image inspect --format '{{.Id}}' "$stack")"
    echo "node $(sha256sum "$(command -v node)" | cut -d' ' -f1)"
    sha256sum "$REPO_DIR/scripts/images" "$REPO_DIR/scripts/lib/images.sh" | cut -d' ' -f1
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
  } | sha256sum | cut -c1-12
}

# host_netns_wrapper DIR : /usr/local/lib/paas/host-netns/iptables, the
# node's own iptables in the node's network namespace (nsenter into pid 1's
# mount and network namespaces; needs hostPID and privileges). The chart
# puts it first on the agent's PATH: the agent's pod keeps its own network
# namespace, its isolation rules belong to the node's Docker bridges.
host_netns_wrapper() {
  local dir=$1/usr/local/lib/paas/host-netns
  mkdir -p "$dir"
  cat >"$dir/iptables" <<'WRAPPER'
#!/bin/sh
# iptables of the node, in the node's namespaces (the agent's pod has its own).
exec nsenter -t 1 -m -n -- iptables "$@"
WRAPPER
  chmod 0755 "$dir/iptables"
}

# make_rootfs STACK DIR APP : the stack image's files in DIR (docker export),
# PLATFORM_PACKAGES added, the running node and the staged app APP copied in.
make_rootfs() {
  local stack=$1 dir=$2 app=$3 id name major minor
  id=$(docker create "$stack" true)
  docker export "$id" | tar -C "$dir" --numeric-owner -xf -
  docker rm "$id" >/dev/null
  # An image holds no device nodes (import_rootfs leaves /dev out); apt's
  # scripts need these, as debootstrap's tree has them.
  local node
  for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<<"$node"
    [ -e "$dir/dev/$name" ] || mknod -m 666 "$dir/dev/$name" c "$major" "$minor"
  done
  # The stack image leaves its apt lists out; the base's sources stay.
  in_chroot "$dir" apt-get update -qq >&2
  apt_install "$dir" "${PLATFORM_PACKAGES[@]}"
  # Debian's nginx and etcd packages enable services the image never starts.
  rm -f "$dir"/etc/nginx/sites-enabled/default
  # The stack's node (Debian's 18) is for apps; the platform needs the Node
  # it was built and tested with (package.json engines: 20 or 22+).
  install -m 0755 "$(command -v node)" "$dir/usr/local/bin/node"
  host_netns_wrapper "$dir"
  mkdir -p "$dir$PLATFORM_HOME"
  cp -a "$app/." "$dir$PLATFORM_HOME/"
}

# import_platform DIR IMAGE : DIR as IMAGE through the recipe's import_rootfs
# (its exclusions), with the platform's settings instead of the stack's.
import_platform() {
  local STACK_CHANGES=("${PLATFORM_CHANGES[@]}")
  import_rootfs "$1" "$2"
}

# verify_platform IMAGE : node, etcd, nginx with Lua, and the services' code
# with its modules, as a pod would run them.
verify_platform() {
  local image=$1
  docker run --rm "$image" node -e '
    const [major] = process.versions.node.split(".").map(Number);
    if (major < 20) throw new Error("node " + process.version);
    console.log("node", process.version);' >&2 || return 1
  docker run --rm --entrypoint etcd "$image" --version >&2 || return 1
  docker run --rm --entrypoint sh "$image" -ec 'ls /etc/nginx/modules-enabled/ | grep -q lua; nginx -v; tc -V; git --version
    for c in ssh-keygen mkfs.ext4 losetup nsenter iptables ip tini; do command -v "$c" >/dev/null; done' >&2 ||
    return 1
  # Each service's code loads (its config refuses an empty environment, by name).
  local svc out
  for svc in controller builder scheduler agent router dashboard; do
    out=$(docker run --rm -e PAAS_LOG_LEVEL=silent "$image" node --input-type=module -e "
      const { loadConfig } = await import('$PLATFORM_HOME/dist/services/$svc/config.js');
      await import('$PLATFORM_HOME/dist/services/$svc/start.js');
      try { loadConfig({ PAAS_INTERNAL_TOKEN: '0123456789abcdef', PAAS_ETCD_ENDPOINTS: 'http://127.0.0.1:2379' }); console.log('$svc ok'); }
      catch (err) { console.log('$svc refuses: ' + err.message); }" 2>&1) || {
      printf '%s\n' "$out" >&2
      return 1
    }
    log "$out"
  done
}
