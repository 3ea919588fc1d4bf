/**
 * The two Node globals the shared code reads: `process` (cwd, env, version for provenance; no `versions.node`,
 * so Node-only paths stay off) and the part of `Buffer` the safetensors reader uses (reading only). Injected by the page build.
 */
class PageBuffer extends Uint8Array {
  static alloc(n: number): PageBuffer {
    return new PageBuffer(n);
  }
  static byteLength(s: string): number {
    return new TextEncoder().encode(s).length;
  }
  readBigUInt64LE(offset = 0): bigint {
    return new DataView(this.buffer, this.byteOffset, this.byteLength).getBigUint64(offset, true);
  }
  writeBigUInt64LE(v: bigint, offset = 0): number {
    new DataView(this.buffer, this.byteOffset, this.byteLength).setBigUint64(offset, v, true);
    return offset + 8;
  }
  override toString(enc?: string): string {
    if (enc && enc !== 'utf8' && enc !== 'utf-8') throw new Error(`Buffer encoding ${enc} is not available in the page`);
    return new TextDecoder().decode(this);
  }
}

export const process = {
  env: {} as Record<string, string | undefined>,
  cwd: () => '/',
  version: 'browser',
  versions: {} as Record<string, string>,
  platform: 'browser',
  arch: typeof navigator !== 'undefined' ? navigator.userAgent : '',
};
export { PageBuffer as Buffer };
