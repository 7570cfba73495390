// Carries a structured-cloned value across the harness's two wires (a Playwright binding from a
// page to the app process, and page.evaluate back), neither of which keeps Map, Set, BigInt,
// undefined in arrays, typed arrays or shared references. Each side first runs its own
// `structuredClone` (Chromium's in the page, V8's in the app process, as Electron's IPC uses), so
// what cannot be cloned fails there with the browser's or Node's own DataCloneError; these two
// functions then only move what a structured clone can hold, as plain JSON.
//
// Both functions are also run in the page (their source is injected with Function.toString), so
// they must not use anything from outside their own bodies.

export type Encoded = unknown;

/** Encodes the result of structuredClone as JSON-safe data; throws on anything else. */
export function encodeClone(root: unknown): Encoded {
  const seen = new Map<object, number>();
  const visit = (value: unknown): Encoded => {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
    if (typeof value === 'number') {
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $: 'num', v: Object.is(value, -0) ? '-0' : String(value) };
    }
    if (value === undefined) return { $: 'undef' };
    if (typeof value === 'bigint') return { $: 'big', v: value.toString() };
    if (typeof value !== 'object') {
      throw new Error(`An object could not be cloned (${typeof value}).`);
    }
    const known = seen.get(value);
    if (known !== undefined) return { $: 'ref', id: known };
    const id = seen.size;
    seen.set(value, id);
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    if (Array.isArray(value)) {
      const items: Encoded[] = [];
      for (let i = 0; i < value.length; i++) items.push(visit(value[i]));
      return { $: 'arr', id, v: items };
    }
    if (tag === 'Date') return { $: 'date', id, v: (value as Date).getTime() };
    if (tag === 'RegExp') {
      return { $: 're', id, s: (value as RegExp).source, f: (value as RegExp).flags };
    }
    if (tag === 'Map') {
      const entries: Encoded[] = [];
      for (const [k, v] of value as Map<unknown, unknown>) entries.push([visit(k), visit(v)]);
      return { $: 'map', id, v: entries };
    }
    if (tag === 'Set') {
      const items: Encoded[] = [];
      for (const v of value as Set<unknown>) items.push(visit(v));
      return { $: 'set', id, v: items };
    }
    if (tag === 'Error' || value instanceof Error) {
      const error = value as Error & { cause?: unknown };
      return {
        $: 'err',
        id,
        name: error.name,
        message: error.message,
        stack: error.stack,
        ...('cause' in error ? { cause: visit(error.cause) } : {}),
      };
    }
    if (tag === 'ArrayBuffer') {
      return { $: 'buf', id, v: Array.from(new Uint8Array(value as ArrayBuffer)) };
    }
    if (ArrayBuffer.isView(value)) {
      const view = value as ArrayBufferView;
      const length = 'length' in view ? (view as Uint8Array).length : view.byteLength;
      return {
        $: 'view',
        id,
        t: tag,
        b: visit(view.buffer),
        o: view.byteOffset,
        l: length,
      };
    }
    if (tag === 'Boolean' || tag === 'Number' || tag === 'String' || tag === 'BigInt') {
      return { $: 'box', id, t: tag, v: visit((value as { valueOf(): unknown }).valueOf()) };
    }
    if (tag !== 'Object') {
      // A host object a structured clone can hold (a Blob, an ImageData...): Electron refuses
      // DOM objects over IPC, and the harness has no way to carry them.
      throw new Error(`An object could not be cloned (${tag}).`);
    }
    const entries: Encoded[] = [];
    for (const key of Object.keys(value)) {
      entries.push([key, visit((value as Record<string, unknown>)[key])]);
    }
    return { $: 'obj', id, v: entries };
  };
  return visit(root);
}

/** Rebuilds what encodeClone encoded. */
export function decodeClone(root: Encoded): unknown {
  const made = new Map<number, unknown>();
  const constructors: Record<string, unknown> = {
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    DataView,
  };
  const errorTypes: Record<string, ErrorConstructor> = {
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
  };
  const visit = (node: Encoded): unknown => {
    if (node === null || typeof node !== 'object') return node;
    const tagged = node as { $: string; id: number; v: unknown; [key: string]: unknown };
    switch (tagged.$) {
      case 'num':
        return tagged.v === '-0' ? -0 : Number(tagged.v);
      case 'undef':
        return undefined;
      case 'big':
        return BigInt(tagged.v as string);
      case 'ref':
        return made.get(tagged.id);
      case 'arr': {
        const array: unknown[] = [];
        made.set(tagged.id, array);
        for (const item of tagged.v as Encoded[]) array.push(visit(item));
        return array;
      }
      case 'date': {
        const date = new Date(tagged.v as number);
        made.set(tagged.id, date);
        return date;
      }
      case 're': {
        const regexp = new RegExp(tagged['s'] as string, tagged['f'] as string);
        made.set(tagged.id, regexp);
        return regexp;
      }
      case 'map': {
        const map = new Map<unknown, unknown>();
        made.set(tagged.id, map);
        for (const [k, v] of tagged.v as [Encoded, Encoded][]) map.set(visit(k), visit(v));
        return map;
      }
      case 'set': {
        const set = new Set<unknown>();
        made.set(tagged.id, set);
        for (const item of tagged.v as Encoded[]) set.add(visit(item));
        return set;
      }
      case 'err': {
        const Type = errorTypes[tagged['name'] as string] ?? Error;
        const error = new Type(tagged['message'] as string) as Error & { cause?: unknown };
        made.set(tagged.id, error);
        if (tagged['stack'] !== undefined) error.stack = tagged['stack'] as string;
        if ('cause' in tagged) error.cause = visit(tagged['cause']);
        return error;
      }
      case 'buf': {
        const buffer = new Uint8Array(tagged.v as number[]).buffer;
        made.set(tagged.id, buffer);
        return buffer;
      }
      case 'view': {
        const View = constructors[tagged['t'] as string] as new (
          buffer: ArrayBuffer,
          offset: number,
          length: number,
        ) => ArrayBufferView;
        const view = new View(
          visit(tagged['b']) as ArrayBuffer,
          tagged['o'] as number,
          tagged['l'] as number,
        );
        made.set(tagged.id, view);
        return view;
      }
      case 'box': {
        const boxed = Object(visit(tagged.v)) as object;
        made.set(tagged.id, boxed);
        return boxed;
      }
      case 'obj': {
        const object: Record<string, unknown> = {};
        made.set(tagged.id, object);
        for (const [key, value] of tagged.v as [string, Encoded][]) object[key] = visit(value);
        return object;
      }
      default:
        throw new Error(`decodeClone: unknown tag ${String(tagged.$)}`);
    }
  };
  return visit(root);
}
