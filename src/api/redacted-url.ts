// A request URL fit for logs and problem bodies: an API key sent in the query (EventSource and
// the queue board cannot send headers) is masked. Paths are kept as sent; nothing is decoded in
// what is returned.

// A query parameter's name as the query parser reads it: `access%5Ftoken` is `access_token`.
function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw; // as the parser does: a name that does not decode is taken as written
  }
}

/**
 * A request's URL with the value of every query parameter whose name, decoded, holds `token`
 * masked: `access_token` (an API key in the query) however it is encoded, and near-misses such
 * as `Access_Token` or `access_token[]`, whose value is as likely a key.
 */
export function redactedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && decodedName(name).toLowerCase().includes('token')
        ? `${name}=REDACTED`
        : pair;
    });
  return `${url.slice(0, at + 1)}${query.join('&')}`;
}
