import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { OnlineRotationResult } from '../../vault/online-rotation';
import { errorResponses } from '../common';

const RotationView = Type.Object(
  {
    keyId: Type.String({ description: 'Id of the key every secret is now sealed under.' }),
    rotated: Type.Integer({ description: 'Secrets re-encrypted by this call.' }),
    raced: Type.Integer({ description: 'Secrets rewritten by someone else meanwhile (already under the new key).' }),
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
