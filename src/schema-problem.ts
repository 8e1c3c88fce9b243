// The first problem of a failed effect/Schema decode, found by walking its issue tree: where it is,
// what the schema there is, and what went wrong. The config formatter (src/config/config-schema.ts)
// and the record reader (src/report/read-run.ts) each say it in their own words; both decode
// with `errors: "first"`, so there is one problem to find.
//
// A union whose members are guarded (a check annotated `guard: true` that tells which member a
// value is meant for, such as "has a `fid` field") reports the problem of the member the value
// passed the guard of; when it passes none, the union itself is the problem.

import type * as SchemaAST from "effect/SchemaAST";
import type * as SchemaIssue from "effect/SchemaIssue";

export interface SchemaProblem {
  /** Where the problem is: object keys and array indices from the decoded value's root. */
  readonly keys: readonly PropertyKey[];
  /** Where the check that found it sits (a check may point below itself, e.g. at a duplicate element). */
  readonly checked: readonly PropertyKey[];
  /**
   * The schema of the value at `keys` as it was declared, when known: a wrong type is described by
   * it (a field with a default is decoded through a wider schema first), and a missing key by the
   * schema of its field.
   */
  readonly ast: SchemaAST.AST | undefined;
  /** The annotations of the failed check, when a check failed. */
  readonly check: SchemaAST.Filter<unknown>["annotations"];
  /** What went wrong: a wrong type (InvalidType, or AnyOf with no member tried), a missing or unexpected key, or a failed check (InvalidValue). */
  readonly issue: SchemaIssue.Issue;
}

const isGuard = (p: SchemaProblem): boolean => p.check?.guard === true;

function walk(issue: SchemaIssue.Issue, keys: readonly PropertyKey[], checked: readonly PropertyKey[], ast: SchemaAST.AST | undefined, check: SchemaProblem["check"], parent: SchemaAST.AST | undefined): SchemaProblem {
  switch (issue._tag) {
    case "Pointer": {
      // A missing key is described by the schema of its field in the struct around it.
      const key = issue.path.length === 1 ? issue.path[0] : undefined;
      const field = parent?._tag === "Objects" ? parent.propertySignatures.find((p) => p.name === key)?.type : undefined;
      return walk(issue.issue, [...keys, ...issue.path], checked, issue.issue._tag === "MissingKey" ? field : undefined, undefined, undefined);
    }
    case "Composite":
      return walk(issue.issues[0], keys, checked, ast ?? issue.ast, check, issue.ast);
    case "Encoding":
      return walk(issue.issue, keys, checked, ast ?? issue.ast, check, undefined);
    case "Filter":
      return walk(issue.issue, keys, keys, ast, issue.filter.annotations, undefined);
    case "AnyOf": {
      const members = issue.issues.map((i) => walk(i, keys, checked, undefined, undefined, undefined));
      const chosen = members.find((p) => !isGuard(p));
      if (chosen !== undefined) return chosen;
      return { keys, checked, ast: members.length === 0 ? (ast ?? issue.ast) : issue.ast, check: undefined, issue };
    }
    case "InvalidType":
      return { keys, checked, ast: ast ?? issue.ast, check, issue };
    case "UnexpectedKey":
      return { keys, checked, ast: issue.ast, check, issue };
    default:
      return { keys, checked, ast, check, issue };
  }
}

/** The first problem in `issue`; `at` is where the decoded value sits (keys prefixed to every path). */
export function firstProblem(issue: SchemaIssue.Issue, at: readonly PropertyKey[] = []): SchemaProblem {
  return walk(issue, at, at, undefined, undefined, undefined);
}
