import { z } from "zod";
import { CreateBatchRequest } from "../../../../shared/schemas/batch.ts";

type Issue = z.core.$ZodIssue;

const ITEM_FORMS = 'each domain is a name or {"domain": "...", "port": 587}';

/**
 * The batch request, validated. A domain item that fits neither of its forms fails as a zod
 * union, which the API's error handler describes in the words of a single check's request; so
 * such an issue is replaced by what is wrong with the item, then thrown as usual (400
 * invalid_request).
 */
export function parseBatchRequest(body: unknown): CreateBatchRequest {
  const parsed = CreateBatchRequest.safeParse(body);
  if (parsed.success) return parsed.data;
  // ZodRealError, as safeParse makes it, is an Error: Hono hands only Errors to onError.
  throw new z.ZodRealError(parsed.error.issues.flatMap(itemIssues));
}

/**
 * An object item with a bad field fails the string form at its top and the object form inside:
 * the object form's issues say what to fix. An item of neither type gets the list of forms.
 */
function itemIssues(issue: Issue): Issue[] {
  if (issue.code !== "invalid_union") return [issue];
  const formsOfItsType = issue.errors.filter(
    (form) => !form.some((inner) => inner.code === "invalid_type" && inner.path.length === 0),
  );
  const [onlyForm] = formsOfItsType;
  if (formsOfItsType.length === 1 && onlyForm) {
    return onlyForm.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  return [{ code: "custom", path: issue.path, message: ITEM_FORMS, input: undefined }];
}
