/**
 * A minimal protobuf writer for ONNX models, so the test and bench models are made by the
 * project's own code (no Python, no onnx package). Field numbers from onnx/onnx.proto (stable
 * since IR v3). `writeModel` streams initializers to disk one chunk at a time, so a model of
 * hundreds of megabytes never sits in memory whole.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

export type Bytes = Uint8Array;

export const concat = (parts: Bytes[]): Bytes => Buffer.concat(parts);

export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}
export const tag = (field: number, wire: number): Bytes => varint((field << 3) | wire);
export const int = (field: number, v: number | bigint): Bytes => concat([tag(field, 0), varint(v)]);
export const float = (field: number, v: number): Bytes => concat([tag(field, 5), new Uint8Array(Float32Array.of(v).buffer)]);
export const bytes = (field: number, b: Bytes): Bytes => concat([tag(field, 2), varint(b.length), b]);
export const str = (field: number, s: string): Bytes => bytes(field, Buffer.from(s, 'utf8'));
export const msg = (field: number, parts: Bytes[]): Bytes => bytes(field, concat(parts));

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT64: 7 } as const;
export type DataType = (typeof DT)[keyof typeof DT];
const bytesPerElement: Record<DataType, number> = { [DT.FLOAT]: 4, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.INT64]: 8 };

/** TensorProto fields: dims, data_type, name, raw_data (little-endian). */
export function tensor(name: string, dataType: number, dims: number[], raw: Bytes): Bytes[] {
  return [...dims.map((d) => int(1, d)), int(2, dataType), str(8, name), bytes(9, raw)];
}

/** A graph input (field 11) or output (field 12); string dims are symbolic (dynamic axes). */
export function valueInfo(field: number, name: string, elemType: number, dims: (number | string)[]): Bytes {
  const dimMsgs = dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)]));
  return msg(field, [str(1, name), msg(2, [msg(1, [int(1, elemType), msg(2, dimMsgs)])])]);
}

/** An attribute value: integer, float, or a list of integers (AttributeProto types INT, FLOAT, INTS). */
export type Attribute = { int: number } | { float: number } | { ints: number[] };

function attribute(name: string, a: Attribute): Bytes {
  if ('int' in a) return msg(5, [str(1, name), int(3, a.int), int(20, 2)]);
  if ('float' in a) return msg(5, [str(1, name), float(2, a.float), int(20, 1)]);
  return msg(5, [str(1, name), ...a.ints.map((i) => int(8, i)), int(20, 7)]);
}

/** A graph node (GraphProto field 1); its name defaults to the operator's. */
export function node(opType: string, inputs: string[], outputs: string[], name: string = opType, attributes: Record<string, Attribute> = {}): Bytes {
  return msg(1, [
    ...inputs.map((i) => str(1, i)),
    ...outputs.map((o) => str(2, o)),
    str(3, name),
    str(4, opType),
    ...Object.entries(attributes).map(([n, a]) => attribute(n, a)),
  ]);
}

export type Elements = Float32Array | Int8Array | Uint8Array | BigInt64Array;

/** An initializer whose elements are produced on demand, in order, possibly in several chunks. */
export interface LazyTensor {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Called once per write; must yield exactly the tensor's element count, in row-major order. */
  chunks(): Iterable<Elements>;
}

export const elementCount = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

export interface GraphSpec {
  name: string;
  /** Encoded nodes (see `node`), in topological order. */
  nodes: Bytes[];
  initializers: LazyTensor[];
  /** Encoded inputs and outputs (see `valueInfo`). */
  inputs: Bytes[];
  outputs: Bytes[];
}

export interface ModelSpec {
  irVersion: number;
  producer: string;
  opset: number;
  graph: GraphSpec;
}

/**
 * Writes an ONNX ModelProto to `file`: each initializer's head is encoded up front (its length is
 * known from its dims), then its elements are written chunk by chunk. Returns the bytes written.
 */
export function writeModel(file: string, model: ModelSpec): number {
  // ONNX raw_data is little-endian; typed arrays are in the machine's order.
  if (endianness() !== 'LE') throw new Error('writeModel needs a little-endian machine.');
  const g = model.graph;
  const heads = g.initializers.map((t) => {
    const rawLength = elementCount(t.dims) * bytesPerElement[t.dataType];
    const head = concat([...t.dims.map((d) => int(1, d)), int(2, t.dataType), str(8, t.name), tag(9, 2), varint(rawLength)]);
    return { tensor: t, rawLength, prefix: concat([tag(5, 2), varint(head.length + rawLength), head]) };
  });
  const tail = concat([str(2, g.name), ...g.inputs, ...g.outputs]);
  const nodes = concat(g.nodes);
  const graphLength = nodes.length + heads.reduce((sum, h) => sum + h.prefix.length + h.rawLength, 0) + tail.length;

  const fd = openSync(file, 'w');
  let written = 0;
  const put = (b: Bytes): void => {
    let offset = 0;
    while (offset < b.length) offset += writeSync(fd, b, offset, b.length - offset);
    written += b.length;
  };
  try {
    put(concat([int(1, model.irVersion), str(2, model.producer), tag(7, 2), varint(graphLength), nodes]));
    for (const h of heads) {
      put(h.prefix);
      let raw = 0;
      for (const chunk of h.tensor.chunks()) {
        put(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        raw += chunk.byteLength;
      }
      if (raw !== h.rawLength) throw new Error(`Initializer ${h.tensor.name} yielded ${raw} bytes, expected ${h.rawLength}.`);
    }
    put(tail);
    put(msg(8, [str(1, ''), int(2, model.opset)]));
  } finally {
    closeSync(fd);
  }
  return written;
}
