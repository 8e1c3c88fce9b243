// Text that goes into an HTML report comes from run directories (run names, mutation names,
// hyperparameter values), so all of it is escaped before it meets markup.

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u003c,
 * \u003e and \u0026 (so no `</script>` or `<!--` can appear), U+2028 and U+2029 become \u2028 and
 * \u2029. These characters occur only inside JSON strings, where the escapes mean the same thing,
 * so JSON.parse of the result gives back the value. NaN and ±Infinity become null, as in JSON.stringify.
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error("jsonForScript: the value has no JSON form");
  return json.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
