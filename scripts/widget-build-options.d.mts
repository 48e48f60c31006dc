import type { BuildOptions } from 'esbuild';

/** The esbuild options of the embeddable widget, for the package root `root`. */
export function widgetBuildOptions(root: string): BuildOptions & { entryPoints: string[] };
