import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../schemas')

/** Every checked-in schema, compiled strictly (an unknown keyword or a broken $ref fails here, not silently). */
export function loadSchemas(): {names: string[]; validator(name: string): ValidateFunction} {
  const ajv = new Ajv2020({allErrors: true, strict: true})
  addFormats.default(ajv)
  const names = readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
  for (const f of names) ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8')) as object)
  return {
    names,
    validator(name) {
      const v = ajv.getSchema(`${name}.schema.json`)
      if (!v) throw new Error(`no schema schemas/${name}.schema.json`)
      return v
    },
  }
}

/** Human-readable errors: where in the document, and what the schema wanted. */
export function schemaErrors(v: ValidateFunction): string {
  return (v.errors ?? [])
    .map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n')
}
