// A PostgreSQL URL as it may be shown (logs, `godex usage` errors): the password masked.
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}
