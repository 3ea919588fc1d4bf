/**
 * Receiver sites: where pass 2 writes the receivers' patched values, and which senders can reach them.
 * A sender of layer l reaches a head's q/k/v/z or resid_pre of layer m only when l < m; resid_mid and resid_post
 * of layer m include layer m's own heads (l ≤ m). resid_post of layer m is resid_pre of layer m + 1, so it is
 * patched there (or on the final residual, 'final', for the last layer).
 */
import type { ModelConfig } from '../../model/index.js';
import type { PathPatchReceivers } from '../../experiments/types.js';

export interface Site {
  /** Hook name patched in pass 2 ('final': the residual before ln_final). */
  name: string;
  /** Block where the patch enters (nLayers for 'final'). */
  layer: number;
  kind: 'q' | 'k' | 'v' | 'z' | 'resid';
  heads: number[];
  /** True for resid_post receivers: their value includes Δ after the MLP of layer − 1. */
  deltaAfterMlp: boolean;
  reach(senderLayer: number): boolean;
  /** Clean activations captured at the pairs (the site's base or clean values; resid_pre for head inputs). */
  rowNames: string[];
  /** Clean activations captured whole (z receivers read every key and value of their layer). */
  wholeNames: string[];
}

export function sites(r: PathPatchReceivers, c: Pick<ModelConfig, 'nLayers'>): Site[] {
  if (r === 'logits') return [];
  if ('resid' in r) {
    const m = r.layer;
    if (r.resid === 'resid_post') {
      const name = m + 1 < c.nLayers ? `blocks.${m + 1}.hook_resid_pre` : 'final';
      return [{ name, layer: m + 1, kind: 'resid', heads: [], deltaAfterMlp: true, reach: (l) => l <= m, rowNames: [`blocks.${m}.hook_resid_post`], wholeNames: [] }];
    }
    const name = `blocks.${m}.hook_${r.resid}`;
    const reach = r.resid === 'resid_pre' ? (l: number) => l < m : (l: number) => l <= m;
    return [{ name, layer: m, kind: 'resid', heads: [], deltaAfterMlp: false, reach, rowNames: [name], wholeNames: [] }];
  }
  const byLayer = new Map<number, number[]>();
  for (const h of r.heads) byLayer.set(h.layer, [...new Set([...(byLayer.get(h.layer) ?? []), h.head])].sort((a, b) => a - b));
  return [...byLayer.entries()].sort((a, b) => a[0] - b[0]).map(([m, heads]) => ({
    name: `blocks.${m}.attn.hook_${r.input}`,
    layer: m,
    kind: r.input,
    heads,
    deltaAfterMlp: false,
    reach: (l: number) => l < m,
    rowNames: [`blocks.${m}.attn.hook_${r.input}`, `blocks.${m}.hook_resid_pre`],
    wholeNames: r.input === 'z' ? [`blocks.${m}.attn.hook_k`, `blocks.${m}.attn.hook_v`] : [],
  }));
}

/** No site in the last block (or after it): a suffix rerun need run that block only at END (suffixRerunEnds). */
export function lastBlockUnpatched(S: Site[], nLayers: number): boolean {
  return S.every((s) => s.layer < nLayers - 1);
}

/**
 * A suffix rerun of `rows` rows × P positions through blocks from..L−1, in forward positions: every block at every
 * position, except an entry block of head receivers (entry-block.ts: its MLP, 8 of a block's 12·d² multiply-adds
 * per position) and an unpatched last block run at END only but for its queries, keys and values (3 of 12).
 */
export function rerunPositions(rows: number, P: number, from: number, L: number, o: { endsOnly: boolean; entry: boolean }): number {
  return (rows * (P * (L - from) - (o.entry ? P / 3 : 0) - (o.endsOnly ? (3 / 4) * (P - 1) : 0))) / L;
}
