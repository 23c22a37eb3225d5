// Which config names the code under src/ really reads: a static analysis with the TypeScript compiler API, used by
// config-classification.test.ts to hold every entry of the config tables to its classification.
//
// A name counts as read when a string literal equal to it is the first argument of a config getter
// (`config.getInt('x')`, `getLong`, `getList`, `isSet`, `valueString`, ... or `merged['x']`) AND the value
// flows into something that acts: an argument of a call, a condition, a returned value of a getter or method that
// is used, or a property of an object literal whose property name is read somewhere (`.name` or a destructuring)
// in the code. A value stored in a variable is followed to the variable's uses. A value whose only consumer is an
// option nobody reads, a comment, an error message, a switch case or a validation file does not count.
// A broker config is also read when it is a broker synonym of a topic config that is read (LogConfig resolves
// the synonyms generically from the topic table).

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** Files that define, document or only cross-validate configs: a literal there is not a read. */
const NOT_READING = [
  /^src\/config\/[a-z0-9-]+-configs\.ts$/,
  /^src\/config\/generate-docs\.ts$/,
  /^src\/config\/validate-kafka-config\.ts$/,
  /^src\/config\/validate-topic-config\.ts$/,
  /^src\/config\/default-server-properties\.ts$/,
];

/** Methods of KafkaConfig / LogConfig (and their wrappers) that read one config by name. */
const GETTERS = new Set([
  'get', 'getInt', 'getShort', 'getLong', 'getDouble', 'getBoolean', 'getString', 'getPassword', 'getList',
  'getNumberOrNull', 'valueString', 'isSet',
]);

function sourceFiles(root: string, dir = join(root, 'src')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(root, path));
    else if (e.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface Parsed {
  readonly path: string;
  readonly file: ts.SourceFile;
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

function nameText(name: ts.PropertyName | ts.BindingName | undefined): string | null {
  if (name === undefined) return null;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return null;
}

/** Whether the value of `call` is dropped (`f(x);`, `await f(x);`, `void f(x);`). */
function isStatement(call: ts.Node): boolean {
  let n = call.parent;
  while (ts.isAwaitExpression(n) || ts.isVoidExpression(n) || ts.isParenthesizedExpression(n)) n = n.parent;
  return ts.isExpressionStatement(n);
}

/**
 * The config names read by the code under `<root>/src` (see the header of this file), among `names`.
 * @param names every broker and topic config name
 */
export function configNamesReadByCode(root: string, names: ReadonlySet<string>): Set<string> {
  const files: Parsed[] = sourceFiles(root)
    .map((path) => ({ path: relative(root, path), file: ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true) }))
    .filter((f) => !NOT_READING.some((re) => re.test(f.path)));

  // Property names that some code reads: `x.name`, `{ name } = x`, `x['name']`.
  const accessed = new Set<string>();
  for (const { file } of files) {
    walk(file, (n) => {
      if (ts.isPropertyAccessExpression(n)) accessed.add(n.name.text);
      else if (ts.isBindingElement(n) && ts.isObjectBindingPattern(n.parent)) {
        const key = nameText(n.propertyName) ?? nameText(n.name);
        if (key !== null) accessed.add(key);
      } else if (ts.isElementAccessExpression(n) && ts.isStringLiteral(n.argumentExpression)) accessed.add(n.argumentExpression.text);
    });
  }

  const identifierUses = (file: ts.SourceFile, decl: ts.VariableDeclaration): ts.Identifier[] => {
    const name = nameText(decl.name);
    const uses: ts.Identifier[] = [];
    walk(file, (n) => {
      if (!ts.isIdentifier(n) || n.text !== name || n === decl.name) return;
      const p = n.parent;
      // Not a use: the identifier names a property, a member or another declaration.
      if ((p as { name?: ts.Node }).name === n && !ts.isShorthandPropertyAssignment(p)) return;
      uses.push(n);
    });
    return uses;
  };

  /** Whether the value of `node` reaches code that acts on it. */
  const flows = (node: ts.Node, file: ts.SourceFile, seen: Set<ts.Node>): boolean => {
    if (seen.has(node)) return false;
    seen.add(node);
    const parent = node.parent;
    if (parent === undefined) return false;
    if (
      ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent) ||
      ts.isBinaryExpression(parent) || ts.isPrefixUnaryExpression(parent) || ts.isTemplateSpan(parent) ||
      ts.isTemplateExpression(parent) || ts.isArrayLiteralExpression(parent) || ts.isSpreadElement(parent) ||
      ts.isSpreadAssignment(parent) || ts.isObjectLiteralExpression(parent) || ts.isArrowFunction(parent) ||
      ts.isSatisfiesExpression(parent) || ts.isTypeAssertionExpression(parent) || ts.isAwaitExpression(parent)
    ) {
      return flows(parent, file, seen);
    }
    // A condition decides the result of its conditional, which acts only if it flows on.
    if (ts.isConditionalExpression(parent)) return flows(parent, file, seen);
    if (ts.isPropertyAccessExpression(parent)) return flows(parent, file, seen);
    if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) {
      // As the receiver of a method (`config.getList('x').includes(...)`) or an argument, the value flows on with
      // the call's result; a call whose result is dropped is made for its effect, and acts.
      return isStatement(parent) || flows(parent, file, seen);
    }
    if (ts.isPropertyAssignment(parent)) {
      const key = nameText(parent.name);
      return key !== null && accessed.has(key);
    }
    if (ts.isVariableDeclaration(parent)) return identifierUses(file, parent).some((use) => flows(use, file, seen));
    if (ts.isShorthandPropertyAssignment(parent)) return accessed.has(parent.name.text);
    if (ts.isReturnStatement(parent)) {
      let fn: ts.Node | undefined = parent.parent;
      while (fn !== undefined && !ts.isFunctionLike(fn)) fn = fn.parent;
      if (fn !== undefined && (ts.isGetAccessorDeclaration(fn) || ts.isMethodDeclaration(fn))) {
        const key = nameText(fn.name);
        return key !== null && accessed.has(key);
      }
      return fn !== undefined && ts.isArrowFunction(fn) ? flows(fn, file, seen) : true;
    }
    if (ts.isExpressionStatement(parent) || ts.isCaseClause(parent)) return false;
    return true;
  };

  const read = new Set<string>();
  for (const { file } of files) {
    walk(file, (n) => {
      if (!ts.isStringLiteral(n) && !ts.isNoSubstitutionTemplateLiteral(n)) return;
      if (!names.has(n.text) || read.has(n.text)) return;
      const p = n.parent;
      let access: ts.Node | null = null;
      if (ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression)) {
        const getter = p.expression.name.text;
        // valueForListener(listenerName, name): the per-listener read of a config.
        if ((p.arguments[0] === n && GETTERS.has(getter)) || (p.arguments[1] === n && getter === 'valueForListener')) access = p;
      } else if (ts.isElementAccessExpression(p) && p.argumentExpression === n) access = p;
      if (access !== null && flows(access, file, new Set())) read.add(n.text);
    });
  }
  return read;
}
