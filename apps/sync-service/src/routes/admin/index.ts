import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OnlineRotationResult } from '../../vault/online-rotation';
import { errorResponses } from '../common';

const RotationView = Type.Object(
  {
    keyId: Type.String({ description: 'Id of the key every secret is now sealed under.' }),
    rotated: Type.Integer({ description: 'Secrets re-encrypted by this call.' }),
    raced: Type.Integer({ description: 'Secrets rewritten by someone else meanwhile (already under the new key).' }),
    unreadable: Type.Array(
      Type.Object(
        {
          kind: Type.String({
            description: 'user_app_password, exchange_secret, exchange_certificate or graph_client_state.',
          }),
          id: Type.String({ description: 'Id of the user or Exchange connection row.' }),
          reason: Type.String({ description: 'Why it cannot be opened: its key is not configured, or it is damaged.' }),
        },
        { additionalProperties: false },
      ),
      {
        description:
          'Secrets that could not be decrypted and were left as they are (the rotation went on with the rest). Restore their key (EXSYNC_OLD_SECRET_KEYS) or enter those credentials again.',
      },
    ),
    generatedKey: Type.Boolean({ description: 'A new key was generated into the data folder (embedded mode).' }),
  },
  { additionalProperties: false },
);

/** Operator actions on the running service. Admin key only. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ rotateKey: () => Promise<OnlineRotationResult> }> = async (
  app,
  { rotateKey },
) => {
  app.post(
    '/admin/key-rotation',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['admin'],
        operationId: 'rotateSecretKey',
        summary: 'Re-encrypt every stored secret under the current key, while the service runs',
        description:
          'Embedded database with the key in the data folder: generates a new key, re-encrypts, then drops the old key. With EXSYNC_SECRET_KEY: re-encrypts what is still under EXSYNC_OLD_SECRET_KEYS (same as `exsync rotate-key`).',
        response: { 200: RotationView, ...errorResponses() },
      },
    },
    async () => rotateKey(),
  );
};
