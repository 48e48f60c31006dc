/** Stylesheets are bundled as text (esbuild's `text` loader, scripts/dashboard-build-options.mjs). */
declare module '*.css' {
  const text: string;
  export default text;
}
