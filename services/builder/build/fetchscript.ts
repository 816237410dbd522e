// The script a buildpack fetch container runs (fetchcontainer.ts):
// `bash -c FETCH_SCRIPT bpfetch <git|tarball> <url> <ref or ''> <max bytes> FETCH_TARBALL`, as
// an unprivileged user on Docker's default bridge, so it reaches only what an
// app's container may reach: never the host's loopback (the platform's API,
// etcd), and never link-local addresses (the agent's rules drop them). It
// leaves the buildpack in /tmp/bp, which the builder copies out. A failure
// ends with one line on stderr saying why, exit 2. Constant: the URL and ref
// are arguments, never part of the script.

/** The http(s) download of a tarball, in the stack's node (the script's 5th argument). */
export const FETCH_TARBALL = `
const [url, max] = process.argv.slice(1);
const fail = (why) => { process.stderr.write(why + '\\n'); process.exit(2); };
(async () => {
  let res;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const c = err.cause || {};
    fail(c.code === 'ECONNREFUSED' ? 'connection refused' : c.code === 'ENOTFOUND' || c.code === 'EAI_AGAIN' ? 'no such host' : c.code || c.message || err.message);
  }
  if (!res.ok || !res.body) fail('HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : ''));
  const out = require('fs').createWriteStream('/tmp/bp.tgz');
  let seen = 0;
  for await (const chunk of res.body) {
    seen += chunk.length;
    if (seen > Number(max)) fail('it is larger than ' + Math.round(Number(max) / 1048576) + ' MB');
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
  out.end();
  await new Promise((r) => out.on('finish', r));
})().catch((err) => fail(err.message));
`;

export const FETCH_SCRIPT = `set -uo pipefail
kind=$1 url=$2 ref=$3 max=$4
mkdir -p /tmp/bp
if [ "$kind" = git ]; then
  git() { command git -c advice.detachedHead=false -c protocol.ext.allow=never -c protocol.file.allow=never "$@"; }
  git init -q /tmp/bp || exit 2
  if ! git -C /tmp/bp fetch -q --depth 1 --no-tags -- "$url" "\${ref:-HEAD}" 2>/tmp/err; then
    echo "git fetch failed: $(grep -v '^$' /tmp/err | tail -n 1 | sed 's/^fatal: //')" >&2
    exit 2
  fi
  git -C /tmp/bp checkout -q FETCH_HEAD || exit 2
  rm -rf /tmp/bp/.git
  if [ "$(du -sb /tmp/bp | cut -f1)" -gt "$max" ]; then echo "it is larger than $((max / 1048576)) MB" >&2; exit 2; fi
else
  node -e "$5" "$url" "$max" || exit 2
  # GNU tar refuses absolute names and .. members by default; never as the archive's owners.
  if ! tar -xzf /tmp/bp.tgz -C /tmp/bp --no-same-owner --no-same-permissions 2>/tmp/err; then
    echo "not a gzip tarball ($(tail -n 1 /tmp/err))" >&2
    exit 2
  fi
fi
`;
