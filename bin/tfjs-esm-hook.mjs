// Node module hook for the CLI and its training worker threads (registered with module.register).
//
// Training needs the gradient functions of TF.js's stock ops, which @tensorflow/tfjs-core ships only
// as per-op ES modules (`@tensorflow/tfjs-core/dist/register_all_gradients`) written for bundlers:
// extensionless relative imports in a package without "type": "module". Node cannot load them as
// they are, so this hook adds the missing `.js` and marks those files as ES modules. It only acts on
// deep imports of node_modules/@tensorflow/*/dist/ files and on the imports inside them; package
// entry points (CommonJS in Node) load as usual. Bundlers and vitest need no hook.
const TFJS_DIST = /\/node_modules\/@tensorflow\/[^/]+\/dist\//;
const DEEP_SPECIFIER = /^@tensorflow\/[^/]+\/dist\//;

/** Resolves TF.js's per-file ES modules the way a bundler would. */
export async function resolve(specifier, context, nextResolve) {
  const insideTfjsModule = context.parentURL !== undefined && TFJS_DIST.test(context.parentURL);
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (insideTfjsModule && relative) {
    const withExtension = /\.m?js$/.test(specifier) ? specifier : `${specifier}.js`;
    return { ...(await nextResolve(withExtension, context)), format: 'module' };
  }
  if (DEEP_SPECIFIER.test(specifier)) {
    const withExtension = /\.m?js$/.test(specifier) ? specifier : `${specifier}.js`;
    return { ...(await nextResolve(withExtension, context)), format: 'module' };
  }
  return nextResolve(specifier, context);
}
