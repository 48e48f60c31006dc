// Builds the installable SDK package `packages/sdk` (`@verdict/sdk`) from src/sdk and the parts of src/contract it
// uses (docs/adr/0010-sdk-package.md): ES module and CommonJS bundles for Node, one minified ES module for browsers,
// and type declarations that name no other package. Run by scripts/build.mjs (so by `npm install` and
// `npm run build`), or alone: `node scripts/build-sdk.mjs`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The most the browser build may weigh gzipped (issue 13); test/e2e/sdk-package.e2e.test.ts holds it to this. */
export const BROWSER_GZIP_BUDGET = 15 * 1024;

/**
 * Wraps each top-level constant of a contract module whose value is computed (a TypeBox schema, `Object.values(…)`)
 * in a pure-annotated arrow call, so the bundler drops what the SDK does not use. Without it every schema stays,
 * since a call's argument such as `LIMITS.titleMaxLength` may have side effects as far as esbuild knows, and with
 * the schemas all of TypeBox (the browser build was 29 KB gzipped instead of 7). Sound because contract modules
 * only declare values: a computed constant nobody reads has no effect.
 */
export function markContractConstantsPure(ts, text, fileName) {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const computes = (node) => {
    let found = false;
    const visit = (n) => {
      if (found || ts.isFunctionLike(n) || ts.isClassLike(n)) return;
      if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  };
  const edits = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const { initializer } of statement.declarationList.declarations) {
      if (!initializer || !computes(initializer)) continue;
      edits.push([initializer.getStart(file), '/* @__PURE__ */ (() => ('], [initializer.getEnd(), '))()']);
    }
  }
  let out = text;
  for (const [at, insert] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, at) + insert + out.slice(at);
  return out;
}

/** The esbuild plugin: contract constants pure (above) and TypeBox free of side effects, so both fall away unused. */
function treeShakeContract(ts) {
  return {
    name: 'verdict-tree-shake-contract',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]contract[\\/][^\\/]+\.ts$/ }, (args) => ({
        contents: markContractConstantsPure(ts, readFileSync(args.path, 'utf8'), args.path),
        loader: 'ts',
      }));
      b.onResolve({ filter: /^typebox$/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const { path, errors } = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        return errors.length > 0 ? { errors } : { path, sideEffects: false };
      });
    },
  };
}

/** The `.d.ts` files of the SDK, each TypeBox-computed type replaced by the type it stands for, no TypeBox left. */
function declarations(ts, root, outdir) {
  const src = join(root, 'src');
  const program = ts.createProgram([join(src, 'sdk/index.ts'), join(src, 'sdk/node.ts')], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    allowImportingTsExtensions: true,
    declaration: true,
    emitDeclarationOnly: true,
    skipLibCheck: true,
    types: ['node'],
    rootDir: src,
    outDir: outdir,
  });
  // Syntax only: type errors are `npm run typecheck`'s to report, and a full check here would double the time.
  const problems = program.getSyntacticDiagnostics();
  if (problems.length > 0) throw new Error(format(ts, problems, root));
  const checker = program.getTypeChecker();
  const derived = typeboxDerived(ts, checker);
  const files = new Map();
  const result = program.emit(undefined, (path, text) => files.set(path, text), undefined, true, {
    afterDeclarations: [
      (context) => (file) => (ts.isSourceFile(file) ? selfContained(ts, checker, derived, context, file) : file),
    ],
  });
  if (result.diagnostics.length > 0) throw new Error(format(ts, result.diagnostics, root));
  return files;
}

function format(ts, diagnostics, root) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

/** Whether a symbol (followed through imports) is declared in TypeBox's own files. */
function declaredByTypebox(ts, checker, symbol) {
  const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return (target?.declarations ?? []).some((d) => /[\\/]node_modules[\\/]typebox[\\/]/.test(d.getSourceFile().fileName));
}

/** Whether a type node names TypeBox: an `import("typebox…")` type, or an identifier in `names`. */
function namesTypebox(ts, node, names) {
  let found = false;
  const visit = (n) => {
    if (found) return;
    if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && /typebox/.test(n.argument.literal.text)) found = true;
    else if (ts.isIdentifier(n) && names.has(n.text)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * Decides which type references stand for something computed by TypeBox and must be written out in full:
 * `Static<…>`; a generic alias built on TypeBox types (`type ResponseOf<K> = Static<(typeof OPS)[K]['response']>`,
 * used as `ResponseOf<'getReview'>`); and `typeof schema`, with the indexed accesses around it
 * (`(typeof OPS)['getReview']['path']`).
 */
function typeboxDerived(ts, checker) {
  const genericAliases = new Map();
  const typeboxTypes = new Map();
  // Whether a value's type is or holds a TypeBox type (a schema, or an object of schemas), looked up structurally.
  const holdsTypebox = (type, depth = 0) => {
    if (typeboxTypes.has(type)) return typeboxTypes.get(type);
    typeboxTypes.set(type, false);
    const found =
      declaredByTypebox(ts, checker, type.aliasSymbol) ||
      declaredByTypebox(ts, checker, type.symbol) ||
      (depth < 8 &&
        ((type.isUnionOrIntersection() && type.types.some((t) => holdsTypebox(t, depth + 1))) ||
          (type.flags & ts.TypeFlags.Object &&
            checker.getPropertiesOfType(type).some((p) => holdsTypebox(checker.getTypeOfSymbol(p), depth + 1)))));
    typeboxTypes.set(type, Boolean(found));
    return Boolean(found);
  };
  const isSchemaValue = (symbol) => {
    const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return Boolean(target && target.flags & ts.SymbolFlags.Value && holdsTypebox(checker.getTypeOfSymbol(target)));
  };
  const queried = (node) => {
    let n = node;
    while (ts.isIndexedAccessTypeNode(n) || ts.isParenthesizedTypeNode(n) || ts.isTypeOperatorNode(n))
      n = ts.isIndexedAccessTypeNode(n) ? n.objectType : n.type;
    return ts.isTypeQueryNode(n) ? n : undefined;
  };
  const derived = (node) => {
    if (ts.isTypeReferenceNode(node)) {
      const symbol = checker.getSymbolAtLocation(node.typeName);
      if (declaredByTypebox(ts, checker, symbol)) return true;
      const target = symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const decl = target?.declarations?.find(ts.isTypeAliasDeclaration);
      if (decl?.typeParameters) {
        if (!genericAliases.has(target)) {
          genericAliases.set(target, false);
          genericAliases.set(target, containsDerived(decl.type));
        }
        return genericAliases.get(target);
      }
      return false;
    }
    const query = queried(node);
    return query !== undefined && isSchemaValue(checker.getSymbolAtLocation(query.exprName));
  };
  const containsDerived = (node) => {
    let found = false;
    const visit = (n) => {
      if (found) return;
      if (ts.isTypeNode(n) && derived(n)) found = true;
      else ts.forEachChild(n, visit);
    };
    visit(node);
    return found;
  };
  return derived;
}

/**
 * One declaration file made independent of TypeBox: each type computed by TypeBox (see typeboxDerived) becomes
 * the structural type the checker computes for it, declarations typed with TypeBox's own types (the schemas
 * themselves, which the SDK does not export) are dropped with TypeBox's import and the imports only they used, and
 * `.ts` import paths become `.js`.
 */
function selfContained(ts, checker, derived, context, file) {
  const { factory } = context;
  const typebox = new Set();
  for (const s of file.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text !== 'typebox')
      continue;
    const bindings = s.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) typebox.add(e.name.text);
    if (bindings && ts.isNamespaceImport(bindings)) typebox.add(bindings.name.text);
    if (s.importClause?.name) typebox.add(s.importClause.name.text);
  }
  const flags =
    ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.InTypeAlias | ts.NodeBuilderFlags.MultilineObjectLiterals;
  const expand = (node) => {
    const parsed = ts.isTypeNode(node) ? ts.getParseTreeNode(node) : undefined;
    if (parsed && ts.isTypeNode(parsed) && derived(parsed)) {
      // A type over a type parameter (inside a generic alias) has no structure to write out; the statement holding
      // it still names TypeBox then, and is dropped below: its uses are written out where they are instantiated.
      return checker.typeToTypeNode(checker.getTypeFromTypeNode(parsed), undefined, flags) ?? node;
    }
    return ts.visitEachChild(node, expand, context);
  };
  const usesTypebox = (node) => namesTypebox(ts, node, typebox);
  // A concrete alias mapped over a union of names (the catalogue's OperationTypes) is printed by the checker in its
  // mapped form, which still names the generic aliases it maps with: write it out member by member instead, two
  // levels deep (operation → part), each part as the structural type the checker computes.
  const writeOut = (type, depth) => {
    if (depth >= 2 || !(type.flags & ts.TypeFlags.Object)) {
      return checker.typeToTypeNode(type, undefined, flags) ?? factory.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword);
    }
    return factory.createTypeLiteralNode(
      checker.getPropertiesOfType(type).map((p) =>
        factory.createPropertySignature(
          undefined,
          /^[A-Za-z_$][\w$]*$/.test(p.name) ? factory.createIdentifier(p.name) : factory.createStringLiteral(p.name),
          p.flags & ts.SymbolFlags.Optional ? factory.createToken(ts.SyntaxKind.QuestionToken) : undefined,
          writeOut(checker.getTypeOfSymbol(p), depth + 1),
        ),
      ),
    );
  };
  const jsPath = (specifier) =>
    /^\.\.?\//.test(specifier.text) ? factory.createStringLiteral(specifier.text.replace(/\.ts$/, '.js')) : specifier;
  const body = [];
  for (const s of file.statements) {
    if (ts.isImportDeclaration(s)) continue;
    if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      body.push(
        factory.updateExportDeclaration(
          s,
          s.modifiers,
          s.isTypeOnly,
          s.exportClause,
          jsPath(s.moduleSpecifier),
          s.attributes,
        ),
      );
      continue;
    }
    const out = ts.visitNode(s, expand);
    const original = ts.getParseTreeNode(s);
    if (usesTypebox(out) && ts.isTypeAliasDeclaration(s) && !s.typeParameters && original && ts.isTypeAliasDeclaration(original)) {
      const type = writeOut(checker.getTypeAtLocation(original.name), 0);
      body.push(factory.updateTypeAliasDeclaration(s, s.modifiers, s.name, undefined, type));
      continue;
    }
    if (!usesTypebox(out)) body.push(out);
  }
  // An import only an expanded Static<typeof X> used (X a schema, dropped above) goes too.
  const used = new Set();
  const collect = (n) => {
    if (ts.isIdentifier(n)) used.add(n.text);
    ts.forEachChild(n, collect);
  };
  for (const s of body) collect(s);
  const imports = [];
  for (const s of file.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.moduleSpecifier.text === 'typebox')
      continue;
    let clause = s.importClause;
    const named = clause?.namedBindings;
    if (clause && named && ts.isNamedImports(named)) {
      const kept = named.elements.filter((e) => used.has(e.name.text));
      if (kept.length === 0 && !clause.name) continue;
      clause = factory.updateImportClause(
        clause,
        'phaseModifier' in clause ? clause.phaseModifier : clause.isTypeOnly,
        clause.name,
        kept.length > 0 ? factory.updateNamedImports(named, kept) : undefined,
      );
    }
    imports.push(factory.updateImportDeclaration(s, s.modifiers, clause, jsPath(s.moduleSpecifier), s.attributes));
  }
  const statements = [...imports, ...body];
  return factory.updateSourceFile(file, statements);
}

/** Writes `files` (absolute paths) as `.d.ts` (ES module) and `.d.cts` twins (CommonJS, importing `.cjs` paths). */
function writeDeclarations(files, outdir) {
  let count = 0;
  for (const [path, text] of files) {
    if (text.includes('typebox')) throw new Error(`${relative(outdir, path)} still names typebox`);
    if (/from ["']\.\.?\/[^"']*\.ts["']/.test(text)) throw new Error(`${relative(outdir, path)} imports a .ts path`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    writeFileSync(path.replace(/\.d\.ts$/, '.d.cts'), text.replace(/(["']\.\.?\/[^"']*)\.js(["'])/g, '$1.cjs$2'));
    count++;
  }
  return count;
}

/**
 * Builds `dist/` of the SDK package in `packageDir` (default `packages/sdk`) from the sources under `root`, and
 * returns the browser build's sizes and the count of declaration files. Needs TypeScript (a dev dependency) for the
 * declarations and for trimming the contract; without it (an install without dev dependencies) the SDK is skipped
 * with a warning and `undefined` returned, since the server does not need it.
 */
export async function buildSdk(root, { packageDir = join(root, 'packages/sdk'), log = console.log } = {}) {
  let ts;
  try {
    ts = (await import('typescript')).default;
  } catch {
    console.warn('SDK package not built: TypeScript is not installed (dev dependencies omitted).');
    return undefined;
  }
  const outdir = join(packageDir, 'dist');
  rmSync(outdir, { recursive: true, force: true });
  const common = {
    bundle: true,
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [treeShakeContract(ts)],
  };
  const entries = { index: join(root, 'src/sdk/index.ts'), node: join(root, 'src/sdk/node.ts') };
  await Promise.all([
    build({ ...common, entryPoints: entries, outdir, format: 'esm', platform: 'node', target: 'node20' }),
    build({
      ...common,
      entryPoints: entries,
      outdir,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.cjs' },
    }),
    // platform 'browser' fails the build on any `node:` import, which keeps the browser entry fetch-only.
    build({
      ...common,
      entryPoints: [entries.index],
      outfile: join(outdir, 'browser.js'),
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: true,
    }),
  ]);
  const typeDir = join(outdir, 'types');
  const typeFiles = writeDeclarations(declarations(ts, root, typeDir), typeDir);
  const browser = readFileSync(join(outdir, 'browser.js'));
  const sizes = { bytes: browser.length, gzipBytes: gzipSync(browser, { level: 9 }).length, typeFiles };
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  log(
    `@verdict/sdk: browser build ${kb(sizes.bytes)}, ${kb(sizes.gzipBytes)} gzipped (budget ${kb(BROWSER_GZIP_BUDGET)}); ${typeFiles} declaration files`,
  );
  if (sizes.gzipBytes > BROWSER_GZIP_BUDGET) console.warn('@verdict/sdk: the browser build is over its budget');
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildSdk(join(dirname(fileURLToPath(import.meta.url)), '..'));
}
