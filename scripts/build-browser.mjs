// Builds the browser page (npm run build:browser): dist/browser/index.html + circuitspec.js, one self-contained
// script (tfjs, its wasm binaries and circuitspec's data/ inside) that runs from disk or any static server.
// Node's built-ins are replaced by the page's in-memory file system (src/browser/shims).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/browser');
const shim = (f) => join(root, 'src/browser/shims', f);
const SHIMS = {
  fs: shim('fs.ts'), 'fs/promises': shim('fs-promises.ts'), path: shim('path.ts'), crypto: shim('crypto.ts'),
  url: shim('misc.ts'), module: shim('misc.ts'), os: shim('misc.ts'), child_process: shim('misc.ts'), v8: shim('misc.ts'),
  worker_threads: shim('misc.ts'),
};

function filesUnder(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

const page = {
  name: 'circuitspec-page',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|crypto|url|module|os|child_process|v8|worker_threads)$/ }, (a) => ({ path: SHIMS[a.path.replace(/^node:/, '')] }));
    b.onResolve({ filter: /^circuitspec:data$/ }, () => ({ path: 'data', namespace: 'circuitspec' }));
    b.onLoad({ filter: /.*/, namespace: 'circuitspec' }, () => {
      const files = Object.fromEntries(filesUnder(join(root, 'data')).map((f) => [relative(root, f), readFileSync(f, 'utf8')]));
      const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      files['package.json'] = JSON.stringify({ name, version });
      return { contents: JSON.stringify(files), loader: 'json' };
    });
  },
};

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'src/browser/main.ts')],
  outfile: join(out, 'circuitspec.js'),
  bundle: true,
  format: 'iife', // a classic script: module scripts do not load from file://
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  inject: [shim('globals.ts')],
  // packageRoot() walks up from here to the page's copy of package.json and data/.
  define: { 'import.meta.url': '"file:///circuitspec/src/browser/main.js"' },
  loader: { '.wasm': 'binary' },
  plugins: [page],
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/browser/index.html'), join(out, 'index.html'));
console.log(`built ${relative(process.cwd(), out)}/index.html`);
