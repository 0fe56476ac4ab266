/**
 * GetUserPhoto (Exchange 2013+): a mailbox user's photo by e-mail address, over SOAP (PictureData, base64) and over
 * the plain GET form `/ews/Exchange.asmx/s/GetUserPhoto?email=&size=` (the image itself, with an ETag; a matching
 * If-None-Match answers 304, a user without a photo 404).
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getuserphoto-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-get-user-photos-by-using-ews-in-exchange
 */
import type { Simulator } from '../../simulator';
import type { UserPhoto } from '../../store/types';
import type { EwsContext } from '../context';
import { EwsFault } from '../errors';
import { M, T } from '../xml/namespaces';
import { childText, type XNode } from '../xml/parse';

/** messages.xsd UserPhotoSizeType (the page spells some with a capital X; matched without case). */
const SIZES = new Set(
  ['HR48x48', 'HR64x64', 'HR96x96', 'HR120x120', 'HR240x240', 'HR360x360', 'HR432x432', 'HR504x504', 'HR648x648'].map(
    (s) => s.toLowerCase(),
  ),
);

export function isPhotoSize(size: string | undefined): boolean {
  return size !== undefined && SIZES.has(size.toLowerCase());
}

/**
 * The photo of the user an address names, if any. Photos come from the directory: any signed-in caller may read
 * any user's. Simplified: the stored image is answered for every size (Exchange answers the largest it has when
 * the size asked for is not available).
 */
export function photoOf(sim: Simulator, email: string): UserPhoto | undefined {
  const m = sim.store.findMailbox(email);
  if (!m || m.smtpAddress.toLowerCase() !== email.toLowerCase()) return undefined;
  return sim.store.photo(m.id);
}

export function getUserPhoto(ctx: EwsContext, op: XNode): string {
  const email = childText(op, M, 'Email')?.trim();
  const size = childText(op, M, 'SizeRequested')?.trim();
  if (!email || !isPhotoSize(size)) {
    throw new EwsFault(
      'ErrorSchemaValidation',
      'The request failed schema validation: Email and a SizeRequested of UserPhotoSizeType are required.',
    );
  }
  const photo = photoOf(ctx.sim, email);
  // The page: an address without a photo (or not in the organisation) gets HTTP 500 and no response message.
  if (!photo) throw new EwsFault('ErrorItemNotFound');
  // The response is the message itself (no ResponseMessages wrapper), as the page's example shows.
  return (
    `<m:GetUserPhotoResponse ResponseClass="Success" xmlns:m="${M}" xmlns:t="${T}">` +
    '<m:ResponseCode>NoError</m:ResponseCode><m:HasChanged>true</m:HasChanged>' +
    `<m:PictureData>${photo.data.toString('base64')}</m:PictureData></m:GetUserPhotoResponse>`
  );
}
