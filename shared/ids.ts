/** HOST_ID_RE: what a host id may be (it names files, log fields and unit names). */
export const HOST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
