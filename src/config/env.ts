import path from 'node:path';
import { config } from 'dotenv';
import { projectRoot } from './settings.js';

/**
 * Loads `<project>/.env` into process.env (real environment variables win). Entry points call
 * this once; everything else receives settings, never reads the environment.
 */
export function loadDotenv(): void {
  config({ path: path.join(projectRoot, '.env'), quiet: true });
}
