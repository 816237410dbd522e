// The script the build container runs (bash -c DRIVER paas-build MODE COUNT):
// the buildpacks are mounted read-only at /buildpacks/0..COUNT-1; each is
// copied to a writable /tmp/bp/<i> (a buildpack writes its `export` file in
// its own folder) and run there. MODE detect: the first whose bin/detect
// succeeds compiles and releases. MODE all (the app's own list): every one
// must detect, compiles in order, and each one's `export` is sourced before
// the next runs; the last one's release gives the process types. Each
// release's YAML is kept as /tmp/out/release-<i>.yml (config_vars), the
// index being run in /tmp/out/current (failure messages name it).
// A constant: nothing from a user is pasted into it.
// Exit codes: 0 ok, 10 nothing detected, 11 compile failed, 12 release
// failed, 13 an explicit buildpack did not detect, 14 no bin/compile.

export const DRIVER_EXIT = {
  noMatch: 10,
  compileFailed: 11,
  releaseFailed: 12,
  notCompatible: 13,
  badBuildpack: 14,
} as const;

export const DRIVER = `
set -uo pipefail
mode="$1"; count="$2"
mkdir -p "$HOME" /tmp/bp
ran=0
for ((i = 0; i < count; i++)); do
  dir="/tmp/bp/$i"
  printf '%s' "$i" > /tmp/out/current
  cp -R "/buildpacks/$i" "$dir" && chmod -R u+w "$dir" || exit ${DRIVER_EXIT.badBuildpack}
  chmod +x "$dir"/bin/* 2>/dev/null
  if [ -f "$dir/bin/detect" ] && name="$("$dir/bin/detect" /tmp/build)"; then
    echo "-----> \${name:-App} app detected"
  elif [ "$mode" = detect ]; then
    continue
  else
    exit ${DRIVER_EXIT.notCompatible}
  fi
  [ -f "$dir/bin/compile" ] || exit ${DRIVER_EXIT.badBuildpack}
  "$dir/bin/compile" /tmp/build /tmp/cache /tmp/env || exit ${DRIVER_EXIT.compileFailed}
  if [ -f "$dir/export" ]; then
    set +u
    . "$dir/export"
    set -u
  fi
  if [ -f "$dir/bin/release" ]; then
    "$dir/bin/release" /tmp/build > "/tmp/out/release-$i.yml" || exit ${DRIVER_EXIT.releaseFailed}
  else
    : > "/tmp/out/release-$i.yml"
  fi
  cp "/tmp/out/release-$i.yml" /tmp/out/release.yml
  ran=$((ran + 1))
  [ "$mode" = detect ] && break
done
[ "$ran" -gt 0 ] || exit ${DRIVER_EXIT.noMatch}
exit 0
`;

/** The failure message of an exit that buildpackFailure (buildpacks.ts) does not explain. */
export function driverFailure(code: number): string {
  switch (code) {
    case 137:
      return 'the build was killed (out of memory, or cancelled)';
    default:
      return `the build container exited with status ${code}`;
  }
}
