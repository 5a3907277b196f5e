/**
 * Corrections to the generated document where one zod schema means two things on the wire. They work on
 * the document, not on the schemas, so the zod schema stays the one source of every shape.
 */

type Json = Record<string, unknown>;
type Schema = Json & { $ref?: string; properties?: Record<string, Json>; required?: string[] };
interface Doc {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Schema> };
}

const REF = '#/components/schemas/';
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function visit(node: unknown, fn: (n: Json) => void): void {
  if (Array.isArray(node)) for (const n of node) visit(n, fn);
  else if (isObject(node)) {
    fn(node);
    for (const v of Object.values(node)) visit(v, fn);
  }
}

function refsIn(node: unknown): string[] {
  const out: string[] = [];
  visit(node, (n) => {
    if (typeof n.$ref === 'string' && n.$ref.startsWith(REF)) out.push(n.$ref.slice(REF.length));
  });
  return out;
}

/** The components a set of roots reaches, directly or through other components. */
function closure(doc: Doc, roots: unknown[]): Set<string> {
  const seen = new Set<string>();
  const queue = roots.flatMap(refsIn);
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !doc.components.schemas[name]) continue;
    seen.add(name);
    queue.push(...refsIn(doc.components.schemas[name]));
  }
  return seen;
}

/** A query string carries text: "null" is not a value it can hold, whatever the schema's type says. */
function queryTypesWithoutNull(doc: Doc): void {
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      for (const p of (op.parameters as Json[] | undefined) ?? []) {
        const schema = p.schema as Json | undefined;
        if (p.in !== 'query' || !schema || !Array.isArray(schema.type)) continue;
        const types = (schema.type as string[]).filter((t) => t !== 'null');
        schema.type = types.length === 1 ? types[0] : types;
      }
    }
  }
}

/**
 * A field with a default is optional in a request but always present in a response. A component used on
 * both sides is split: requests refer to `<Name>Input` (defaults optional), responses to `<Name>` (defaulted
 * fields required), so a generated client neither demands `max_reassignments` nor doubts it comes back.
 */
function splitDefaults(doc: Doc): void {
  const schemas = doc.components.schemas;
  const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops));
  const requestSide = operations.map((op) => [op.parameters, op.requestBody]);
  const responseSide = operations.map((op) => op.responses);
  const inputs = closure(doc, requestSide);
  const outputs = closure(doc, responseSide);

  const defaulted = new Set<string>();
  for (const name of Object.keys(schemas)) {
    let found = false;
    visit(schemas[name], (n) => {
      if ('default' in n) found = true;
    });
    if (found) defaulted.add(name);
  }
  // A component that refers to a defaulted one carries defaults too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of Object.keys(schemas)) {
      if (defaulted.has(name) || !refsIn(schemas[name]).some((r) => defaulted.has(r))) continue;
      defaulted.add(name);
      grew = true;
    }
  }
  const split = new Set([...inputs].filter((n) => outputs.has(n) && defaulted.has(n)));
  const toInput = (node: unknown) =>
    visit(node, (n) => {
      if (typeof n.$ref === 'string' && split.has(n.$ref.slice(REF.length))) n.$ref = `${n.$ref}Input`;
    });

  for (const name of split) schemas[`${name}Input`] = structuredClone(schemas[name]!);
  for (const name of inputs) toInput(split.has(name) ? schemas[`${name}Input`] : schemas[name]);
  for (const root of requestSide) toInput(root);

  for (const root of [...[...outputs].map((n) => schemas[n]), ...responseSide]) {
    visit(root, (n) => {
      const props = n.properties as Record<string, Json> | undefined;
      if (!isObject(props)) return;
      const always = Object.keys(props).filter((k) => 'default' in props[k]!);
      for (const k of always) delete props[k]!.default;
      if (always.length) n.required = [...new Set([...((n.required as string[] | undefined) ?? []), ...always])];
    });
  }
}

export function correctShapes<T>(document: T): T {
  const doc = document as unknown as Doc;
  queryTypesWithoutNull(doc);
  splitDefaults(doc);
  return document;
}
