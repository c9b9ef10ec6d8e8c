import type { StageContext } from '../workers/context.js';

/**
 * What the commands, the workbench and the stage workers share, built once by the composition
 * root (src/app/build.ts): the stages' context, which holds everything the application needs.
 */
export type AppContext = StageContext;
