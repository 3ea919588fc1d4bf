/** Writes schema/spec.schema.json from `specSchema` (run: npx tsx src/dsl/gen-schema.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { specSchema } from './schema.js';

export function schemaJson(): string {
  return JSON.stringify(specSchema, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = new URL('../../schema/spec.schema.json', import.meta.url);
  writeFileSync(out, schemaJson());
  console.log(`wrote ${fileURLToPath(out)}`);
}
