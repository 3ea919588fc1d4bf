/** Checks spec data against the JSON Schema; turns ajv errors into one readable located line each. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CircuitspecError } from '../errors.js';
import { specSchema } from './schema.js';
import { closest, didYouMean, oneOf } from './suggest.js';
import type { LoadedYaml, Path } from './yaml.js';

/** Several located errors, printed one per line. */
export class SpecErrors extends CircuitspecError {
  constructor(readonly errors: CircuitspecError[]) {
    super(errors.map((e) => e.message).join('; '), errors[0]?.location ?? {});
    this.name = 'SpecErrors';
  }
  override format(): string {
    return this.errors.map((e) => e.format()).join('\n');
  }
}

let validator: ValidateFunction | undefined;
function getValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, discriminator: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addVocabulary(['x-expr']);
    validator = ajv.compile(specSchema);
  }
  return validator;
}

export function validateSpecData(loaded: LoadedYaml): void {
  if (loaded.data === null || typeof loaded.data !== 'object' || Array.isArray(loaded.data)) {
    throw loaded.source.error('a spec must be a YAML map with name, model (or models) and expect', 0);
  }
  const validate = getValidator();
  if (validate(loaded.data)) return;
  const errors = selectErrors(validate.errors ?? []);
  const seen = new Set<string>();
  const out: { offset: number; error: CircuitspecError }[] = [];
  for (const e of errors) {
    const r = describe(e, loaded);
    if (!r) continue;
    const error = loaded.source.error(r.message, r.offset, r.field || undefined);
    const key = error.format();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ offset: r.offset ?? 0, error });
  }
  out.sort((a, b) => a.offset - b.offset);
  throw out.length === 1 ? out[0].error : new SpecErrors(out.map((o) => o.error));
}

const toPath = (instancePath: string): Path =>
  instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Drop errors explained better by others: for an untagged oneOf keep the branch that got furthest. */
function selectErrors(errors: ErrorObject[]): ErrorObject[] {
  const failedOneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const drop = new Set<ErrorObject>();
  for (const o of failedOneOfs) {
    const prefix = o.schemaPath + '/';
    const branchErrors = errors.filter((e) => e.schemaPath.startsWith(prefix));
    const byBranch = new Map<string, ErrorObject[]>();
    for (const e of branchErrors) {
      const b = e.schemaPath.slice(prefix.length).split('/')[0];
      byBranch.set(b, [...(byBranch.get(b) ?? []), e]);
    }
    // A branch "applies" when the value has its shape (no type/const/enum error at the oneOf's own path).
    const applies = [...byBranch.values()].filter(
      (errs) => !errs.some((e) => e.instancePath === o.instancePath && ['type', 'const', 'enum'].includes(e.keyword)),
    );
    if (applies.length === 1) {
      drop.add(o);
      for (const e of branchErrors) if (!applies[0].includes(e)) drop.add(e);
    } else {
      for (const e of branchErrors) drop.add(e);
    }
  }
  return errors.filter((e) => !drop.has(e) && e.keyword !== 'if');
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p as string] : undefined;
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function shapeOf(s: Record<string, unknown>): string {
  if (s.const !== undefined) return `'${String(s.const)}'`;
  if (Array.isArray(s.enum)) return oneOf(s.enum.map((x) => `'${String(x)}'`));
  if (s.type === 'array') return (s.items as Record<string, unknown> | undefined)?.type === 'string' ? 'a list of strings' : 'a list';
  if (s.type === 'object') {
    const req = (s.required as string[] | undefined) ?? [];
    return req.length ? `a map with ${req.join(', ')}` : 'a map';
  }
  if (s.type === 'string' && s.pattern) return "a percentage like '5%'";
  if (s.type === 'integer') return 'an integer';
  return `a ${String(s.type)}`;
}

function describe(e: ErrorObject, loaded: LoadedYaml): { message: string; offset?: number; field: string } | undefined {
  const path = toPath(e.instancePath);
  const field = path.join('.');
  const got = valueAt(loaded.data, path);
  const here = loaded.at(path);
  const offset = here?.value[0];
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((parent?.properties as object | undefined) ?? {});
      const at = loaded.at([...path, key]);
      const hint = closest(key, allowed);
      return {
        message: `unknown field '${key}'${hint ? ` — did you mean '${hint}'?` : ''} (allowed: ${allowed.join(', ')})`,
        offset: at?.key?.[0] ?? offset,
        field: [...path, key].join('.'),
      };
    }
    case 'required':
      return { message: `missing required field '${String(e.params.missingProperty)}'`, offset: here?.key?.[0] ?? offset, field };
    case 'discriminator': {
      const tag = String(e.params.tag);
      const tagValue = valueAt(got, [tag]);
      const values = ((parent?.oneOf as Record<string, Record<string, { const?: string }>>[]) ?? []).map((b) => String(b.properties[tag].const));
      if (tagValue === undefined) return { message: `missing required field '${tag}' (one of ${values.join(', ')})`, offset: here?.key?.[0] ?? offset, field };
      const at = loaded.at([...path, tag]);
      return {
        message: `must be one of ${values.join(', ')} (got ${show(tagValue)})${typeof tagValue === 'string' ? didYouMean(tagValue, values) : ''}`,
        offset: at?.value[0] ?? offset,
        field: [...path, tag].join('.'),
      };
    }
    case 'enum': {
      const values = (e.params.allowedValues as unknown[]).map(String);
      return { message: `must be one of ${values.join(', ')} (got ${show(got)})${typeof got === 'string' ? didYouMean(got, values) : ''}`, offset, field };
    }
    case 'const':
      return { message: `must be '${String(e.params.allowedValue)}' (got ${show(got)})`, offset, field };
    case 'type': {
      const t = Array.isArray(e.params.type) ? oneOf(e.params.type as string[]) : String(e.params.type);
      const word = t === 'object' ? 'a map' : t === 'array' ? 'a list' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
      return { message: `must be ${word} (got ${show(got)})`, offset, field };
    }
    case 'oneOf': {
      const shapes = ((e.schema as Record<string, unknown>[]) ?? []).map(shapeOf);
      return { message: `must be ${oneOf(shapes)} (got ${show(got)})`, offset, field };
    }
    case 'propertyNames':
      return undefined; // reported by its nested `pattern` error, which names the key
    case 'pattern': {
      if (e.params.pattern && typeof e.propertyName === 'string') {
        const at = loaded.at([...path, e.propertyName]);
        return {
          message: `invalid name '${e.propertyName}': names are identifiers (letters, digits and _, not starting with a digit) so expressions can refer to them`,
          offset: at?.key?.[0] ?? offset,
          field,
        };
      }
      const what = String(e.params.pattern).includes('%') ? "a percentage like '5%'" : String(e.params.pattern).includes('GB') ? "a size like '2GB'" : `text matching ${String(e.params.pattern)}`;
      return { message: `must be ${what} (got ${show(got)})`, offset, field };
    }
    case 'maximum':
      if (e.params.limit === Number.MAX_SAFE_INTEGER) return { message: `must be at most 2^53 − 1 = ${Number.MAX_SAFE_INTEGER}: larger integers lose precision (got ${show(got)})`, offset, field };
      return { message: `${e.message ?? 'is too large'} (got ${show(got)})`, offset, field };
    case 'minimum':
    case 'minItems':
      return { message: `${e.message ?? 'is too small'} (got ${Array.isArray(got) ? `${got.length} items` : show(got)})`, offset, field };
    default:
      return { message: e.message ?? `is invalid (${e.keyword})`, offset, field };
  }
}
