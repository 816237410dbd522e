// The static buildpack's web server: serve-handler (the file server of
// Vercel's `serve`, vendored from the npm registry) on node's http, on $PORT.
// Settings come from static.json at the app's root (Heroku's convention):
//   root        folder to serve, inside the app (default: the app's root)
//   clean_urls  /about serves about.html
//   routes      {"/**": "index.html"}: rewrites (single-page apps)
//   headers     {"/assets/**": {"Cache-Control": "max-age=31536000"}}
//   error_page  the 404 page (default: 404.html in root)
// Hidden files (.profile.d, .heroku, ...), static.json and Procfile are
// never served.
//   node server.cjs                 serve /app (or STATIC_APP_DIR)
//   node server.cjs --check DIR     validate DIR/static.json and exit
'use strict';
const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stderr.write(`static.json: ${message}\n`);
  process.exit(1);
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** static.json -> serve-handler options; exits with a message when invalid. */
function loadSettings(appDir) {
  let conf = {};
  try {
    conf = JSON.parse(fs.readFileSync(path.join(appDir, 'static.json'), 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') fail(err.message);
  }
  if (!isObject(conf)) fail('must be a JSON object');
  const root = path.resolve(appDir, typeof conf.root === 'string' ? conf.root : '.');
  if (root !== appDir && !root.startsWith(appDir + path.sep)) fail(`root "${conf.root}" is outside the app`);
  if (conf.routes !== undefined && !isObject(conf.routes)) fail('routes must be an object of "pattern": "file"');
  if (conf.headers !== undefined && !isObject(conf.headers))
    fail('headers must be an object of "pattern": {header: value}');
  if (conf.error_page !== undefined && typeof conf.error_page !== 'string') fail('error_page must be a file name');
  const rewrites = Object.entries(conf.routes || {}).map(([source, destination]) => {
    if (typeof destination !== 'string') fail(`routes["${source}"] must be a file name`);
    return { source, destination: destination.startsWith('/') ? destination : `/${destination}` };
  });
  const headers = Object.entries(conf.headers || {}).map(([source, values]) => {
    if (!isObject(values)) fail(`headers["${source}"] must be an object`);
    return { source, headers: Object.entries(values).map(([key, value]) => ({ key, value: String(value) })) };
  });
  const errorPage = conf.error_page ? path.resolve(root, conf.error_page) : undefined;
  return {
    root,
    errorPage,
    options: {
      public: root,
      cleanUrls: conf.clean_urls === true,
      rewrites,
      headers,
      directoryListing: false,
      etag: true,
    },
  };
}

function hidden(url) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return true;
  }
  const parts = pathname.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') && p !== '.well-known')) return true;
  return parts.length === 1 && (parts[0] === 'static.json' || parts[0] === 'Procfile');
}

/**
 * A directory's index.html (serve-handler only finds it with cleanUrls):
 * "/docs" redirects to "/docs/", "/docs/" serves docs/index.html. Returns
 * the URL to hand serve-handler, or a redirect target.
 */
function directoryIndex(root, url) {
  let parsed;
  try {
    parsed = new URL(url, 'http://x');
    const dir = path.join(root, decodeURIComponent(parsed.pathname));
    if (!dir.startsWith(root) || !fs.statSync(dir).isDirectory()) return { url };
    if (!fs.statSync(path.join(dir, 'index.html')).isFile()) return { url };
  } catch {
    return { url };
  }
  // One leading slash: "//host/" would send the browser to another site.
  if (!parsed.pathname.endsWith('/')) return { redirect: `/${parsed.pathname.replace(/^\/+/, '')}/${parsed.search}` };
  return { url: `${parsed.pathname}index.html${parsed.search}` };
}

function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--check') {
    const s = loadSettings(path.resolve(args[1] || '.'));
    process.stdout.write(`static.json: serving ${path.relative(path.resolve(args[1] || '.'), s.root) || '.'}\n`);
    return;
  }
  const handler = require('serve-handler');
  const http = require('http');
  const appDir = path.resolve(process.env.STATIC_APP_DIR || '/app');
  const s = loadSettings(appDir);
  const default404 = path.join(s.root, '404.html');
  const mapped = (p) => (s.errorPage && p === default404 ? s.errorPage : p);
  const methods = {
    lstat: (p) => fs.promises.lstat(mapped(p)),
    createReadStream: (p, opts) => fs.createReadStream(mapped(p), opts),
  };
  const port = Number(process.env.PORT || 5000);
  const server = http.createServer((req, res) => {
    if (hidden(req.url || '/')) req.url = '/.paas-not-found';
    const index = directoryIndex(s.root, req.url || '/');
    if (index.redirect) return void res.writeHead(301, { Location: index.redirect }).end();
    req.url = index.url;
    handler(req, res, s.options, methods).catch((err) => {
      process.stderr.write(`static: ${err.message}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.listen(port, '0.0.0.0', () => process.stdout.write(`static: serving ${s.root} on port ${port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
