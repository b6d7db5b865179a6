// A real, independent OpenID provider for the login tests: the certified `oidc-provider`
// package (panva), installed by scripts/test into OIDC_PROVIDER_DIR. Not the portal's code.
//
//   node tests/oidc/provider.mjs <redirect_uri> [post_logout_redirect_uri] [staff_redirect_uri]
//
// Listens on 127.0.0.1 on a free port and prints `OP_READY <issuer>` once it takes requests.
// One client `portal` / `portal-secret` (client_secret_basic, PKCE required, ES256 ID tokens);
// with a staff redirect URI also `portal-staff` / `portal-staff-secret` for the staff login.
// The login page is a plain form: the test posts an account and the acr to log in with, so a
// test chooses the trust level of each login, and optionally the `amr` (space-separated,
// default `pwd`) and the staff account's `portal_roles` from now on (space-separated, as an
// administrator would change them at the provider). BundID-style claims; `sub` is a pseudonym.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.OIDC_PROVIDER_DIR;
if (!dir) {
  console.error('OIDC_PROVIDER_DIR is not set: run scripts/test, which installs oidc-provider');
  process.exit(2);
}
const { default: Provider } = await import(
  pathToFileURL(path.join(dir, 'node_modules', 'oidc-provider', 'lib', 'index.js')).href
);

const redirectUri = process.argv[2];
const postLogout = process.argv[3] ?? redirectUri;
const staffRedirectUri = process.argv[4];
if (!redirectUri) {
  console.error('usage: provider.mjs <redirect_uri> [post_logout_redirect_uri]');
  process.exit(2);
}

// Test people; the key is the pseudonymous `sub` a BundID broker would send.
const ACCOUNTS = {
  'pseudo-anna-7f3a': {
    given_name: 'Anna', family_name: 'Schulz', birthdate: '1985-03-12',
    email: 'anna.schulz@example.org',
    address: { street_address: 'Hauptstraße 1', postal_code: '99735', locality: 'Werther', country: 'DE' },
    birth_name: 'Krüger', place_of_birth: 'Nordhausen', nationality: 'DE',
  },
  'pseudo-jonas-21c9': {
    given_name: 'Jonas', family_name: 'Becker', birthdate: '1990-07-05',
    email: 'jonas.becker@example.org',
  },
  // Staff accounts of the administration's provider, with the roles the portal reads.
  'staff-petra': {
    preferred_username: 'petra.sommer', email: 'petra.sommer@werther.example',
    portal_roles: ['clerk:werther'],
  },
  'staff-ella': {
    preferred_username: 'ella.berg', email: 'ella.berg@ellrich.example',
    portal_roles: ['clerk:ellrich', 'tenant_admin:ellrich'],
  },
  // Same username as the demo's local account `clerk.werther`.
  'staff-lookalike': {
    preferred_username: 'clerk.werther',
    portal_roles: ['clerk:werther'],
  },
  // Only values the portal does not know.
  'staff-nobody': {
    preferred_username: 'nobody', portal_roles: ['clerk:atlantis', 'mayor:werther', 'admin'],
  },
};

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-es256', alg: 'ES256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const clients = [{
    client_id: 'portal',
    client_secret: 'portal-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogout],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'ES256',
    token_endpoint_auth_method: 'client_secret_basic',
  }];
if (staffRedirectUri) {
  clients.push({
    client_id: 'portal-staff',
    client_secret: 'portal-staff-secret',
    redirect_uris: [staffRedirectUri],
    // After a logout at the provider, staff come back to the portal's login page.
    post_logout_redirect_uris: [staffRedirectUri.replace(/\/staff\/login\/callback.*$/, '/staff/login')],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'ES256',
    token_endpoint_auth_method: 'client_secret_basic',
  });
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  acrValues: [
    'STORK-QAA-Level-1', 'STORK-QAA-Level-2', 'STORK-QAA-Level-3', 'STORK-QAA-Level-4',
    'http://eidas.europa.eu/LoA/low', 'http://eidas.europa.eu/LoA/substantial',
    'http://eidas.europa.eu/LoA/high',
  ],
  scopes: ['openid', 'profile', 'email', 'address'],
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'birthdate', 'birth_name', 'place_of_birth', 'nationality',
      'preferred_username', 'portal_roles', 'acr', 'amr'],
    email: ['email'],
    address: ['address'],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // The portal is a first-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email address');
    await grant.save();
    return grant;
  },
});

function formBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (match && req.method === 'GET' && !match[2]) {
      const { uid, params } = await provider.interactionDetails(req, res);
      const acr = (params.acr_values ?? '').split(' ')[0];
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>Test login</title>
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Account <input name="account"></label>
<label>acr <input name="acr" value="${escape(acr)}"></label>
<label>amr <input name="amr" value="pwd"></label>
<label>roles <input name="roles"></label>
<button>Log in</button></form>`);
      return;
    }
    if (match && req.method === 'POST' && match[2]) {
      const form = await formBody(req);
      const words = (v) => (v ?? '').split(/\s+/).filter(Boolean);
      const account = form.get('account');
      const roles = words(form.get('roles'));
      if (roles.length && ACCOUNTS[account]) ACCOUNTS[account].portal_roles = roles;
      const amr = words(form.get('amr'));
      await provider.interactionFinished(
        req, res,
        {
          login: {
            accountId: account,
            acr: form.get('acr') || undefined,
            amr: amr.length ? amr : ['pwd'],
          },
        },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    callback(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});

console.log(`OP_READY ${issuer}`);
