export const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/';
export const M = 'http://schemas.microsoft.com/exchange/services/2006/messages';
export const T = 'http://schemas.microsoft.com/exchange/services/2006/types';
export const E = 'http://schemas.microsoft.com/exchange/services/2006/errors';
