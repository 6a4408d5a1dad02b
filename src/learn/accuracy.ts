/** Reads the recipe accuracy carried by the latest post-mortem before iteration `n` (the edge of learn/). */
import { existsSync } from 'node:fs';
import { readDocument } from '../documents.ts';
import { paths, type Workspace } from '../workspace.ts';
import { PostMortemDocument, type PostMortem } from './postmortem.ts';

export async function previousAccuracy(ws: Workspace, n: number): Promise<PostMortem['recipeAccuracy']> {
  for (let k = n - 1; k >= 1; k--) {
    if (existsSync(paths.postMortemJson(ws, k))) return (await readDocument(PostMortemDocument, paths.postMortemJson(ws, k))).recipeAccuracy;
  }
  return {};
}
