/**
 * CSP is the dashboard's Content-Security-Policy: scripts, styles, images and
 * connections from the coordinator itself only; no inline script or style
 * (every script is a file), no plugins, no <base>, no form posting
 * elsewhere, and no framing (clickjacking an action button).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** securityHeaders go on every answer, pages, files, API and errors alike. */
export function securityHeaders(tls: boolean): Record<string, string> {
  return {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
