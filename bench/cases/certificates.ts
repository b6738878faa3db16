/**
 * certificates_ratio_to_floor: 1,000 certificates from the certificates package against the floor (the
 * filled template zipped with fflate, placeholders replaced, no re-layout); docs/s and memory slope too.
 */
export async function runCertificates(): Promise<{
  rows: never[];
  skipped?: string;
  extra?: Record<string, unknown>;
}> {
  return { rows: [], skipped: 'packages/certificates has no certificate writer the bench can call yet' };
}
