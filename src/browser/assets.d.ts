/** Modules the page build (scripts/build-browser.mjs) provides: wasm binaries as bytes, circuitspec's data/. */
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
declare module 'circuitspec:data' {
  /** Path under the package root ('data/ioi/ioi-vocabulary.json', 'package.json') → text. */
  const files: Record<string, string>;
  export default files;
}
