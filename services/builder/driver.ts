// The script the build container runs (bash -c DRIVER paas-build <buildpack>...):
// detect across the buildpacks in order, then compile and release with the
// first that matches. A constant: nothing from a user is pasted into it.
// Exit codes: 0 ok, 10 no buildpack matched, 11 compile failed, 12 release failed.

export const DRIVER_EXIT = { noMatch: 10, compileFailed: 11, releaseFailed: 12 } as const;

export const DRIVER = `
set -uo pipefail
mkdir -p "$HOME"
for bp in "$@"; do
  dir="/buildpacks/$bp"
  [ -x "$dir/bin/detect" ] || continue
  if name="$("$dir/bin/detect" /tmp/build)"; then
    echo "-----> \${name:-$bp} app detected"
    "$dir/bin/compile" /tmp/build /tmp/cache /tmp/env || exit ${DRIVER_EXIT.compileFailed}
    "$dir/bin/release" /tmp/build > /tmp/out/release.yml || exit ${DRIVER_EXIT.releaseFailed}
    printf '%s' "$bp" > /tmp/out/buildpack
    exit 0
  fi
done
exit ${DRIVER_EXIT.noMatch}
`;

export function driverFailure(code: number): string {
  switch (code) {
    case DRIVER_EXIT.noMatch:
      return 'No default language could be detected for this app (a Node.js app needs a package.json)';
    case DRIVER_EXIT.compileFailed:
      return 'the buildpack could not compile the app (see the output above)';
    case DRIVER_EXIT.releaseFailed:
      return "the buildpack's bin/release failed";
    case 137:
      return 'the build was killed (out of memory, or cancelled)';
    default:
      return `the build container exited with status ${code}`;
  }
}
