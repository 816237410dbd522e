// node pkg.cjs PACKAGE_JSON QUERY [ARG]: small questions about package.json,
// answered on stdout, for the shell scripts in bin/.
//   has-script NAME           "yes" or "no"
//   summary [NPM_BIN]         what bin/compile needs, as shell assignments
//                             for `eval` (one node start instead of six):
//                             engines_node, engines_npm, pm_field (the
//                             packageManager field, "pnpm@9.1.0"), deps_key
//                             (a hash of the fields that choose what is
//                             installed: part of the node_modules cache key),
//                             has_build, and stack_npm, the version of the
//                             npm at NPM_BIN (from its package.json, without
//                             starting npm)
// and, with no PACKAGE_JSON (pass "-"):
//   highest-version           the highest of the versions `npm view --json`
//                             printed on stdin (a string or an array)
'use strict';
const fs = require('fs');

const [file, query, arg] = process.argv.slice(2);
let pkg = {};
try {
  if (file !== '-') pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  process.stderr.write(`cannot read ${file}: ${err.message}\n`);
  process.exit(2);
}

const DEPS_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'overrides',
  'resolutions',
  'pnpm',
  'workspaces',
];

/** A shell word that is exactly `value` (single quotes; a quote inside becomes '\\''). */
function shellQuote(value) {
  return "'" + String(value).replace(/'/g, "'\\''") + "'";
}

/** The version in the package.json of the npm whose command is `bin` (a symlink to npm/bin/npm-cli.js), or ''. */
function npmVersionAt(bin) {
  try {
    const path = require('path');
    let dir = path.dirname(fs.realpathSync(bin));
    for (let i = 0; i < 3; i++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const meta = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (meta.name === 'npm' && typeof meta.version === 'string') return meta.version;
    }
  } catch {
    // no npm there: the caller asks npm itself
  }
  return '';
}

function depsKey() {
  const picked = {};
  for (const f of DEPS_FIELDS) if (pkg && pkg[f] !== undefined) picked[f] = pkg[f];
  return JSON.stringify(picked);
}

function hasScript(name) {
  const s = pkg && pkg.scripts && pkg.scripts[name];
  return typeof s === 'string' && s.trim() !== '' ? 'yes' : 'no';
}

const str = (v) => (typeof v === 'string' ? v : '');

function compareVersions(a, b) {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) - (pb[i] || 0);
  return 0;
}

switch (query) {
  case 'has-script': {
    process.stdout.write(hasScript(arg));
    break;
  }
  case 'summary': {
    const engines = (pkg && typeof pkg.engines === 'object' && pkg.engines) || {};
    const vars = {
      engines_node: str(engines.node),
      engines_npm: str(engines.npm),
      pm_field: str(pkg && pkg.packageManager).replace(/\+.*$/, ''),
      deps_key: require('crypto').createHash('sha256').update(depsKey()).digest('hex'),
      has_build: hasScript('build'),
      stack_npm: arg ? npmVersionAt(arg) : '',
    };
    for (const [k, v] of Object.entries(vars)) process.stdout.write(`${k}=${shellQuote(v)}\n`);
    break;
  }
  case 'highest-version': {
    let parsed;
    try {
      parsed = JSON.parse(fs.readFileSync(0, 'utf8') || 'null');
    } catch {
      process.exit(1);
    }
    const list = (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (v) => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v),
    );
    if (list.length === 0) process.exit(1);
    process.stdout.write(list.sort(compareVersions)[list.length - 1]);
    break;
  }
  default:
    process.stderr.write(`unknown query ${query}\n`);
    process.exit(2);
}
