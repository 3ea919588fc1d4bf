/**
 * Type-level JSON Schema → TypeScript, for the subset `schema.ts` uses. The schema is the single source of truth:
 * `Spec` is derived from it, so the two cannot drift.
 */
type Prim<T> = T extends 'string' ? string
  : T extends 'number' | 'integer' ? number
  : T extends 'boolean' ? boolean
  : T extends 'null' ? null
  : unknown;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<P, R> = Simplify<
  { -readonly [K in keyof P & R]: FromSchema<P[K]> } & { -readonly [K in Exclude<keyof P, R>]?: FromSchema<P[K]> }
>;

type RequiredOf<S> = S extends { required: readonly (infer R)[] } ? R : never;

export type FromSchema<S> =
  S extends { const: infer C } ? C
  : S extends { enum: readonly (infer E)[] } ? E
  : S extends { oneOf: readonly (infer U)[] } ? FromSchema<U>
  : S extends { anyOf: readonly (infer U)[] } ? FromSchema<U>
  : S extends { type: 'array'; items: infer I } ? FromSchema<I>[]
  : S extends { type: 'object'; properties: infer P } ? ObjectOf<P, RequiredOf<S>>
  : S extends { type: 'object'; additionalProperties: infer A } ? Record<string, FromSchema<A>>
  : S extends { type: readonly (infer T)[] } ? Prim<T>
  : S extends { type: infer T } ? Prim<T>
  : unknown;
