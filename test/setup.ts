// Every test coordinator's first admin token (test/fixtures.ts writes it where
// a coordinator takes its first token from): clients and CLI children present
// it unless a test says otherwise.
export const TEST_TOKEN = 'fst_test-admin-token';
process.env.FLEETSWAP_TOKEN = TEST_TOKEN;
// Plaintext unless a test is about TLS (test/tls.test.ts): CLI children inherit it.
process.env.FLEETSWAP_INSECURE = '1';
