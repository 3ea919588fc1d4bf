/**
 * YAML → plain data, remembering where every value and key sits in the file. Fields the schema marks `x-expr` are
 * taken as their source text (`heads: 13.10` must not become the number 13.1; `{12.3, 13.13}` is not a map).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, type Node } from 'yaml';
import { SourceText } from './source.js';

export type Path = (string | number)[];
interface Ranges { value: [number, number]; key?: [number, number] }
type SchemaNode = Record<string, unknown> | undefined;

export interface LoadedYaml {
  data: unknown;
  source: SourceText;
  /** Offsets of the value (and of its key, for map entries) at a path. */
  at(path: Path): Ranges | undefined;
  /** Offset of the source text of an x-expr field's first character (for quoted scalars, after the quote). */
  exprStart(path: Path): number | undefined;
}

const keyOf = (path: Path) => path.join('\u0000');

/**
 * Limits on the converted data. The yaml library's own alias limit (maxAliasCount) applies only to its toJS, which
 * this converter replaces: without a cap, nine nested anchors of nine aliases each expand to 9^9 values (a YAML
 * "billion laughs") and hang the process. Real specs hold a few thousand values and nest a dozen levels.
 */
export const MAX_YAML_VALUES = 100_000;
export const MAX_YAML_DEPTH = 64;

export function loadYaml(file: string, text: string, schema: SchemaNode): LoadedYaml {
  const source = new SourceText(file, text);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const offset = err.pos[0];
    const hint = /flow|Implicit keys|Nested mappings/i.test(err.message) && /:\s*\{/.test(lineAt(text, offset))
      ? " (a value starting with '{' is a YAML map: quote the expression)"
      : '';
    throw source.error(`invalid YAML: ${err.message.split('\n')[0]}${hint}`, offset);
  }
  const ranges = new Map<string, Ranges>();
  const exprStarts = new Map<string, number>();

  let values = 0;
  const convert = (node: Node | null | undefined, path: Path, schema: SchemaNode): unknown => {
    if (node === null || node === undefined) return null;
    if (++values > MAX_YAML_VALUES) {
      throw source.error(`the YAML expands to more than ${MAX_YAML_VALUES} values (aliases repeating aliases?)`, node.range?.[0]);
    }
    if (path.length > MAX_YAML_DEPTH) throw source.error(`the YAML nests more than ${MAX_YAML_DEPTH} levels deep`, node.range?.[0]);
    if (node.range) ranges.set(keyOf(path), { value: [node.range[0], node.range[1]] });
    if (isAlias(node)) {
      const target = node.resolve(doc) as Node | undefined;
      if (!target) throw source.error(`unknown alias *${node.source}`, node.range?.[0]);
      return convert(target, path, schema);
    }
    if (schema && schema['x-expr'] && node.range) {
      exprStarts.set(keyOf(path), exprOffset(node, text));
      if (isScalar(node) && typeof node.value === 'string') return node.value;
      return text.slice(node.range[0], node.range[1]).trim();
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const tagName = discriminatorOf(schema);
      const tagValue = tagName ? node.get(tagName) : undefined;
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const childPath = [...path, key];
        out[key] = convert(pair.value as Node, childPath, childSchema(schema, key, tagValue, 'map'));
        if (keyNode.range) {
          const keyRange: [number, number] = [keyNode.range[0], keyNode.range[1]];
          // An empty value (`key:`) is located at its key.
          ranges.set(keyOf(childPath), { value: ranges.get(keyOf(childPath))?.value ?? [keyRange[1], keyRange[1]], key: keyRange });
        }
      }
      return out;
    }
    if (isSeq(node)) return node.items.map((item, i) => convert(item as Node, [...path, i], childSchema(schema, i, undefined, 'seq')));
    if (isScalar(node)) return (node as Scalar).value;
    return null;
  };

  const data = convert(doc.contents as Node, [], schema);
  return {
    data,
    source,
    at: (path) => ranges.get(keyOf(path)),
    exprStart: (path) => exprStarts.get(keyOf(path)),
  };
}

function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end < 0 ? text.length : end);
}

function exprOffset(node: Node, text: string): number {
  const start = node.range![0];
  if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) return start + 1;
  if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) {
    // The content starts on the line after the `|`/`>` header, after its indentation.
    const nl = text.indexOf('\n', start);
    let i = nl + 1;
    while (text[i] === ' ') i++;
    return i;
  }
  return start;
}

function discriminatorOf(schema: SchemaNode): string | undefined {
  const d = schema?.discriminator as { propertyName?: string } | undefined;
  return d?.propertyName;
}

/** The schema of a child, following properties/additionalProperties/items and picking a oneOf branch. */
function childSchema(schema: SchemaNode, key: string | number, tagValue: unknown, kind: 'map' | 'seq'): SchemaNode {
  const s = branch(schema, tagValue, kind);
  if (!s) return undefined;
  if (kind === 'seq') return s.items as SchemaNode;
  const props = s.properties as Record<string, SchemaNode> | undefined;
  if (props && typeof key === 'string' && props[key]) return props[key];
  return typeof s.additionalProperties === 'object' ? (s.additionalProperties as SchemaNode) : undefined;
}

function branch(schema: SchemaNode, tagValue: unknown, kind: 'map' | 'seq'): SchemaNode {
  const oneOf = schema?.oneOf as SchemaNode[] | undefined;
  if (!oneOf) return schema;
  const tag = discriminatorOf(schema);
  if (tag) {
    return oneOf.find((b) => {
      const p = (b?.properties as Record<string, Record<string, unknown>>)[tag];
      return p?.const === tagValue || (Array.isArray(p?.enum) && p.enum.includes(tagValue));
    });
  }
  const want = kind === 'map' ? 'object' : 'array';
  return oneOf.find((b) => b?.type === want);
}
