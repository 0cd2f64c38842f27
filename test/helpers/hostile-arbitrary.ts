// fast-check arbitraries for hostile request bodies, URLs and headers (issue 5). Each one is
// built to be refused: a valid document with at least one fault no field accepts (a non-finite
// number, a wrong type, a ragged row, an unknown key), or something that is no document at all.
// Bodies are text, so they can carry what JSON.stringify never writes: 1e999, NaN, a BOM.
import fc from 'fast-check';

/** Body text written verbatim. */
export class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

/** JSON text of `value`, with Raw parts as they are and every own key (even `__proto__`) kept. */
export function render(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(render).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

type Path = (string | number)[];

/** A copy of `doc` with the value at `path` replaced (or, for a new key, added as an own key). */
export function setAt(doc: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(doc) ? [...doc] : { ...(doc as object) };
  Object.defineProperty(copy, head!, {
    value: setAt(copy[head!], rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

const getAt = (doc: any, path: Path): any => path.reduce((at, key) => at?.[key], doc);

/** Numbers no field takes: non-finite (as raw JSON and as strings), negative, past every maximum. */
export const nonFinite = fc.constantFrom(
  raw('1e999'),
  raw('-1e999'),
  raw('NaN'),
  raw('Infinity'),
  raw('-Infinity'),
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1e999',
);
const badNumber = fc.oneof(
  nonFinite,
  fc.constantFrom(-1, -0.5, -1e308, 1e308, -(2 ** 53), 2 ** 64),
  fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true }),
);
/** Not JSON at all. */
const notJson = fc.constantFrom(
  raw('undefined'),
  raw("'a'"),
  raw('0x10'),
  raw('01'),
  raw('.5'),
  raw('+1'),
  raw('1.'),
  raw('"\\x"'),
  raw('"\u0000"'),
  raw('"unterminated'),
  raw('[1,]'),
  raw('{"a":1,}'),
  raw(''),
);
const longString = fc.integer({ min: 1000, max: 20_000 }).map((n) => 'A'.repeat(n));
/** `[[[…]]]` and `{"a":{"a":…}}` thousands deep. */
export const deep = fc
  .tuple(fc.integer({ min: 64, max: 5000 }), fc.boolean())
  .map(([n, list]) =>
    raw(list ? '['.repeat(n) + ']'.repeat(n) : `${'{"a":'.repeat(n)}null${'}'.repeat(n)}`),
  );
/** Keys that reach prototypes, and keys no schema has. */
export const strangeKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.string({ maxLength: 12 }).map((s) => `x-${s}`),
);
const protoValue = fc.constantFrom(
  raw('{"__proto__":{"admin":true}}'),
  raw('{"constructor":{"prototype":{"admin":true}}}'),
  raw('{"\\u005f\\u005fproto__":{}}'),
);

/** A wrong value for any scalar field of the specs: wrong types, bad numbers, junk text. */
export const junkScalar = fc.oneof(
  badNumber,
  notJson,
  fc.constantFrom(null, true, false, '', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }).map((s) => `~${s}`),
  longString,
);
/** Finite doubles that are Infinity as float32, the type data and models are kept in. */
const past32Bits = fc.oneof(
  fc.constantFrom(1e300, -1e39, 3.5e38, Number.MAX_VALUE),
  fc.double({ min: 3.5e38, noDefaultInfinity: true, noNaN: true }),
);

/** What no number field takes: junk that is not a finite JSON number or not a float32. */
export const notANumber = fc.oneof(
  nonFinite,
  past32Bits,
  notJson,
  fc.constantFrom(null, true, false, '', '0', '1', [], {}, [1]),
  fc.string({ maxLength: 12 }).map((s) => `~${s}`),
  longString,
  deep,
  protoValue,
);
/** A wrong value for any field: scalars, lists and objects, deep nesting. */
export const junk = fc.oneof(
  { weight: 4, arbitrary: junkScalar },
  { weight: 1, arbitrary: fc.array(junkScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(strangeKey, junkScalar, { minKeys: 1, maxKeys: 3 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: protoValue },
);
/** A wrong value for a field that holds an object or a list (`{}` is a valid `training`). */
const junkForContainer = fc.oneof(junkScalar, deep, fc.array(junkScalar, { maxLength: 3 }));

/** One fault, and where. */
export type Fault = (doc: unknown) => unknown;

/** Replace a leaf with a `wrong` value, replace an object, add an unknown or prototype key. */
export function faults(
  leaves: Path[],
  containers: Path[],
  wrong: fc.Arbitrary<unknown> = junk,
): fc.Arbitrary<Fault> {
  const replaced = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...leaves), wrong) },
    ...(containers.length > 0
      ? [{ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...containers), junkForContainer) }]
      : []),
  );
  // A key on a list would not survive rendering (and `constructor` on one breaks Array#map): it
  // goes on the nearest object holding the list, a list an earlier fault may have put in a list.
  const added = fc
    .tuple(fc.constantFrom([], ...containers), strangeKey, fc.oneof(junk, fc.nat()))
    .map(([path, key, value]): [Path, unknown] => [[...path, key], value]);
  return fc
    .oneof({ weight: 3, arbitrary: replaced }, { weight: 1, arbitrary: added })
    .map(([path, value]) => (doc: unknown) => {
      const key = path.at(-1)!;
      let at = path.slice(0, -1);
      while (typeof key === 'string' && at.length > 0 && Array.isArray(getAt(doc, at)))
        at = at.slice(0, -1);
      return setAt(doc, [...at, key], value);
    });
}

// An earlier fault may have put something else there: that one already breaks the document.
function changeList(doc: unknown, path: Path, change: (list: unknown[]) => unknown[]): unknown {
  const list = getAt(doc, path);
  return Array.isArray(list) ? setAt(doc, path, change(list)) : doc;
}

/**
 * Rows made ragged: a row (never row 0, whose width the others must match) gets a width other
 * than row 0's, or a list loses its first entry. Repeated, they never cancel out.
 */
export function shapeFaults(rows: Path[], lists: Path[]): fc.Arbitrary<Fault> {
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...rows), fc.constantFrom(-1, 1, 3))
      .map(([path, change]) => (doc: unknown) => {
        const width = getAt(doc, [...path.slice(0, -1), 0])?.length ?? 1;
        return changeList(doc, path, () => Array(Math.max(0, width + change)).fill(0.5));
      }),
    fc
      .constantFrom(...lists)
      .map((path) => (doc: unknown) => changeList(doc, path, (list) => list.slice(1))),
  );
}

/** A document with one to three faults, rendered; sometimes behind a BOM or padded with space. */
export function faulty(doc: unknown, fault: fc.Arbitrary<Fault>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fault, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '\uFEFF', ' \n'))
    .map(([fs, lead]) => lead + render(fs.reduce((d, f) => f(d), doc)));
}

/** What is not an object at the top: random JSON, bare values, broken and deep text. */
export const notAnObject = fc.oneof(
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((v) => typeof v !== 'object' || Array.isArray(v) || !v)
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
  junkScalar.map(render),
  deep.map(render),
);

/** Text of a form field a route does not take: a 413 when past the limit. */
export const oversized = (limit: number) =>
  fc
    .integer({ min: limit + 1, max: limit * 3 })
    .map((n) => `{"inputs":[[${'1,'.repeat(Math.floor(n / 2))}1]]}`);

/** Path segments: junk text, bad percent-encoding, too long, prototype and Redis-looking names. */
export function idSegment(foreign: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 70 }).map(encodeURIComponent),
    fc.constantFrom(
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '%2F',
      '%C0%AF',
      '%ED%A0%80',
      '%FF%FE',
      'a%20b',
      '~',
      '*',
      '%2A',
      '%3F',
      '[a-z]',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'prototype',
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    ),
    fc.constantFrom(65, 100, 101, 1000, 8000).map((n) => 'x'.repeat(n)),
    ...(foreign.length > 0 ? [fc.constantFrom(...foreign).map(encodeURIComponent)] : []),
  );
}

/** A character fetch sends in a header: tab, 0x20-0x7e and 0x80-0xff (no controls, no breaks). */
export const headerChar = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 1, arbitrary: fc.constant(0x09) },
  )
  .map((code) => String.fromCharCode(code));
/** Header text: what a hostile client can put in Authorization or Cookie through fetch. */
export const headerText = (maxLength: number) => fc.string({ unit: headerChar, maxLength });

/** Every path into `doc` (the root too). */
function pathsOf(doc: unknown, at: Path = []): Path[] {
  if (typeof doc !== 'object' || doc === null) return [at];
  const keys = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  return [at, ...keys.flatMap((k) => pathsOf((doc as any)[k], [...at, k]))];
}

// Values at the edges of what the schemas take: float32's limit, unsafe integers, -0, long ids.
const edgy = fc.constantFrom<unknown>(
  3.4028234663852886e38,
  3.5e38,
  -3.5e38,
  -0,
  0.5,
  -1,
  2 ** 53,
  '',
  'FP32',
  'input',
  'a'.repeat(64),
  'a'.repeat(65),
  'a:b',
  null,
  [],
  {},
  [[1, 2]],
  [1, 2],
  true,
);
const anyValue = fc.oneof(edgy, fc.jsonValue({ maxDepth: 2 }));

/** `base` changed at one to three places: a value replaced, a key added or removed. */
export function mutated(base: unknown) {
  const paths = pathsOf(base);
  const change = fc.tuple(
    fc.constantFrom(...paths),
    anyValue,
    fc.constantFrom('set', 'add', 'drop'),
  );
  return fc.array(change, { minLength: 0, maxLength: 3 }).map((changes) => {
    let doc = base;
    for (const [path, value, how] of changes) {
      if (how === 'set') doc = setAt(doc, path, value);
      else if (how === 'add') doc = setAt(doc, [...path, 'extra'], value);
      else if (path.length > 0) doc = setAt(doc, path, undefined);
    }
    return JSON.parse(JSON.stringify(doc) ?? 'null') as unknown; // as the JSON parser hands it over
  });
}
