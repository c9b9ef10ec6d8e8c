import { access } from 'node:fs/promises';

/** Whether a file (or directory) can be reached at this path. */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
