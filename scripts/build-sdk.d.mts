import type ts from 'typescript';

/** The most the browser build may weigh gzipped, in bytes. */
export const BROWSER_GZIP_BUDGET: number;

/** What buildSdk reports: the browser bundle's size, raw and gzipped (level 9), and the declaration files written. */
export interface SdkBuildSizes {
  bytes: number;
  gzipBytes: number;
  typeFiles: number;
}

/**
 * Builds `dist/` of the SDK package in `packageDir` (default `<root>/packages/sdk`); `undefined` when TypeScript is
 * not installed.
 */
export function buildSdk(
  root: string,
  options?: { packageDir?: string; log?: (line: string) => void },
): Promise<SdkBuildSizes | undefined>;

/** A contract module's source with each computed top-level constant wrapped in a pure-annotated call. */
export function markContractConstantsPure(typescript: typeof ts, text: string, fileName: string): string;
