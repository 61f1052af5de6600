import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { KIJI_PATCH_LEVEL, checkPatched } from '../../src/vectors/hnsw-store.js';

/** A stand-in for hnswlib-node's exports: a class with the given methods and an optional patch level. */
function fakeModule(methods: string[], kijiPatch?: unknown): unknown {
  class HierarchicalNSW {}
  for (const name of methods) Object.defineProperty(HierarchicalNSW.prototype, name, { value: () => undefined });
  return kijiPatch === undefined ? { HierarchicalNSW } : { HierarchicalNSW, kijiPatch };
}

const upstream = ['initIndex', 'readIndex', 'writeIndex', 'addPoint', 'searchKnn', 'markDelete'];
const patched = [...upstream, 'addPoints', 'reorderForLocality'];

describe('checkPatched (is hnswlib-node built from kiji patch?)', () => {
  it('accepts a module built from the patch at the level this kiji needs, or a later one', () => {
    expect(() => checkPatched(fakeModule(patched, KIJI_PATCH_LEVEL))).not.toThrow();
    expect(() => checkPatched(fakeModule(patched, KIJI_PATCH_LEVEL + 1))).not.toThrow();
  });

  it.each([
    ['upstream hnswlib-node (no patch applied)', fakeModule(upstream), /it has no addPoints or reorderForLocality/],
    ['a patch without renumbering', fakeModule([...upstream, 'addPoints'], KIJI_PATCH_LEVEL), /it has no reorderForLocality\./],
    ['the patch before it had a level (a loader that trusts the file)', fakeModule(patched), /older version of the patch/],
    ['an older patch level', fakeModule(patched, KIJI_PATCH_LEVEL - 1), new RegExp(`patch level ${KIJI_PATCH_LEVEL - 1}, this kiji needs ${KIJI_PATCH_LEVEL}`)],
    ['a patch level that is not a number', fakeModule(patched, '2'), /older version of the patch/],
    ['something that is not the module at all', {}, /it has no addPoints/],
    ['nothing', undefined, /it has no addPoints/],
  ])('refuses %s with HNSW_UNPATCHED and says to run npm ci', (_, mod, lacks) => {
    let thrown: unknown;
    try {
      checkPatched(mod);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: ErrorCodes.HNSW_UNPATCHED,
      message: expect.stringMatching(/^The installed hnswlib-node lacks kiji's patch \(patches\/hnswlib-node\+3\.0\.0\.patch\): /),
      hint: expect.stringMatching(/^Run `npm ci`: it re-applies the patch with patch-package and rebuilds hnswlib-node/),
    });
    expect((thrown as Error).message).toMatch(lacks);
  });
});
