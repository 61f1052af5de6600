import path from 'node:path';
import { projectRoot } from '../../src/config/settings.js';

/** The committed evaluation sets (JSQuAD retrieval benchmark, seed dev questions): see data/eval/README.md. */
export const evalDir = path.join(projectRoot, 'data', 'eval');
export const jsquadDir = path.join(evalDir, 'jsquad-valid');
export const seedQuestionsFile = path.join(evalDir, 'seed-dev.jsonl');
