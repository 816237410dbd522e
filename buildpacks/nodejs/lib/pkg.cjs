// node pkg.cjs PACKAGE_JSON QUERY [ARG]: small questions about package.json,
// answered on stdout, for the shell scripts in bin/.
//   engines-node              engines.node or nothing
//   engines-npm               engines.npm or nothing
//   has-script NAME           "yes" or "no"
//   engines-satisfied VERSION exit 0 when VERSION's major matches a plain
//                             "N", "N.x", ">=N" or "^N" range (else 1)
'use strict';
const fs = require('fs');

const [file, query, arg] = process.argv.slice(2);
let pkg;
try {
  pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  process.stderr.write(`cannot read ${file}: ${err.message}\n`);
  process.exit(2);
}

switch (query) {
  case 'engines-node': {
    const v = pkg && pkg.engines && pkg.engines.node;
    process.stdout.write(typeof v === 'string' ? v : '');
    break;
  }
  case 'engines-npm': {
    const v = pkg && pkg.engines && pkg.engines.npm;
    process.stdout.write(typeof v === 'string' ? v : '');
    break;
  }
  case 'has-script': {
    const s = pkg && pkg.scripts && pkg.scripts[arg];
    process.stdout.write(typeof s === 'string' && s.trim() !== '' ? 'yes' : 'no');
    break;
  }
  case 'engines-satisfied': {
    const want = String((pkg.engines && pkg.engines.node) || '').trim();
    const major = Number(String(arg).replace(/^v/, '').split('.')[0]);
    let m;
    if ((m = /^\^?~?(\d+)(\.[\dx*]+)*$/.exec(want))) process.exit(Number(m[1]) === major ? 0 : 1);
    if ((m = /^>=\s*(\d+)/.exec(want))) process.exit(major >= Number(m[1]) ? 0 : 1);
    process.exit(0); // a range we do not judge
  }
  default:
    process.stderr.write(`unknown query ${query}\n`);
    process.exit(2);
}
