// A Jest transformer for the TypeScript of this package and of the tests: Node's own type stripping
// (node:module stripTypeScriptTypes, the same erasure Node applies when it runs .ts files), so no Babel or
// ts-jest preset is needed. Only erasable syntax is supported, as in the package itself (no enum, no namespace).
import { stripTypeScriptTypes } from 'node:module';

export default {
  process(sourceText) {
    return { code: stripTypeScriptTypes(sourceText, { mode: 'strip' }) };
  },
};
