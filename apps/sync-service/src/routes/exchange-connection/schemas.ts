import { Type } from 'typebox';

const closed = { additionalProperties: false } as const;
const httpUrl = (description: string) =>
  Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description });

export const AUTH_KINDS_BY_KIND = {
  ews: ['basic', 'ntlm', 'oauth'],
  graph: ['client_secret', 'certificate'],
} as const;

/**
 * One flat object rather than a union, so a mistake gets a message naming the field (e.g. "ews connections need
 * url") instead of "must match a schema in anyOf". The handler checks which fields each kind needs.
 */
export const ConnectionBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('ews'), Type.Literal('graph')], {
      description: 'ews: on-premises Exchange (2016, 2019, SE); graph: Exchange Online through Microsoft Graph.',
    }),
    url: Type.Optional(
      httpUrl(
        'EWS: the EWS endpoint (https://mail.example.com/EWS/Exchange.asmx), required. Graph: the Graph base URL, default https://graph.microsoft.com; the root (https://graph.microsoft.us) gets /v1.0 appended, a versioned URL (…/v1.0) is used as given.',
      ),
    ),
    authority: Type.Optional(
      httpUrl(
        'Graph and EWS oauth: the Entra authority root, without the tenant. Default https://login.microsoftonline.com (global cloud); https://login.microsoftonline.us (US Government), https://login.chinacloudapi.cn (China), or any other URL serving OpenID metadata at {authority}/{tenant}/v2.0/.well-known/openid-configuration (the simulator: its base URL, http allowed for it).',
      ),
    ),
    authKind: Type.Union(
      [
        Type.Literal('basic'),
        Type.Literal('ntlm'),
        Type.Literal('oauth'),
        Type.Literal('client_secret'),
        Type.Literal('certificate'),
      ],
      { description: 'EWS: basic, ntlm or oauth. Graph: client_secret or certificate.' },
    ),
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 320,
        description: 'EWS basic/ntlm: the service account (with ApplicationImpersonation), e.g. DOMAIN\\svc-exsync.',
      }),
    ),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        writeOnly: true,
        description: 'EWS basic/ntlm: the service account password. Write-only; leave out to keep the stored one.',
      }),
    ),
    entraTenantId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Graph and EWS oauth: the Entra (Azure AD) tenant id.',
      }),
    ),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'Graph and EWS oauth: the app registration client id.',
      }),
    ),
    clientSecret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        writeOnly: true,
        description:
          'Graph client_secret and EWS oauth: the client secret. Write-only; leave out to keep the stored one.',
      }),
    ),
    certificate: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 65536,
        writeOnly: true,
        description:
          'Graph certificate: PEM with the certificate and its private key. Write-only; leave out to keep the stored one.',
      }),
    ),
  },
  closed,
);

export const ConnectionView = Type.Object(
  {
    kind: Type.Union([Type.Literal('ews'), Type.Literal('graph')]),
    url: Type.Union([Type.String(), Type.Null()]),
    authKind: Type.String(),
    username: Type.Union([Type.String(), Type.Null()]),
    entraTenantId: Type.Union([Type.String(), Type.Null()]),
    clientId: Type.Union([Type.String(), Type.Null()]),
    authority: Type.Union([Type.String(), Type.Null()], {
      description: 'The Entra authority root; null means the global cloud (https://login.microsoftonline.com).',
    }),
    hasSecret: Type.Boolean({ description: 'A password or client secret is stored (it is never shown).' }),
    hasCertificate: Type.Boolean({ description: 'A certificate is stored (it is never shown).' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  closed,
);

export const ConnectionTestBody = Type.Object(
  {
    mailbox: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 320,
        description: 'The mailbox (SMTP address) to try. Give this or ncUserId.',
      }),
    ),
    ncUserId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: "^[A-Za-z0-9 _.@'-]+$",
        description: 'An enrolled user whose mailbox (or, without one, e-mail address) to try. Give this or mailbox.',
      }),
    ),
  },
  closed,
);

export const ConnectionTestResult = Type.Object(
  {
    ok: Type.Boolean({ description: "true when every enabled item kind's folder opened." }),
    mailbox: Type.String({ description: 'The mailbox tried.' }),
    stateCode: Type.Union(
      [
        Type.Enum([
          'exchange_credentials_refused',
          'exchange_mailbox_not_found',
          'exchange_mailbox_access_denied',
          'exchange_connection_invalid',
          'throttled',
          'sync_failed',
          'internal_error',
        ]),
        Type.Null(),
      ],
      {
        description:
          'Why it failed, as the user\'s stateCode would say it after a sync (README "How users are synced"), or exchange_connection_invalid for a connection that cannot be used at all (its message names the field); null when it worked.',
      },
    ),
    message: Type.String({ description: 'What happened, and on failure what to fix.' }),
    folders: Type.Array(
      Type.Object(
        {
          kind: Type.Enum(['events', 'contacts', 'tasks']),
          ok: Type.Boolean(),
        },
        closed,
      ),
      { description: 'The enabled item kinds tried, in order; the test stops at the first folder that fails.' },
    ),
  },
  closed,
);
