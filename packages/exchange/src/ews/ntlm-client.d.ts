/** The three NTLM messages of @ewsjs/ntlm-client (the library @ewsjs/xhr uses), which ships no types. */
declare module '@ewsjs/ntlm-client' {
  export interface Type2Message {
    readonly flags: number;
    readonly challenge: Buffer;
  }
  /** `NTLM <base64>` NEGOTIATE_MESSAGE. */
  export function createType1Message(workstation?: string, target?: string): string;
  /** Reads `NTLM <base64>` (a WWW-Authenticate value) into the CHALLENGE_MESSAGE. */
  export function decodeType2Message(header: string): Type2Message;
  /** `NTLM <base64>` AUTHENTICATE_MESSAGE (NTLMv2 when the challenge carries target info). */
  export function createType3Message(
    type2: Type2Message,
    username: string,
    password: string,
    workstation?: string,
    target?: string,
  ): string;
  /** The module is CommonJS: Node's ESM loader offers its exports only as the default export. */
  const ntlm: {
    createType1Message: typeof createType1Message;
    decodeType2Message: typeof decodeType2Message;
    createType3Message: typeof createType3Message;
  };
  export default ntlm;
}
