import type { BuildOptions } from 'esbuild';

/** The esbuild options of the owner dashboard, for the package root `root`. */
export function dashboardBuildOptions(root: string): BuildOptions & { entryPoints: string[] };
