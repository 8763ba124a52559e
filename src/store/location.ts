/** An index lives in a folder or in a PostgreSQL database named by its URL. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** The URL without its password, for messages and logs; a folder as it is. */
export function displayLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    u.password = "";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}
